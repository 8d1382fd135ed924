"""Upload and verify against the real SeaweedFS: streaming, multipart resume, classified errors."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from temporalio.converter import DataConverter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.objects import ObjectActivities
from activities.s3 import make_s3_client
from activities.upload import SHA256_TAG, UploadActivities, progress_from
from sluice.contracts import UploadProgress, UploadRequest, UploadResult, VerifyRequest
from sluice.settings import StorageSettings
from tests.fixtures.http import HttpReceiver, Reply

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MiB = 1024 * 1024
BUCKET = "sluice-test"


class Crash(Exception):
    """Stands in for the worker dying: raised from the heartbeat after some parts."""


def request(root: Path, name: str, part_size: int = 5 * MiB) -> UploadRequest:
    st = (root / name).stat()
    return UploadRequest(
        root=str(root),
        rel_path=name,
        expected_size=st.st_size,
        expected_mtime_ns=st.st_mtime_ns,
        bucket=BUCKET,
        key=f"uploads/{uuid.uuid4().hex}/{name}",
        part_size=part_size,
        part_concurrency=1,
    )


def as_heartbeat_details(progress: UploadProgress) -> list[Any]:
    """What the next attempt sees: the details after a round trip through Temporal's converter."""
    converter = DataConverter.default.payload_converter
    return list(converter.from_payloads(converter.to_payloads([progress])))


def run_upload(
    env: ActivityEnvironment, s3: S3Client, root: Path, req: UploadRequest
) -> UploadResult:
    return env.run(UploadActivities(s3, [root]).upload_file, req)


def test_crashed_multipart_upload_resumes_from_its_heartbeat(tmp_path: Path, s3: S3Client) -> None:
    content = os.urandom(23 * MiB)  # five parts: 4 x 5 MiB + 3 MiB
    (tmp_path / "dump.hprof").write_bytes(content)
    req = request(tmp_path, "dump.hprof")
    beats: list[UploadProgress] = []

    def crash_after_two_parts(*details: Any) -> None:
        beats.append(dataclasses.replace(details[0], parts=list(details[0].parts)))
        if len(details[0].parts) == 2:
            raise Crash

    first = ActivityEnvironment()
    first.on_heartbeat = crash_after_two_parts
    with pytest.raises(ApplicationError):
        run_upload(first, s3, tmp_path, req)
    assert [len(b.parts) for b in beats] == [0, 1, 2]

    second = ActivityEnvironment()
    second.info = dataclasses.replace(
        second.info, attempt=2, heartbeat_details=as_heartbeat_details(beats[-1])
    )
    sent: list[int] = []
    second.on_heartbeat = lambda *d: sent.append(len(d[0].parts))
    result = run_upload(second, s3, tmp_path, req)

    assert result.resumed_parts == 2
    assert result.parts == 5
    assert sent == [3, 4, 5]  # only the three missing parts went over the network
    assert result.sha256 == hashlib.sha256(content).hexdigest()
    body = s3.get_object(Bucket=BUCKET, Key=req.key)["Body"].read()
    assert body == content


def test_resume_asks_the_server_not_the_throttled_heartbeat(tmp_path: Path, s3: S3Client) -> None:
    """The SDK throttles heartbeats, so the one the server kept may name no parts at all."""
    content = os.urandom(23 * MiB)  # five parts
    (tmp_path / "dump.hprof").write_bytes(content)
    req = request(tmp_path, "dump.hprof")
    beats: list[UploadProgress] = []

    def crash_after_three_parts(*details: Any) -> None:
        beats.append(dataclasses.replace(details[0], parts=list(details[0].parts)))
        if len(details[0].parts) == 3:
            raise Crash

    first = ActivityEnvironment()
    first.on_heartbeat = crash_after_three_parts
    with pytest.raises(ApplicationError):
        run_upload(first, s3, tmp_path, req)
    only_the_first_beat = as_heartbeat_details(beats[0])  # the upload id, no parts

    second = ActivityEnvironment()
    second.info = dataclasses.replace(second.info, attempt=2, heartbeat_details=only_the_first_beat)
    sent: list[int] = []
    second.on_heartbeat = lambda *d: sent.append(len(d[0].parts))
    result = run_upload(second, s3, tmp_path, req)

    assert (result.resumed_parts, result.parts) == (3, 5)
    assert sent == [4, 5]  # the three stored parts were hashed, not sent again
    assert result.sha256 == hashlib.sha256(content).hexdigest()
    assert s3.get_object(Bucket=BUCKET, Key=req.key)["Body"].read() == content


def test_a_stored_part_that_differs_is_sent_again(tmp_path: Path, s3: S3Client) -> None:
    content = os.urandom(12 * MiB)  # three parts
    (tmp_path / "dump.bin").write_bytes(content)
    req = request(tmp_path, "dump.bin")
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=req.key)["UploadId"]
    for number, body in ((1, content[: 5 * MiB]), (2, os.urandom(5 * MiB))):  # 2 is not ours
        s3.upload_part(Bucket=BUCKET, Key=req.key, UploadId=upload_id, PartNumber=number, Body=body)

    resumed = dataclasses.replace(req, resume=UploadProgress(upload_id, key=req.key))
    result = run_upload(ActivityEnvironment(), s3, tmp_path, resumed)

    assert (result.resumed_parts, result.parts) == (1, 3)
    assert s3.get_object(Bucket=BUCKET, Key=req.key)["Body"].read() == content


def test_failed_attempt_hands_its_progress_to_the_next_one(tmp_path: Path, s3: S3Client) -> None:
    """The workflow's retry path: the failure carries the progress, the next request resumes."""
    content = os.urandom(16 * MiB)  # four parts
    (tmp_path / "dump.bin").write_bytes(content)
    req = request(tmp_path, "dump.bin")

    def crash_after_one_part(*details: Any) -> None:
        if len(details[0].parts) == 1:
            raise Crash

    first = ActivityEnvironment()
    first.on_heartbeat = crash_after_one_part
    with pytest.raises(ApplicationError) as caught:
        run_upload(first, s3, tmp_path, req)
    carried = as_heartbeat_details(caught.value.details[0])[0]

    result = run_upload(
        ActivityEnvironment(), s3, tmp_path, dataclasses.replace(req, resume=progress_from(carried))
    )

    assert (result.resumed_parts, result.parts) == (1, 4)
    assert s3.get_object(Bucket=BUCKET, Key=req.key)["Body"].read() == content


def test_an_upload_completed_before_the_attempt_died_is_not_sent_again(
    tmp_path: Path, s3: S3Client
) -> None:
    """The object was completed, but Temporal never heard (the agent died, Temporal was down)."""
    content = os.urandom(11 * MiB)  # three parts
    (tmp_path / "done.bin").write_bytes(content)
    req = request(tmp_path, "done.bin")
    first = ActivityEnvironment()
    beats: list[UploadProgress] = []
    first.on_heartbeat = lambda *d: beats.append(d[0])
    run_upload(first, s3, tmp_path, req)

    second = ActivityEnvironment()
    second.info = dataclasses.replace(
        second.info, attempt=2, heartbeat_details=as_heartbeat_details(beats[0])
    )
    sent: list[int] = []
    second.on_heartbeat = lambda *d: sent.append(len(d[0].parts))
    result = run_upload(second, s3, tmp_path, req)

    assert (result.parts, result.resumed_parts, sent) == (3, 3, [])
    assert result.sha256 == hashlib.sha256(content).hexdigest()
    assert not s3.list_multipart_uploads(Bucket=BUCKET, Prefix=req.key).get("Uploads")


def test_resume_of_a_vanished_upload_starts_over(tmp_path: Path, s3: S3Client) -> None:
    content = os.urandom(11 * MiB)
    (tmp_path / "big.log").write_bytes(content)
    req = request(tmp_path, "big.log")
    env = ActivityEnvironment()
    stale = UploadProgress(upload_id="no-such-upload-id")
    env.info = dataclasses.replace(
        env.info, attempt=2, heartbeat_details=as_heartbeat_details(stale)
    )

    result = run_upload(env, s3, tmp_path, req)

    assert result.resumed_parts == 0
    assert s3.get_object(Bucket=BUCKET, Key=req.key)["Body"].read() == content


def test_small_file_is_one_put_carrying_its_sha256(tmp_path: Path, s3: S3Client) -> None:
    (tmp_path / "a.txt").write_bytes(b"hello\n")
    req = request(tmp_path, "a.txt")
    sha = hashlib.sha256(b"hello\n").hexdigest()

    result = run_upload(ActivityEnvironment(), s3, tmp_path, req)

    tags = s3.get_object_tagging(Bucket=BUCKET, Key=req.key)["TagSet"]
    assert {"Key": SHA256_TAG, "Value": sha} in tags
    assert s3.head_object(Bucket=BUCKET, Key=req.key)["Metadata"] == {SHA256_TAG: sha}
    assert (result.parts, result.size) == (1, 6)


def test_file_changed_after_detection_is_a_conflict_not_retried(
    tmp_path: Path, s3: S3Client
) -> None:
    path = tmp_path / "grows.log"
    path.write_bytes(b"first line\n")
    req = request(tmp_path, "grows.log")
    with path.open("ab") as f:
        f.write(b"second line\n")

    with pytest.raises(ApplicationError) as caught:
        run_upload(ActivityEnvironment(), s3, tmp_path, req)

    assert caught.value.type == "conflict" and caught.value.non_retryable


@pytest.mark.parametrize("rel_path", ["../outside.txt", "/etc/passwd", "link/passwd"])
def test_paths_outside_the_root_are_refused(tmp_path: Path, s3: S3Client, rel_path: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("secret\n")
    (root / "link").symlink_to("/etc")
    req = UploadRequest(str(root), rel_path, 7, 0, BUCKET, "never", 5 * MiB)

    with pytest.raises(ApplicationError) as caught:
        run_upload(ActivityEnvironment(), s3, root, req)

    assert caught.value.type == "invalid_input" and caught.value.non_retryable


def test_root_the_agent_does_not_watch_is_refused(tmp_path: Path, s3: S3Client) -> None:
    (tmp_path / "a.txt").write_text("x")
    req = request(tmp_path, "a.txt")
    other_root = tmp_path / "watched"
    other_root.mkdir()

    with pytest.raises(ApplicationError) as caught:
        ActivityEnvironment().run(UploadActivities(s3, [other_root]).upload_file, req)

    assert caught.value.type == "invalid_input"


def put(s3: S3Client, key: str, body: bytes, sha256: str, stored_as: str = "tag") -> None:
    """Store `body` with `sha256` as a tag (how multipart uploads record it) or as metadata."""
    if stored_as == "tag":
        s3.put_object(Bucket=BUCKET, Key=key, Body=body, Tagging=f"{SHA256_TAG}={sha256}")
    else:
        s3.put_object(Bucket=BUCKET, Key=key, Body=body, Metadata={SHA256_TAG: sha256})


def verify(s3: S3Client, req: VerifyRequest) -> None:
    ActivityEnvironment().run(ObjectActivities(s3).verify_object, req)


@pytest.mark.parametrize("stored_as", ["tag", "metadata"])
def test_verify_accepts_the_object_that_was_uploaded(s3: S3Client, stored_as: str) -> None:
    body = b"intact\n"
    sha = hashlib.sha256(body).hexdigest()
    key = f"verify/ok-{stored_as}"
    put(s3, key, body, sha, stored_as)

    result = ActivityEnvironment().run(
        ObjectActivities(s3).verify_object, VerifyRequest(BUCKET, key, 7, sha, True)
    )

    assert (result.size, result.sha256, result.read_back) == (7, sha, True)


@pytest.mark.parametrize("stored_as", ["tag", "metadata"])
@pytest.mark.parametrize(
    ("stored", "recorded", "read_back"),
    [
        (b"intact\n", "0" * 64, False),  # recorded checksum differs
        (b"short\n", None, False),  # size differs
        (b"tamper\n", None, True),  # same size and hash recorded, different bytes
    ],
)
def test_verify_mismatch_is_a_non_retryable_checksum_failure(
    s3: S3Client, stored: bytes, recorded: str | None, read_back: bool, stored_as: str
) -> None:
    expected = b"intact\n"
    sha = hashlib.sha256(expected).hexdigest()
    key = f"verify/{uuid.uuid4().hex}"
    put(s3, key, stored, recorded or sha, stored_as)

    with pytest.raises(ApplicationError) as caught:
        verify(s3, VerifyRequest(BUCKET, key, len(expected), sha, read_back))

    assert caught.value.type == "checksum" and caught.value.non_retryable


def test_verify_of_a_missing_object_is_not_found(s3: S3Client) -> None:
    with pytest.raises(ApplicationError) as caught:
        verify(s3, VerifyRequest(BUCKET, "verify/missing", 1, "0" * 64))

    assert caught.value.type == "not_found"


def test_storage_class_is_applied_to_single_and_multipart_objects(
    tmp_path: Path, s3: S3Client
) -> None:
    (tmp_path / "small.log").write_bytes(b"cold\n")
    (tmp_path / "big.log").write_bytes(os.urandom(6 * MiB))
    for name in ("small.log", "big.log"):
        req = dataclasses.replace(request(tmp_path, name), storage_class="STANDARD_IA")
        run_upload(ActivityEnvironment(), s3, tmp_path, req)
        assert s3.head_object(Bucket=BUCKET, Key=req.key)["StorageClass"] == "STANDARD_IA"


def test_server_side_encryption_is_requested_from_the_server(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    """SeaweedFS needs IAM setup for SSE, so a loopback S3 endpoint records the request."""
    http_receiver.default = Reply(200, b"", {"ETag": '"d41d8cd98f00b204e9800998ecf8427e"'})
    client = make_s3_client(StorageSettings(endpoint_url=http_receiver.url))
    (tmp_path / "secret.log").write_bytes(b"card=4111\n")
    req = dataclasses.replace(
        request(tmp_path, "secret.log"), sse="aws:kms", sse_kms_key_id="alias/ops"
    )

    run_upload(ActivityEnvironment(), client, tmp_path, req)

    (put,) = [r for r in http_receiver.requests if r.method == "PUT"]
    headers = {k.lower(): v for k, v in put.headers.items()}
    assert headers["x-amz-server-side-encryption"] == "aws:kms"
    assert headers["x-amz-server-side-encryption-aws-kms-key-id"] == "alias/ops"
    assert put.body == b"card=4111\n"


@pytest.mark.parametrize("size", [1 * MiB, 12 * MiB], ids=["single-part", "multipart"])
def test_the_server_checks_what_arrived(tmp_path: Path, s3: S3Client, size: int) -> None:
    """Bodies go unsigned, so each carries a checksum the server checks and keeps."""
    content = os.urandom(size)
    (tmp_path / "out.log").write_bytes(content)
    req = request(tmp_path, "out.log")

    result = run_upload(ActivityEnvironment(), s3, tmp_path, req)

    head = s3.head_object(Bucket=BUCKET, Key=req.key, ChecksumMode="ENABLED")
    if result.parts == 1:  # the SHA-256 Sluice computed, checked by the server
        assert head.get("ChecksumSHA256") == base64.b64encode(bytes.fromhex(result.sha256)).decode()
    else:  # each part's CRC32, and a CRC32 of those for the object
        assert str(head.get("ChecksumCRC32", "")).endswith(f"-{result.parts}")


def test_signed_bodies_need_no_checksums(tmp_path: Path, storage_settings: StorageSettings) -> None:
    """body_integrity "signature": for servers without S3's checksum headers."""
    signing = make_s3_client(storage_settings.model_copy(update={"body_integrity": "signature"}))
    content = os.urandom(11 * MiB)
    (tmp_path / "signed.bin").write_bytes(content)
    req = request(tmp_path, "signed.bin")

    result = run_upload(ActivityEnvironment(), signing, tmp_path, req)

    assert result.parts == 3
    head = signing.head_object(Bucket=BUCKET, Key=req.key, ChecksumMode="ENABLED")
    assert "ChecksumCRC32" not in head
    assert signing.get_object(Bucket=BUCKET, Key=req.key)["Body"].read() == content
