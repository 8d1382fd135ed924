"""What an interrupted multipart upload already stored, as the server tells it (ListParts).

A retry asks the server instead of trusting the last heartbeat: Temporal's SDK throttles
heartbeats to one per 0.8 x the heartbeat timeout, so the one the server kept may predate
most of the parts that went out. A stored part is reused only if it is the bytes this
attempt would send: the same size and an ETag equal to their MD5 (S3's ETag of a part
without SSE-KMS), the ETag an earlier attempt got for it, or else the same CRC32.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


_MD5 = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class StoredPart:
    etag: str
    size: int
    crc32: str = ""  # base64, when the part was sent with S3's ChecksumCRC32


def stored_parts(
    client: S3Client, bucket: str, key: str, upload_id: str
) -> dict[int, StoredPart] | None:
    """Part number → the part S3 holds for `upload_id`; None if the upload is gone."""
    stored: dict[int, StoredPart] = {}
    try:
        pages = client.get_paginator("list_parts").paginate(
            Bucket=bucket, Key=key, UploadId=upload_id
        )
        for page in pages:
            for part in page.get("Parts", []):
                stored[part["PartNumber"]] = StoredPart(
                    part["ETag"], part["Size"], str(part.get("ChecksumCRC32") or "")
                )
    except client.exceptions.NoSuchUpload:
        return None
    return stored


def crc32_of(chunk: bytes) -> str:
    """S3's ChecksumCRC32 of `chunk`: the big-endian CRC32, base64."""
    return base64.b64encode(zlib.crc32(chunk).to_bytes(4, "big")).decode()


def holds(part: StoredPart, chunk: bytes, known_etag: str = "") -> bool:
    """Whether the stored `part` is `chunk` (see the module doc)."""
    if part.size != len(chunk):
        return False
    if known_etag and part.etag == known_etag:
        return True
    etag = part.etag.strip('"').lower()
    if _MD5.fullmatch(etag):
        return etag == hashlib.md5(chunk, usedforsecurity=False).hexdigest()
    return bool(part.crc32) and part.crc32 == crc32_of(chunk)  # SSE-KMS: the ETag is no MD5


def finished_object(
    client: S3Client, bucket: str, key: str, size: int, tag: str, sha256: str
) -> str | None:
    """The ETag of the object at `key` if it is already this file (size and SHA-256 tag):
    an earlier attempt completed the upload but died before Temporal heard of it."""
    try:
        head = client.head_object(Bucket=bucket, Key=key)
        tags = client.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    except ClientError as exc:
        if str(exc.response.get("Error", {}).get("Code")) in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    stored = next((t["Value"] for t in tags if t["Key"] == tag), None)
    return head["ETag"] if head["ContentLength"] == size and stored == sha256 else None
