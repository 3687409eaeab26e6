"""`mts-business` refusals, `{"error": {"errorCode": N, "errorMessage": "…"}}`, as the
domain's `ApiError`s: the only place where this dialect's codes mean something."""

from __future__ import annotations

import httpx

from quotabulk.domain.errors import ApiStatusError, OperatorFault, Rejected, Throttled
from quotabulk.redaction import blank

# 401 with these: the token expired (1013) or is not valid (1004, 1005): fetch a new one.
EXPIRED_TOKEN_CODES = frozenset({1013, 1004, 1005})
TOO_MANY_REQUESTS = 1011
THROTTLING_ERROR = 1012
NO_ACCESS = 1014
NO_SUBSCRIPTION = 1010


def mts_status_error(response: httpx.Response) -> ApiStatusError:
    code, message = None, response.reason_phrase or "no explanation given"
    try:
        error = response.json()["error"]
        code = int(error["errorCode"])
        message = str(error.get("errorMessage") or message)
    except (ValueError, KeyError, TypeError):
        pass
    status = response.status_code
    if status == 429 or code == TOO_MANY_REQUESTS:
        kind: type[ApiStatusError] = Throttled
    elif status >= 500 or code == THROTTLING_ERROR:
        kind = OperatorFault
    else:
        kind = Rejected
    return kind(status, blank(str(code or status)), blank(message))
