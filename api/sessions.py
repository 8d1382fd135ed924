"""The console's session: an HttpOnly cookie holding the API token, and CSRF protection.

The browser never keeps the token where page scripts can read it: `POST /api/v1/session`
puts it in an HttpOnly, SameSite=Strict cookie (Secure over https). Each request looks the
token up, as for a bearer token, so revoking it ends the session from the next request on.
Mutations authenticated by the cookie must echo the non-HttpOnly `sluice_csrf` cookie in
the `X-CSRF-Token` header (double submit): another site can make the browser send the
cookies, but cannot read them to set the header.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

SESSION_COOKIE = "sluice_session"
CSRF_COOKIE = "sluice_csrf"
CSRF_HEADER = "X-CSRF-Token"


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def csrf_problem(request: Request) -> str | None:
    """Why a cookie-authenticated mutation must be refused, or None if its CSRF header is right."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = request.headers.get(CSRF_HEADER, "")
    if not expected:
        return f"the {CSRF_COOKIE} cookie is missing: sign in again"
    if not given:
        return f"missing {CSRF_HEADER} header: echo the {CSRF_COOKIE} cookie in it"
    if not hmac.compare_digest(expected.encode(), given.encode()):
        return f"the {CSRF_HEADER} header does not match the {CSRF_COOKIE} cookie"
    return None


def start_session(request: Request, response: Response, token: str) -> None:
    """Set the session cookie (the token) and a fresh CSRF cookie."""
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE, token, path="/", httponly=True, samesite="strict", secure=secure
    )
    response.set_cookie(
        CSRF_COOKIE,
        secrets.token_urlsafe(32),
        path="/",
        httponly=False,  # the console reads it to echo it in X-CSRF-Token
        samesite="strict",
        secure=secure,
    )


def end_session(request: Request, response: Response) -> None:
    secure = request.url.scheme == "https"
    for name, httponly in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(name, path="/", httponly=httponly, samesite="strict", secure=secure)
