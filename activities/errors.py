"""Classify failures into the error classes Sluice records, and raise them for Temporal."""

from __future__ import annotations

import errno
import os
import socket

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from temporalio.exceptions import ApplicationError

from sluice.contracts import ERROR_CLASSES

_AUTH_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"}
_NOT_FOUND_CODES = {"NoSuchBucket", "NoSuchKey", "NoSuchUpload", "404", "NotFound"}
# OS errors about the path itself: asking again cannot help. Others (EIO, ENOSPC, EMFILE, a
# stale NFS handle) may pass, so they stay retryable.
_OS_CLASSES = {
    errno.ENOENT: "not_found",
    errno.EACCES: "auth",
    errno.EPERM: "auth",
    errno.ENAMETOOLONG: "invalid_input",
    errno.ENOTDIR: "invalid_input",
    errno.ELOOP: "invalid_input",
    errno.EISDIR: "invalid_input",
    errno.EINVAL: "invalid_input",
    errno.EILSEQ: "invalid_input",
}


def classify(exc: BaseException) -> tuple[str, bool]:
    """The error class of `exc` and whether trying again can help."""
    if isinstance(exc, ApplicationError) and exc.type in ERROR_CLASSES:
        return exc.type, not exc.non_retryable
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError | TimeoutError | socket.timeout):
        return "timeout", True
    if isinstance(
        exc,
        EndpointConnectionError
        | ConnectionClosedError
        | BotoConnectionError
        | HTTPClientError
        | ConnectionError,
    ):
        return "network", True
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _AUTH_CODES:
            return "auth", False
        if code in _NOT_FOUND_CODES:
            return "not_found", False
        if code in {"SlowDown", "RequestTimeout", "ServiceUnavailable", "InternalError"}:
            return "network", True
        # A gateway or a server in trouble (502, 503, 504 with whatever code) is an outage.
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if status == 429:
            return "rate_limit", True
        if status >= 500 or status == 408:
            return "network", True
    if isinstance(exc, OSError) and exc.errno in _OS_CLASSES:
        return _OS_CLASSES[exc.errno], False
    if isinstance(exc, FileNotFoundError):  # raised by code, without an errno
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


def os_failure(exc: OSError, path: object) -> ApplicationError:
    """A classified failure for an OS error on `path` as the caller named it, e.g.
    "<path>: File name too long (ENAMETOOLONG)"; never a path the error itself carries."""
    error_class, retryable = classify(exc)
    code = errno.errorcode.get(exc.errno or 0, "")
    reason = f"{os.strerror(exc.errno)} ({code})" if exc.errno else str(exc)
    return failure(error_class, f"{path}: {reason}", retryable=retryable)
