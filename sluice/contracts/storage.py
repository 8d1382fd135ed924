"""Requests and results of the storage steps' activities: upload, verify, archive, undo."""

from dataclasses import dataclass, field

from sluice.contracts.records import RecordBatch

# A killed agent's upload is retried this long after its last heartbeat; the upload beats
# every quarter of it, and the SDK sends at most one beat per 0.8 x it (8 s) to the server.
UPLOAD_HEARTBEAT_TIMEOUT_S = 10.0


@dataclass
class UploadedPart:
    number: int
    etag: str
    size: int
    crc32: str = ""  # base64, as S3's ChecksumCRC32 (when the upload sends checksums)


@dataclass
class UploadProgress:
    """Heartbeat details of a multipart upload; a retry resumes from these."""

    upload_id: str
    parts: list[UploadedPart] = field(default_factory=list)
    key: str = ""

    @property
    def bytes_done(self) -> int:
        return sum(p.size for p in self.parts)


@dataclass
class UploadRequest:
    root: str
    rel_path: str
    expected_size: int
    expected_mtime_ns: int
    bucket: str
    key: str  # may still hold "{sha256}", filled in once the file is hashed
    part_size: int
    part_concurrency: int = 4
    storage_class: str = ""
    sse: str = ""
    sse_kms_key_id: str = ""
    bandwidth_limit: int = 0  # bytes per second, 0 = unlimited
    resume: UploadProgress | None = None


@dataclass
class UploadResult:
    bucket: str
    key: str
    size: int
    sha256: str
    etag: str
    parts: int
    resumed_parts: int = 0


@dataclass
class ObjectRef:
    bucket: str
    key: str


@dataclass
class ArchiveRequest:
    root: str
    rel_path: str
    expected_size: int
    expected_mtime_ns: int
    action: str  # "delete" | "move"
    to: str = ""


@dataclass
class ArchiveResult:
    action: str
    moved_to: str = ""


@dataclass
class VerifyRequest:
    bucket: str
    key: str
    size: int
    sha256: str
    read_back: bool = False
    # The run's end, when this verify is the plan's last step and runs locally: written by
    # the same local activity once the object checks out (workflows/recorder.py). Its last
    # step update is this step's success; the activity fills in the duration and summary.
    then: RecordBatch | None = None


@dataclass
class VerifyResult:
    size: int
    sha256: str
    read_back: bool
    recorded: bool = False  # `VerifyRequest.then` was written

    def summary(self) -> dict[str, str]:
        """What the verify step records about itself."""
        read_back = str(self.read_back).lower()
        return {"sha256": self.sha256, "size": str(self.size), "read_back": read_back}
