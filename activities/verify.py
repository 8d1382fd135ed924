"""Central verification: the stored object must match the size and SHA-256 the upload saw."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from temporalio import activity

from activities.errors import as_failure, failure
from activities.upload import SHA256_TAG
from sluice.contracts import VerifyRequest, VerifyResult

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_READ_CHUNK = 1024 * 1024


class VerifyActivities:
    def __init__(self, client: S3Client) -> None:
        self._s3 = client

    @activity.defn(name="verify_object")
    def verify_object(self, req: VerifyRequest) -> VerifyResult:
        try:
            return self._verify(req)
        except Exception as exc:
            raise as_failure(exc) from exc

    def _verify(self, req: VerifyRequest) -> VerifyResult:
        where = f"s3://{req.bucket}/{req.key}"
        size = self._s3.head_object(Bucket=req.bucket, Key=req.key)["ContentLength"]
        if size != req.size:
            raise failure("checksum", f"{where} holds {size} bytes, the file had {req.size}")
        tags = self._s3.get_object_tagging(Bucket=req.bucket, Key=req.key)["TagSet"]
        stored = next((t["Value"] for t in tags if t["Key"] == SHA256_TAG), None)
        if stored != req.sha256:
            raise failure("checksum", f"{where} records sha256 {stored}, the file had {req.sha256}")
        if req.read_back:
            actual = self._hash_object(req.bucket, req.key)
            if actual != req.sha256:
                raise failure("checksum", f"{where} content hashes to {actual}, not {req.sha256}")
        return VerifyResult(size, req.sha256, req.read_back, activity.info().attempt)

    def _hash_object(self, bucket: str, key: str) -> str:
        sha = hashlib.sha256()
        body = self._s3.get_object(Bucket=bucket, Key=key)["Body"]
        for chunk in body.iter_chunks(_READ_CHUNK):
            sha.update(chunk)
            activity.heartbeat()
        return sha.hexdigest()
