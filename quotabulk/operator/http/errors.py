"""The one seam where httpx's errors and non-2xx answers become quotabulk's `ApiError`s."""

from __future__ import annotations

import json

import httpx

from quotabulk.domain.errors import (
    ApiError,
    ApiStatusError,
    ApiTransportError,
    OperatorFault,
    Rejected,
    RequestInFlight,
    StaleVersion,
    Throttled,
)
from quotabulk.redaction import blank

# Everything httpx raises for a call's outcome. Its StreamError family (a body read twice)
# and HTTPStatusError (from raise_for_status, which is never called) are bugs, not faults.
HTTPX_ERRORS = (httpx.HTTPError, httpx.InvalidURL, httpx.CookieConflict)


def translate_httpx_error(
    exc: httpx.HTTPError | httpx.InvalidURL | httpx.CookieConflict,
) -> ApiError:
    """Every httpx exception maps to an ApiError; tests walk httpx's classes to prove it."""
    if isinstance(exc, httpx.TimeoutException):
        return ApiTransportError("the operator did not answer in time")
    if isinstance(exc, httpx.ConnectError):
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            # Not transient: retrying will not make the certificate trusted.
            return ApiError(
                "the operator's TLS certificate is not trusted; if it is signed by a private "
                "CA, point QUOTABULK_CA_BUNDLE at that CA's certificate"
            )
        return ApiTransportError(f"cannot connect to the operator ({_first_line(exc)})")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return ApiTransportError("the connection to the operator broke before the answer came")
    if isinstance(exc, httpx.TransportError):
        return ApiTransportError(f"the operator could not be reached ({type(exc).__name__})")
    if isinstance(exc, httpx.DecodingError):
        return ApiTransportError("the operator's answer could not be decoded")
    if isinstance(exc, httpx.TooManyRedirects):
        return ApiError("the operator URL redirects in a loop; check QUOTABULK_API_URL")
    if isinstance(exc, httpx.InvalidURL):
        return ApiError("the operator URL is not valid; check QUOTABULK_API_URL")
    return ApiError(f"the call to the operator failed ({type(exc).__name__})")


def status_error(response: httpx.Response) -> ApiStatusError:
    """A non-2xx answer as the domain's error, with the operator's code and message and
    its Retry-After. The only place where this dialect's status codes mean something."""
    try:
        body = response.json()
        code, message = str(body["code"]), str(body["message"])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        code, message = "http_error", response.reason_phrase or "no explanation given"
    # The operator's words enter here: an operator that echoes the token gets it blanked.
    kind = _kind(response.status_code, code)
    error = kind(response.status_code, blank(code), blank(message))
    error.retry_after = _retry_after(response.headers.get("retry-after"))
    return error


def _kind(status: int, code: str) -> type[ApiStatusError]:
    if status == 429:
        return Throttled
    if status >= 500:
        return OperatorFault
    if status == 412:
        return StaleVersion
    if status == 409 and code == "request_in_flight":
        return RequestInFlight
    return Rejected


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare from an API; the backoff decides instead


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
