"""One read of each kind, answered as it came: for `quotabulk doctor --operator`, so a
real account's answers can be compared with the shapes a dialect expects before the
first change is sent. Nothing is parsed into the domain; secrets are blanked."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from quotabulk.operator.http.errors import HTTPX_ERRORS, translate_httpx_error
from quotabulk.operator.port import RawRead

# A value under a key with one of these words is never shown.
_SECRET_KEY = re.compile(r"token|secret|password|authori[sz]ation|credential", re.IGNORECASE)
BLANK = "•••"
MAX_SHOWN_CHARS = 4000


def blanked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: BLANK if _SECRET_KEY.search(str(k)) else blanked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [blanked(item) for item in value]
    return value


def shown(response: httpx.Response) -> str:
    """The answer's JSON, indented, secrets blanked, cut at `MAX_SHOWN_CHARS`."""
    try:
        text = json.dumps(blanked(response.json()), ensure_ascii=False, indent=2)
    except ValueError:
        text = response.text
    if len(text) > MAX_SHOWN_CHARS:
        return text[:MAX_SHOWN_CHARS] + f"\n… ({len(text) - MAX_SHOWN_CHARS} more characters)"
    return text


async def raw_read(
    http: httpx.AsyncClient,
    name: str,
    method: str,
    path: str,
    *,
    expect_refusal: bool = False,
    **kwargs: Any,
) -> RawRead:
    try:
        response = await http.request(method, path, **kwargs)
    except HTTPX_ERRORS as exc:
        return RawRead(name, method, path, None, translate_httpx_error(exc).message)
    return RawRead(name, method, path, response.status_code, shown(response), expect_refusal)
