"""Request-header limits on a real server on loopback: 431 with the JSON error body for a
1 MiB header or 500 headers, under uvicorn with `HeaderLimitedProtocol` and `sluice api`; and
startup's objects frozen out of the garbage collector."""

import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from api.app import create_app
from api.serving import (
    MAX_HEADER_BYTES,
    MAX_HEADERS,
    HeaderLimitedProtocol,
)
from sluice.settings import Settings
from store.db import migrate
from tests.api.serving import serving, sluice_api

MiB = 1024 * 1024


def request(*headers: str) -> bytes:
    lines = ["GET /healthz HTTP/1.1", "Host: sluice", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def exchange(base_url: str, *requests: bytes) -> list[tuple[int, dict[str, object]]]:
    """Send `requests` on one connection; the (status, JSON body) of each answer."""
    address = urlsplit(base_url)
    assert address.hostname and address.port
    answers = []
    with socket.create_connection((address.hostname, address.port), timeout=20) as sock:
        reader = sock.makefile("rb")
        for raw in requests:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(raw)  # refused mid-send: the answer is still there to read
            status = int(reader.readline().split()[1])
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            answers.append((status, json.loads(reader.read(length))))
    return answers


def assert_refused(answer: tuple[int, dict[str, object]], fragment: str) -> None:
    status, body = answer
    assert status == 431, body
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == "request_header_fields_too_large" and fragment in error["message"]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'sluice.db'}"
    migrate(url)
    return url


@pytest.fixture
def base_url(sqlite_url: str) -> Iterator[str]:
    with serving(create_app(Settings(database_url=sqlite_url)), http=HeaderLimitedProtocol) as url:
        yield url


def test_a_1_mib_header_is_refused_with_431(base_url: str) -> None:
    [answer] = exchange(base_url, request("X-Big: " + "a" * MiB))
    assert_refused(answer, f"request headers over {MAX_HEADER_BYTES} bytes")


def test_500_headers_are_refused_with_431(base_url: str) -> None:
    [answer] = exchange(base_url, request(*(f"X-H{i}: v" for i in range(500))))
    assert_refused(answer, f"more than {MAX_HEADERS} request headers")


def test_headers_within_the_limits_are_served_request_after_request(base_url: str) -> None:
    """The counts start again with each request on a kept-alive connection."""
    headers = [f"X-H{i}: {'v' * 200}" for i in range(MAX_HEADERS - 1)]  # about 20 KiB
    answers = exchange(base_url, request(*headers), request(*headers), request(*headers))
    assert [status for status, _ in answers] == [200, 200, 200]
    big = exchange(base_url, request("X-Big: " + "a" * (MAX_HEADER_BYTES + 1)))
    assert_refused(big[0], "request headers over")


def test_sluice_api_enforces_the_limits(sqlite_url: str, tmp_path: Path) -> None:
    with sluice_api(sqlite_url, tmp_path / "api.log") as base_url:
        assert_refused(exchange(base_url, request("X-Big: " + "a" * MiB))[0], "over")
        assert_refused(exchange(base_url, request(*(f"X{i}: v" for i in range(500))))[0], "more")
