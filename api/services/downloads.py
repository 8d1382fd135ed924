"""Short-lived presigned links to a task's stored object, for the console's download button.

The API does not import activities (layers), so it builds its own small boto3 client from the
storage settings: one to check that the object is there, and one that signs for the address
browsers reach (`storage.download_endpoint_url`, when that differs from `endpoint_url`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sluice.settings import StorageSettings
from store.models import utcnow

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class ObjectMissing(Exception):
    """The task has no stored object, or the store no longer has it."""


class StorageUnavailable(Exception):
    """The store did not answer the existence check."""


@dataclass(frozen=True)
class Download:
    url: str
    expires_at: datetime
    size: int


def presigned_download(
    storage: StorageSettings, *, bucket: str, key: str, filename: str
) -> Download:
    """A GET link to `bucket`/`key`, saved as `filename`, valid `storage.download_expiry_s`."""
    if not bucket or not key:
        raise ObjectMissing("the task stored no object")
    try:
        head = _client(*_connection(storage, storage.endpoint_url)).head_object(
            Bucket=bucket, Key=key
        )
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound", "NoSuchBucket"):
            raise ObjectMissing(f"s3://{bucket}/{key} is not in the store") from None
        raise StorageUnavailable(
            f"the store refused to check s3://{bucket}/{key}: {code}"
        ) from None
    except BotoCoreError as exc:
        raise StorageUnavailable(f"the store did not answer: {exc}") from None
    endpoint = storage.download_endpoint_url or storage.endpoint_url
    seconds = storage.download_expiry_s
    disposition = f'attachment; filename="{_quoted(filename)}"'
    url = _client(*_connection(storage, endpoint)).generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": key, "ResponseContentDisposition": disposition},
        ExpiresIn=seconds,
    )
    return Download(url, utcnow() + timedelta(seconds=seconds), int(head.get("ContentLength", 0)))


def _quoted(filename: str) -> str:
    """A filename safe inside a quoted Content-Disposition parameter (ASCII, no quotes)."""
    return "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )


def _connection(storage: StorageSettings, endpoint: str | None) -> tuple[Any, ...]:
    access = storage.access_key.get_secret_value() if storage.access_key else None
    secret = storage.secret_key.get_secret_value() if storage.secret_key else None
    verify: bool | str = str(storage.ca_bundle) if storage.ca_bundle else storage.verify_tls
    return endpoint, storage.region, access, secret, verify, storage.path_style


@cache
def _client(
    endpoint: str | None,
    region: str,
    access: str | None,
    secret: str | None,
    verify: bool | str,
    path_style: bool,
) -> S3Client:
    """One client per store address (building one costs tens of milliseconds)."""
    config = Config(
        s3={"addressing_style": "path" if path_style else "auto"},
        retries={"max_attempts": 2, "mode": "standard"},
        connect_timeout=5,
        read_timeout=10,
        signature_version="s3v4",
    )
    return boto3.client(
        "s3",
        config=config,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        verify=verify,
    )
