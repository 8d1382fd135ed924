"""Build a boto3 S3 client from the storage settings."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from sluice.settings import StorageSettings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def make_s3_client(storage: StorageSettings, *, max_pool: int = 16) -> S3Client:
    """A client for any S3-compatible endpoint (SeaweedFS, MinIO, AWS, OSS, COS)."""
    config = Config(
        s3={
            "addressing_style": "path" if storage.path_style else "auto",
            "payload_signing_enabled": storage.body_integrity == "signature",
        },
        retries={"max_attempts": 3, "mode": "standard"},
        max_pool_connections=max_pool,
        connect_timeout=10,
        read_timeout=60,
        # The upload sends its own checksums as headers (activities/upload.py); botocore's
        # automatic ones can travel in aws-chunked trailers, which not every server reads.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.client("s3", config=config, **connection_args(storage))


def connection_args(storage: StorageSettings) -> dict[str, Any]:
    """Where the server is, how to trust it, and the keys: boto3.client's arguments."""
    access = storage.access_key.get_secret_value() if storage.access_key else None
    secret = storage.secret_key.get_secret_value() if storage.secret_key else None
    verify: bool | str = str(storage.ca_bundle) if storage.ca_bundle else storage.verify_tls
    return {
        "endpoint_url": storage.endpoint_url,
        "region_name": storage.region,
        "aws_access_key_id": access,
        "aws_secret_access_key": secret,
        "verify": verify,
    }


def sends_checksums(client: S3Client) -> bool:
    """Whether bodies go unsigned with `client`, so uploads must carry checksums instead."""
    s3_options = getattr(client.meta.config, "s3", None) or {}
    return s3_options.get("payload_signing_enabled") is False


def ensure_bucket(client: S3Client, bucket: str) -> None:
    """Create `bucket` unless it exists already."""
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=bucket)
