"""Where the servers are: Temporal, the S3 store, the API, and the embedded dev stack."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from sluice.keys import check_key_template
from sluice.settings.base import MiB, Section, SettingsError

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class TemporalSettings(Section):
    address: str = "127.0.0.1:7233"
    namespace: str = "default"
    task_queue: str = "sluice"
    ui_url: str = "http://127.0.0.1:8233"
    tls: bool = False
    api_key: SecretStr | None = None


DEV_S3_KEY = "sluice"  # the embedded SeaweedFS's; only for a server on this machine


class StorageSettings(Section):
    endpoint_url: str | None = "http://127.0.0.1:8333"
    region: str = "us-east-1"
    bucket: str = Field(default="sluice", min_length=3, max_length=63)
    access_key: SecretStr | None = SecretStr(DEV_S3_KEY)
    secret_key: SecretStr | None = SecretStr(DEV_S3_KEY)
    path_style: bool = True
    verify_tls: bool = True
    ca_bundle: Path | None = None
    part_size: int = Field(default=8 * MiB, ge=5 * MiB, le=5 * 1024 * MiB)
    part_concurrency: int = Field(default=4, ge=1, le=64)
    key_template: str = "{host}/{relpath}"
    # How the server checks that an upload's bytes arrived intact. "checksum": each body
    # carries one (single-part: the SHA-256 Sluice computes anyway; parts: CRC32) and is
    # not hashed again into the SigV4 signature. "signature": bodies are signed (SHA-256 of
    # every part, on both sides), for servers without S3's checksum headers.
    body_integrity: Literal["checksum", "signature"] = "checksum"
    # Where browsers reach the store, for the console's presigned download links, when that
    # differs from `endpoint_url` (an internal address, say); unset: `endpoint_url`.
    download_endpoint_url: str | None = None
    download_expiry_s: int = Field(default=900, ge=60, le=7 * 24 * 3600)

    _key_template = field_validator("key_template")(check_key_template)

    @field_validator("endpoint_url", "download_endpoint_url")
    @classmethod
    def _endpoint_has_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


class ApiSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8000"
    cors_origins: list[str] = []
    max_body_bytes: int = Field(default=1 * MiB, ge=1024)
    # How often each replica retries signalling alert groups it could not reach (outbox).
    alert_outbox_interval: float = Field(default=5.0, gt=0)


class DevSettings(Section):
    """Ports and state of the embedded stack that `sluice dev` runs."""

    state_dir: Path = Path(".sluice")
    temporal_port: int = Field(default=7233, ge=1, le=65535)
    temporal_ui_port: int = Field(default=8233, ge=1, le=65535)
    s3_port: int = Field(default=8333, ge=1, le=55535)
    seaweed_master_port: int = Field(default=9333, ge=1, le=55535)
    seaweed_volume_port: int = Field(default=8088, ge=1, le=55535)
    seaweed_filer_port: int = Field(default=8888, ge=1, le=55535)
    # A local Prometheus and Alertmanager as config targets, when installed (Debian's
    # prometheus, prometheus-alertmanager); off with --no-config-targets. Not 9090/9093:
    # Debian's own services hold those.
    config_targets: bool = True
    prometheus_port: int = Field(default=9190, ge=1, le=65535)
    alertmanager_port: int = Field(default=9193, ge=1, le=65535)


def refuse_dev_keys(storage: StorageSettings) -> None:
    """Outside `sluice dev`, the built-in S3 keys are only for a server on this machine.

    Everyone knows them, so against any other endpoint they are a mistake; SettingsError
    names the settings to set.
    """
    host = urlsplit(storage.endpoint_url or "https://s3.amazonaws.com").hostname or ""
    dev_keys = [
        name
        for name in ("access_key", "secret_key")
        if (key := getattr(storage, name)) is not None and key.get_secret_value() == DEV_S3_KEY
    ]
    if dev_keys and host not in _LOOPBACK:
        names = " and ".join(f"storage.{n} (env SLUICE_STORAGE__{n.upper()})" for n in dev_keys)
        raise SettingsError(
            f"{names} still hold the built-in development key, and the S3 endpoint "
            f"{storage.endpoint_url or 'AWS'} is not on this machine: set the bucket's real keys"
        )
