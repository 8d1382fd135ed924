"""Central object activities: verify a stored object, and undo uploads (abort, delete)."""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import as_failure, failure
from activities.records import RecordActivities
from activities.upload import SHA256_TAG
from sluice.contracts import ObjectRef, RecordBatch, VerifyRequest, VerifyResult

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_READ_CHUNK = 1024 * 1024


class ObjectActivities:
    def __init__(self, client: S3Client, records: RecordActivities | None = None) -> None:
        self._s3 = client
        self._records = records

    @activity.defn(name="verify_object")
    def verify_object(self, req: VerifyRequest) -> VerifyResult:
        """The object must have the file's size and recorded SHA-256 (and bytes, if read_back).

        If it does, `req.then` (the run's end) is written too: step 3 of what a run
        records, see workflows/recorder.py.
        """
        started = time.monotonic()
        try:
            result = self._verify(req)
        except ApplicationError:
            raise
        except Exception as exc:
            raise as_failure(exc) from exc
        if req.then is not None and self._records is not None:
            result.recorded = self._write_end(req.then, result, started)
        return result

    def _write_end(self, batch: RecordBatch, result: VerifyResult, started: float) -> bool:
        """Write the run's end; on failure the workflow writes it, verify still succeeds."""
        assert self._records is not None
        verified = batch.steps[-1]
        verified.duration_ms = int((time.monotonic() - started) * 1000)
        verified.summary = result.summary()
        try:
            self._records.record(batch)
        except Exception:
            log = activity.logger
            log.warning("%s: the workflow records its end", verified.task_id, exc_info=True)
            return False
        return True

    @activity.defn(name="abort_uploads")
    def abort_uploads(self, ref: ObjectRef) -> int:
        """Abort every unfinished multipart upload of `ref.key`, so no parts linger."""
        aborted = 0
        pages = self._s3.get_paginator("list_multipart_uploads").paginate(
            Bucket=ref.bucket, Prefix=ref.key
        )
        for page in pages:
            for upload in page.get("Uploads", []):
                if upload["Key"] == ref.key:
                    self._s3.abort_multipart_upload(
                        Bucket=ref.bucket, Key=ref.key, UploadId=upload["UploadId"]
                    )
                    aborted += 1
        return aborted

    @activity.defn(name="delete_object")
    def delete_object(self, ref: ObjectRef) -> None:
        """Remove an object that must not stay (failed verification, compensation)."""
        self._s3.delete_object(Bucket=ref.bucket, Key=ref.key)

    def _verify(self, req: VerifyRequest) -> VerifyResult:
        where = f"s3://{req.bucket}/{req.key}"
        head = self._s3.head_object(Bucket=req.bucket, Key=req.key)
        size = head["ContentLength"]
        if size != req.size:
            raise failure("checksum", f"{where} holds {size} bytes, the file had {req.size}")
        # A single-part upload stores the hash as metadata too; a multipart one (hashed while
        # its parts were sent) can only tag it after completing.
        stored = head.get("Metadata", {}).get(SHA256_TAG) or self._tagged_sha256(req)
        if stored != req.sha256:
            raise failure("checksum", f"{where} records sha256 {stored}, the file had {req.sha256}")
        if req.read_back:
            actual = self._hash_object(req.bucket, req.key)
            if actual != req.sha256:
                raise failure("checksum", f"{where} content hashes to {actual}, not {req.sha256}")
        return VerifyResult(size, req.sha256, req.read_back)

    def _tagged_sha256(self, req: VerifyRequest) -> str | None:
        tags = self._s3.get_object_tagging(Bucket=req.bucket, Key=req.key)["TagSet"]
        return next((t["Value"] for t in tags if t["Key"] == SHA256_TAG), None)

    def _hash_object(self, bucket: str, key: str) -> str:
        sha = hashlib.sha256()
        body = self._s3.get_object(Bucket=bucket, Key=key)["Body"]
        for chunk in body.iter_chunks(_READ_CHUNK):
            sha.update(chunk)
            activity.heartbeat()
        return sha.hexdigest()
