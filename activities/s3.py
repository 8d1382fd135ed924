"""Build a boto3 S3 client from the storage settings."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from sluice.settings import StorageSettings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def make_s3_client(storage: StorageSettings, *, max_pool: int = 16) -> S3Client:
    """A client for any S3-compatible endpoint (SeaweedFS, MinIO, AWS, OSS, COS)."""
    config = Config(
        s3={"addressing_style": "path" if storage.path_style else "auto"},
        retries={"max_attempts": 3, "mode": "standard"},
        max_pool_connections=max_pool,
        connect_timeout=10,
        read_timeout=60,
        # We verify with our own SHA-256; not every S3-compatible server handles the
        # CRC checksums that recent botocore sends by default.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    access = storage.access_key.get_secret_value() if storage.access_key else None
    secret = storage.secret_key.get_secret_value() if storage.secret_key else None
    verify: bool | str = str(storage.ca_bundle) if storage.ca_bundle else storage.verify_tls
    return boto3.client(
        "s3",
        endpoint_url=storage.endpoint_url,
        region_name=storage.region,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        verify=verify,
        config=config,
    )


def ensure_bucket(client: S3Client, bucket: str) -> None:
    """Create `bucket` unless it exists already."""
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=bucket)
