"""Host-bound upload: one streamed read feeds S3 (multipart, resumable) and the SHA-256."""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from temporalio import activity
from temporalio.exceptions import ApplicationError, CancelledError

from activities.errors import as_failure, failure, os_failure
from activities.pulse import Pulse
from activities.resume import StoredPart, crc32_of, finished_object, holds, stored_parts
from activities.s3 import sends_checksums
from activities.throttle import Throttle
from sluice.contracts import UploadedPart, UploadProgress, UploadRequest, UploadResult
from sluice.paths import OutsideRootError, owning_root, resolve_in_root

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

SHA256_TAG = "sluice-sha256"
MAX_PARTS = 10_000  # S3's limit
_HASH_CHUNK = 1024 * 1024


def part_size_for(size: int, configured: int) -> int:
    """The configured part size, grown so the file fits S3's 10,000-part limit."""
    return max(configured, math.ceil(size / MAX_PARTS))


class UploadActivities:
    """Runs on `sluice-host-<agent>`: only this host can read the file."""

    def __init__(self, client: S3Client, roots: Sequence[Path]) -> None:
        self._s3 = client
        self._roots = list(roots)

    @activity.defn(name="upload_file")
    def upload_file(self, req: UploadRequest) -> UploadResult:
        path = checked_file(
            self._roots, req.root, req.rel_path, req.expected_size, req.expected_mtime_ns
        )
        if "{sha256}" in req.key:  # the key needs the hash first: the one case of two reads
            req.key = req.key.replace("{sha256}", _hash_file(path))
        upload = _Upload(self._s3, path, req)
        try:
            if req.expected_size <= req.part_size:
                return upload.single()
            return upload.multipart()
        except (ApplicationError, CancelledError):
            raise
        except Exception as exc:
            failed = as_failure(exc)
            # The next attempt (run by the workflow) resumes from these details.
            raise ApplicationError(
                failed.message,
                upload.progress,
                type=failed.type,
                non_retryable=failed.non_retryable,
            ) from exc


def checked_file(roots: Sequence[Path], root: str, rel_path: str, size: int, mtime_ns: int) -> Path:
    """The file inside one of `roots`, unchanged since it was detected."""
    try:
        path = resolve_in_root(owning_root(roots, root), rel_path)
    except OutsideRootError as exc:
        raise failure("invalid_input", str(exc)) from None
    try:
        st = path.stat()
    except FileNotFoundError:
        raise failure("not_found", f"{path} no longer exists") from None
    except OSError as exc:
        raise os_failure(exc, Path(root) / rel_path) from None
    if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
        raise failure(
            "conflict",
            f"{path} changed since it was detected (size {size} -> {st.st_size}); "
            "the new version is handled as a new file",
        )
    return path


class _Upload:
    def __init__(self, client: S3Client, path: Path, req: UploadRequest) -> None:
        self._s3 = client
        self.path = path
        self.req = req
        self.progress: UploadProgress | None = None
        self._throttle = Throttle(req.bandwidth_limit)
        self._checksums = sends_checksums(client)  # the server checks them; see StorageSettings
        self._stored: dict[int, StoredPart] = {}  # what S3 held when this attempt began
        self._known: dict[int, str] = {}  # part number → ETag an earlier attempt reported
        self.resumed = 0  # parts stored by an earlier attempt, not sent again
        self._gone = False  # the upload an earlier attempt began is no more

    def _object_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if self.req.storage_class:
            args["StorageClass"] = self.req.storage_class
        if self.req.sse:
            args["ServerSideEncryption"] = self.req.sse
        if self.req.sse_kms_key_id:
            args["SSEKMSKeyId"] = self.req.sse_kms_key_id
        return args

    def single(self) -> UploadResult:
        req = self.req
        body = self.path.read_bytes()
        if len(body) != req.expected_size:
            raise failure("conflict", f"{self.path} changed while it was read")
        digest = hashlib.sha256(body).digest()
        sha256 = digest.hex()
        args = self._object_args()
        if self._checksums:
            args["ChecksumSHA256"] = base64.b64encode(digest).decode()
        # Heartbeats only if the PUT outlasts a quarter of the heartbeat timeout: a write on
        # the server per file would cost more than the file.
        with Pulse(tuple):
            self._throttle.consume(len(body))
            response = self._s3.put_object(
                Bucket=req.bucket,
                Key=req.key,
                Body=body,
                Tagging=f"{SHA256_TAG}={sha256}",
                Metadata={SHA256_TAG: sha256},  # so verify needs only a HEAD
                **args,
            )
        return UploadResult(req.bucket, req.key, len(body), sha256, response["ETag"], parts=1)

    def multipart(self) -> UploadResult:
        req = self.req
        part_size = part_size_for(req.expected_size, req.part_size)
        self.progress = self._resume_point()
        if self.progress is None and self._gone:
            done = self._finished_earlier(part_size)
            if done is not None:
                return done
        progress = self.progress = self.progress or self._start()
        sha = hashlib.sha256()
        size = 0
        with (
            self.path.open("rb") as stream,
            ThreadPoolExecutor(req.part_concurrency) as pool,
            Pulse(self._snapshot),
        ):
            running: set[Future[UploadedPart]] = set()
            number = 0
            while chunk := stream.read(part_size):
                number += 1
                size += len(chunk)
                sha.update(chunk)
                if self._reuse(number, chunk):
                    continue  # stored by an earlier attempt: hashed locally, not sent again
                if len(running) >= req.part_concurrency:
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    self._record(finished)
                running.add(pool.submit(self._send_part, number, chunk))
            self._record(wait(running).done)
        if self.resumed:
            activity.logger.info(
                "upload %s: %d of %d parts were stored by an earlier attempt, %d sent",
                progress.upload_id, self.resumed, number, number - self.resumed,
            )  # fmt: skip
        if size != req.expected_size:
            raise failure("conflict", f"{self.path} changed while it was read")
        parts = sorted(progress.parts, key=lambda p: p.number)
        completed = self._s3.complete_multipart_upload(
            Bucket=req.bucket,
            Key=req.key,
            UploadId=progress.upload_id,
            MultipartUpload={"Parts": [self._completed_part(p) for p in parts]},
        )
        sha256 = sha.hexdigest()
        self._s3.put_object_tagging(
            Bucket=req.bucket,
            Key=req.key,
            Tagging={"TagSet": [{"Key": SHA256_TAG, "Value": sha256}]},
        )
        return UploadResult(
            req.bucket, req.key, size, sha256, completed["ETag"], len(parts), self.resumed
        )

    def _start(self) -> UploadProgress:
        args = self._object_args()
        if self._checksums:
            args["ChecksumAlgorithm"] = "CRC32"
        created = self._s3.create_multipart_upload(Bucket=self.req.bucket, Key=self.req.key, **args)
        progress = UploadProgress(upload_id=created["UploadId"], key=self.req.key)
        activity.heartbeat(progress)  # an attempt's first beat goes out at once: the id is kept
        return progress

    def _resume_point(self) -> UploadProgress | None:
        """The upload an earlier attempt started, if S3 still has it; its stored parts are
        asked from S3 (see activities/resume.py), not taken from the heartbeat."""
        saved = self.req.resume
        details = activity.info().heartbeat_details
        if saved is None and details:  # a retry scheduled by Temporal itself
            saved = progress_from(details[0])
        if saved is None:
            return None
        stored = stored_parts(self._s3, self.req.bucket, self.req.key, saved.upload_id)
        if stored is None:
            activity.logger.warning("upload %s is gone (completed or aborted)", saved.upload_id)
            self._gone = True
            return None
        self._stored = stored
        self._known = {part.number: part.etag for part in saved.parts}
        activity.logger.info(
            "resuming upload %s: the server holds %d parts", saved.upload_id, len(stored)
        )
        return UploadProgress(saved.upload_id, [], self.req.key)

    def _finished_earlier(self, part_size: int) -> UploadResult | None:
        """The result, if an earlier attempt completed this very upload (one more read)."""
        req = self.req
        sha256 = _hash_file(self.path)
        etag = finished_object(self._s3, req.bucket, req.key, req.expected_size, SHA256_TAG, sha256)
        if etag is None:
            activity.logger.info(
                "s3://%s/%s is not this file yet; starting over", req.bucket, req.key
            )
            return None
        parts = math.ceil(req.expected_size / part_size)
        return UploadResult(req.bucket, req.key, req.expected_size, sha256, etag, parts, parts)

    def _reuse(self, number: int, chunk: bytes) -> bool:
        """Note part `number` as done if the server holds exactly `chunk` for it."""
        assert self.progress is not None
        part = self._stored.pop(number, None)
        if part is None or not holds(part, chunk, self._known.get(number, "")):
            return False
        crc32 = crc32_of(chunk) if self._checksums else ""
        self.progress.parts.append(UploadedPart(number, part.etag, len(chunk), crc32))
        self.resumed += 1
        return True

    def _snapshot(self) -> tuple[UploadProgress]:
        """The progress as of now, copied: the SDK encodes heartbeats later, on its loop."""
        assert self.progress is not None
        progress = self.progress
        return (UploadProgress(progress.upload_id, list(progress.parts), progress.key),)

    def _send_part(self, number: int, chunk: bytes) -> UploadedPart:
        assert self.progress is not None
        self._throttle.consume(len(chunk))
        crc32 = ""
        args: dict[str, Any] = {}
        if self._checksums:  # CRC32: cheaper than the SigV4 SHA-256 it replaces
            crc32 = crc32_of(chunk)
            args["ChecksumCRC32"] = crc32
        response = self._s3.upload_part(
            Bucket=self.req.bucket,
            Key=self.req.key,
            UploadId=self.progress.upload_id,
            PartNumber=number,
            Body=chunk,
            **args,
        )
        return UploadedPart(number, response["ETag"], len(chunk), crc32)

    @staticmethod
    def _completed_part(part: UploadedPart) -> CompletedPartTypeDef:
        completed: CompletedPartTypeDef = {"PartNumber": part.number, "ETag": part.etag}
        if part.crc32:
            completed["ChecksumCRC32"] = part.crc32
        return completed

    def _record(self, finished: set[Future[UploadedPart]]) -> None:
        assert self.progress is not None
        for future in finished:
            self.progress.parts.append(future.result())
        activity.heartbeat(*self._snapshot())
        if activity.is_cancelled():
            raise CancelledError("upload cancelled")


def _hash_file(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_HASH_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def progress_from(raw: Any) -> UploadProgress:
    """UploadProgress from heartbeat or failure details (dicts after Temporal's converter)."""
    if isinstance(raw, UploadProgress):
        return raw
    parts = [UploadedPart(**part) for part in raw.get("parts", [])]
    return UploadProgress(upload_id=raw["upload_id"], parts=parts, key=raw.get("key", ""))
