"""S3 and transport failures are classified so that an outage is retried as one."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ProxyConnectionError

from activities.errors import classify


def client_error(code: str, status: int) -> ClientError:
    response = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "PutObject")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (client_error("502", 502), ("network", True)),  # a proxy in front of S3
        (client_error("BadGateway", 504), ("network", True)),
        (client_error("TooManyRequests", 429), ("rate_limit", True)),
        (client_error("SlowDown", 503), ("network", True)),
        (client_error("AccessDenied", 403), ("auth", False)),
        (client_error("NoSuchBucket", 404), ("not_found", False)),
        (ProxyConnectionError(proxy_url="http://proxy:3128", error="refused"), ("network", True)),
        (FileNotFoundError("gone"), ("not_found", False)),  # raised without an errno
    ],
)
def test_outages_are_transient_and_refusals_are_not(
    exc: BaseException, expected: tuple[str, bool]
) -> None:
    assert classify(exc) == expected
