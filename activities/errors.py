"""Classify failures into the error classes Sluice records, and raise them for Temporal."""

from __future__ import annotations

import socket

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from temporalio.exceptions import ApplicationError

from sluice.contracts import ERROR_CLASSES

_AUTH_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"}
_NOT_FOUND_CODES = {"NoSuchBucket", "NoSuchKey", "NoSuchUpload", "404", "NotFound"}


def classify(exc: BaseException) -> tuple[str, bool]:
    """The error class of `exc` and whether trying again can help."""
    if isinstance(exc, ApplicationError) and exc.type in ERROR_CLASSES:
        return exc.type, not exc.non_retryable
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError | TimeoutError | socket.timeout):
        return "timeout", True
    if isinstance(exc, EndpointConnectionError | ConnectionClosedError | ConnectionError):
        return "network", True
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _AUTH_CODES:
            return "auth", False
        if code in _NOT_FOUND_CODES:
            return "not_found", False
        if code in {"SlowDown", "RequestTimeout", "ServiceUnavailable", "InternalError"}:
            return "network", True
    if isinstance(exc, FileNotFoundError):
        return "not_found", False
    if isinstance(exc, PermissionError):
        return "auth", False
    return "unknown", True


def failure(error_class: str, message: str, *, retryable: bool = False) -> ApplicationError:
    """An ApplicationError whose type is the error class, as the workflow records it."""
    return ApplicationError(message, type=error_class, non_retryable=not retryable)


def as_failure(exc: BaseException) -> ApplicationError:
    """A new classified ApplicationError for `exc` (raise it `from exc`)."""
    error_class, retryable = classify(exc)
    return failure(error_class, f"{type(exc).__name__}: {exc}", retryable=retryable)
