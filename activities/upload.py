"""Host-bound upload: one streamed read feeds S3 (multipart, resumable) and the SHA-256."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from temporalio import activity

from activities.errors import as_failure, failure
from sluice.contracts import UploadedPart, UploadProgress, UploadRequest, UploadResult
from sluice.paths import OutsideRootError, owning_root, resolve_in_root

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SHA256_TAG = "sluice-sha256"


class UploadActivities:
    """Runs on `sluice-host-<agent>`: only this host can read the file."""

    def __init__(self, client: S3Client, roots: Sequence[Path]) -> None:
        self._s3 = client
        self._roots = list(roots)

    @activity.defn(name="upload_file")
    def upload_file(self, req: UploadRequest) -> UploadResult:
        path = self._checked_path(req)
        try:
            if req.expected_size <= req.part_size:
                return self._put_single(path, req)
            return self._put_multipart(path, req)
        except Exception as exc:
            raise as_failure(exc) from exc

    def _checked_path(self, req: UploadRequest) -> Path:
        try:
            path = resolve_in_root(owning_root(self._roots, req.root), req.rel_path)
        except OutsideRootError as exc:
            raise failure("invalid_input", str(exc)) from None
        try:
            st = path.stat()
        except FileNotFoundError:
            raise failure("not_found", f"{path} no longer exists") from None
        if (st.st_size, st.st_mtime_ns) != (req.expected_size, req.expected_mtime_ns):
            raise failure(
                "conflict",
                f"{path} changed since it was detected (size {req.expected_size} -> "
                f"{st.st_size}); the new version is handled as a new file",
            )
        return path

    def _put_single(self, path: Path, req: UploadRequest) -> UploadResult:
        body = path.read_bytes()
        if len(body) != req.expected_size:
            raise failure("conflict", f"{path} changed while it was read")
        sha256 = hashlib.sha256(body).hexdigest()
        response = self._s3.put_object(
            Bucket=req.bucket, Key=req.key, Body=body, Tagging=f"{SHA256_TAG}={sha256}"
        )
        return UploadResult(
            req.bucket, req.key, len(body), sha256, response["ETag"], 1, attempt=_attempt()
        )

    def _put_multipart(self, path: Path, req: UploadRequest) -> UploadResult:
        progress = self._resume_point(req) or self._start_upload(req)
        done = {part.number for part in progress.parts}
        resumed = len(done)
        sha = hashlib.sha256()
        size = 0
        with path.open("rb") as stream, ThreadPoolExecutor(req.part_concurrency) as pool:
            running: set[Future[UploadedPart]] = set()
            number = 0
            while chunk := stream.read(req.part_size):
                number += 1
                size += len(chunk)
                sha.update(chunk)
                if number in done:
                    continue  # sent by an earlier attempt: hashed locally, not sent again
                if len(running) >= req.part_concurrency:
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    self._record_parts(finished, progress)
                running.add(pool.submit(self._send_part, req, progress.upload_id, number, chunk))
            self._record_parts(wait(running).done, progress)
        if size != req.expected_size:
            raise failure("conflict", f"{path} changed while it was read")
        parts = sorted(progress.parts, key=lambda p: p.number)
        completed = self._s3.complete_multipart_upload(
            Bucket=req.bucket,
            Key=req.key,
            UploadId=progress.upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": p.etag} for p in parts]},
        )
        sha256 = sha.hexdigest()
        self._s3.put_object_tagging(
            Bucket=req.bucket,
            Key=req.key,
            Tagging={"TagSet": [{"Key": SHA256_TAG, "Value": sha256}]},
        )
        return UploadResult(
            req.bucket, req.key, size, sha256, completed["ETag"], len(parts), resumed, _attempt()
        )

    def _start_upload(self, req: UploadRequest) -> UploadProgress:
        created = self._s3.create_multipart_upload(Bucket=req.bucket, Key=req.key)
        progress = UploadProgress(upload_id=created["UploadId"])
        activity.heartbeat(progress)
        return progress

    def _resume_point(self, req: UploadRequest) -> UploadProgress | None:
        """The progress a previous attempt heartbeated, kept only where S3 agrees."""
        details = activity.info().heartbeat_details
        if not details:
            return None
        saved = _progress_from(details[0])
        try:
            listed = self._s3.list_parts(Bucket=req.bucket, Key=req.key, UploadId=saved.upload_id)
        except self._s3.exceptions.NoSuchUpload:
            activity.logger.warning("upload %s is gone; starting over", saved.upload_id)
            return None
        on_server = {p["PartNumber"]: p["ETag"] for p in listed.get("Parts", [])}
        kept = [p for p in saved.parts if on_server.get(p.number) == p.etag]
        activity.logger.info("resuming upload %s at %d parts", saved.upload_id, len(kept))
        return UploadProgress(saved.upload_id, kept)

    def _send_part(
        self, req: UploadRequest, upload_id: str, number: int, chunk: bytes
    ) -> UploadedPart:
        response = self._s3.upload_part(
            Bucket=req.bucket, Key=req.key, UploadId=upload_id, PartNumber=number, Body=chunk
        )
        return UploadedPart(number=number, etag=response["ETag"], size=len(chunk))

    @staticmethod
    def _record_parts(finished: set[Future[UploadedPart]], progress: UploadProgress) -> None:
        for future in finished:
            progress.parts.append(future.result())
        activity.heartbeat(progress)


def _attempt() -> int:
    return activity.info().attempt


def _progress_from(raw: Any) -> UploadProgress:
    if isinstance(raw, UploadProgress):
        return raw
    parts = [UploadedPart(**part) for part in raw.get("parts", [])]
    return UploadProgress(upload_id=raw["upload_id"], parts=parts)
