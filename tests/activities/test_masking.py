"""Secret masking on realistic log lines: no part of a credential survives, the rest is kept."""

from __future__ import annotations

import time

import pytest

from activities.analyze.excerpt import MAX_LINE_CHARS, excerpt_lines
from activities.analyze.secrets import LineMasker, mask
from sluice.actions import ExcerptRequest

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

# (log line, the secret parts that must be gone, text that must survive)
CASES: list[tuple[str, list[str], list[str]]] = [
    (f"Authorization: Bearer {JWT}", [JWT, "eyJhbGci", "SflKxw"], ["Authorization:"]),
    (f"authorization: bearer {JWT}", [JWT[:20]], ["authorization:"]),
    ("Authorization: Basic dXNlcjpwYXNzd29yZA==", ["dXNlcjpwYXNzd29yZA"], ["Authorization:"]),
    ("Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", ["9944b0"], []),
    (
        'Authorization: Digest username="bob", response="6629fae49393a05397450978507c4ef1"',
        ["6629fae4"],
        [],
    ),
    (
        f"DEBUG headers={{'Authorization': 'Bearer {JWT}', 'Accept': '*/*'}}",
        [JWT[:20]],
        ["'Accept': '*/*'"],
    ),
    (
        'curl -H "Authorization: Basic dXNlcjpwYXNz" https://ci.example/api',
        ["dXNlcjpwYXNz"],
        ["curl -H"],
    ),
    ("Proxy-Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l", ["YWxhZGRpbjpvcGVuc2VzYW1l"], []),
    ("Cookie: JSESSIONID=A1B2C3D4E5F6; remember_me=deadbeefcafe", ["A1B2C3", "deadbeef"], []),
    ("X-Api-Key: 3f9a7c1e2b4d6f80a1c3e5f7", ["3f9a7c1e"], ["X-Api-Key"]),
    (f"export AWS_SECRET_ACCESS_KEY={AWS_SECRET}", [AWS_SECRET, "wJalr"], ["export"]),
    (f"AWS_SECRET_ACCESS_KEY: {AWS_SECRET}", [AWS_SECRET], []),
    ("aws_session_token = IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH", ["IQoJb3J"], []),
    ("found credentials AKIAIOSFODNN7EXAMPLE in env", ["IOSFODNN7EXAMPLE"], ["in env"]),
    ("ASIAY34FZKBOKMUTVV7A used for assume-role", ["Y34FZKBOKMUTVV7A"], ["assume-role"]),
    ('{"user": "app", "password": "correct horse battery", "db": "x"}', ["correct", "horse"],
     ['"user": "app"', '"db": "x"']),
    ('{"password":"s3cr3t","retries":3}', ["s3cr3t"], ['"retries":3']),
    (r'msg="login {\"password\":\"hunter2\",\"user\":\"bob\"}"', ["hunter2"], ["login"]),
    ("password: 'p@ss w0rd'", ["p@ss", "w0rd"], []),
    ("DB_PASSWORD=hunter2 DB_USER=app", ["hunter2"], ["DB_USER=app"]),
    ("PGPASSWORD=hunter2 psql -h db", ["hunter2"], ["psql -h db"]),
    ("clientSecret=Zm9vYmFyYmF6cXV4", ["Zm9vYmFy"], []),
    ("Server=db;User Id=app;Password=Pa55word!;Database=shop", ["Pa55word"], ["Database=shop"]),
    ("config = {:password => 'rubysecret'}", ["rubysecret"], []),
    ("mysqldump --password hunter2 --user app shop", ["hunter2"], ["--user app shop"]),
    ("deploy --api-key=abcdef0123456789 --force", ["abcdef0123"], ["--force"]),
    ("connecting to postgresql://app:s3cr3tpw@db.internal/app", ["s3cr3tpw"], ["db.internal"]),
    ("git clone https://oauth2:glpat-xxxxxxxxxxxxxxxxxxxx@gitlab.example/x.git", ["glpat-"], []),
    ("GET /cb?code=ok&access_token=ya29.a0AfH6SMBx3&state=1 200", ["ya29.a0AfH6SMBx3"],
     ["state=1 200"]),
    (
        "GET /b/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261120&X-Amz-Signature="
        "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024 HTTP/1.1",
        ["IOSFODNN7EXAMPLE", "fe5f80f77d5fa3bec"],
        ["HTTP/1.1"],
    ),
    (f"session restored from cookie value {JWT}", [JWT[:20], "SflKxw"], ["session restored"]),
    ("OPENAI_API_KEY=sk-proj-abcdefghijklmnop1234567890", ["abcdefghijklmnop"], []),
    ("using key sk-abcdefghijklmnop1234567890 for chat", ["abcdefghijklmnop"], ["for chat"]),
    ("GITHUB_TOKEN ghp_16C7e42F292c6912E7710c838347Ae178B4a set", ["16C7e42F"], []),
    ("slack webhook xoxb-123456789012-abcdefghijkl posted", ["123456789012"], ["posted"]),
    ("stripe key sk_live_4eC39HqLyjWDarjtT1zdp7dc", ["4eC39HqLy"], []),
    ("-----BEGIN RSA PRIVATE KEY-----MIIEpAIBAAKCAQEA75...-----END RSA PRIVATE KEY-----",
     ["MIIEpAIBAAKCAQEA75"], ["BEGIN RSA PRIVATE KEY"]),
]  # fmt: skip

# Lines that carry no secret stay as they are.
KEPT = [
    "2026-11-20 10:00:00 INFO Basic authentication enabled for /admin",
    "llm usage: prompt_tokens=321 completion_tokens=54 max_tokens=1024",
    "tokenizer loaded from /models/qwen",
    "author: Jane Doe",
    "ERROR java.lang.OutOfMemoryError: Java heap space",
]


@pytest.mark.parametrize(("line", "secrets", "kept"), CASES, ids=[c[0][:40] for c in CASES])
def test_every_form_of_credential_is_masked_whole(
    line: str, secrets: list[str], kept: list[str]
) -> None:
    masked = mask(line)
    for secret in secrets:
        assert secret not in masked, masked
    for text in kept:
        assert text in masked, masked
    assert "***" in masked


@pytest.mark.parametrize("line", KEPT)
def test_lines_without_secrets_are_left_alone(line: str) -> None:
    assert mask(line) == line


def test_a_private_key_block_is_masked_line_by_line() -> None:
    lines = [
        "INFO loading deploy key",
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
        "QyNTUxOQAAACDzgL0jvJfmVvw4dWf4YqRlE0kMA6wA1bG2S2Ed1hc5YwAAAJgAAAAA",
        "-----END OPENSSH PRIVATE KEY-----",
        "INFO key loaded password=hunter2",
    ]
    masker = LineMasker()
    masked = [masker(line) for line in lines]
    assert masked[0] == lines[0] and masked[1] == lines[1] + "***"
    assert masked[2:4] == ["***", "***"]
    assert masked[4] == "***" + lines[4]
    assert masked[5] == "INFO key loaded password=***"


def test_the_excerpt_carries_no_credential() -> None:
    lines = [case[0] for case in CASES]
    excerpt = excerpt_lines(lines, ExcerptRequest("/", "x.log", 0, 0, max_lines=1000))
    for _, secrets, _ in CASES:
        for secret in secrets:
            assert secret not in excerpt.text
            assert all(secret not in line for _, line in excerpt.findings.top_errors)


# Lines shaped to make backtracking patterns explode (names inside names, runs of separators).
HOSTILE = [
    "token." * 166, "a." * 500, "x-" * 500, "password" * 125, "a=" * 500, " --password" * 90,
    "x-token" * 142, "eyJaaaaaaaaaa." * 70, "a@" * 500, "://a:" * 200, 'password="' * 100,
    "Authorization: " * 60, "-" * 1000, '"' * 1000,
]  # fmt: skip


def test_hostile_lines_are_masked_in_linear_time() -> None:
    """Each line is MAX_LINE_CHARS long; a pattern that backtracked took seconds on the first
    one alone. A generous bound (a few ms each when linear) says it did not hang."""
    started = time.perf_counter()
    for line in HOSTILE:
        mask(line[:MAX_LINE_CHARS], emails=True)
    assert time.perf_counter() - started < 2.0
