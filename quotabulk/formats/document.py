"""The versioned YAML document as pydantic models: the source of `schemas/desired-state.json`.

The loader (`quotabulk.formats.inputs.yaml_doc`) validates entries with the same converter as
spreadsheets, so a value means the same in every format; these models state the shape
for editors and for the schema test.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from quotabulk.formats.inputs.yaml_doc import DOCUMENT_VERSION

Amount = Decimal | int | float | str
OnExceedText = Literal[
    "block", "personal", "блокировка", "блокировать", "личный счёт", "за счёт сотрудника"
]


class Defaults(BaseModel):
    """Values for every entry that does not give its own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on_exceed: OnExceedText | None = Field(None, description="block (default) or personal")
    warn_at: Amount | None = Field(None, description="notification threshold in rubles")


class QuotaEntry(BaseModel):
    """One subscriber's desired quota. Keys not listed here are kept and carried to the report."""

    model_config = ConfigDict(frozen=True, extra="allow")

    msisdn: str | int = Field(description="11 digits 7XXXXXXXXXX, or as typed: +7 (912) 345-67-89")
    limit: Amount | None = Field(None, description="rubles, at most 2 decimals; 0 is a real quota")
    warn_at: Amount | None = Field(
        None, description="threshold in rubles ≤ limit; null removes it; absent leaves it as is"
    )
    on_exceed: OnExceedText | None = Field(None, description="absent leaves it as is")
    delete: bool = Field(False, description="true removes the quota; it is never implied")
    action: Literal["set", "delete", "установить", "удалить"] | None = None
    # `from` is a Python keyword: the attribute is named apart, the key stays `from`.
    valid_from: date | str | None = Field(
        None,
        alias="from",
        description="first day the row holds (2026-12-01 or 01.12.2026); absent: standing",
    )
    until: date | str | None = Field(
        None, description="last day the row holds, inclusive; absent: no end"
    )


class Document(BaseModel):
    """A desired-state file, `version: 1`."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="quotabulk desired state")

    version: Literal[1] = Field(description=f"always {DOCUMENT_VERSION}")
    account: str | None = Field(
        None, description="the operator account; the configured one otherwise"
    )
    defaults: Defaults | None = None
    quotas: list[QuotaEntry] = Field(min_length=1)


def desired_state_schema() -> dict[str, Any]:
    schema = Document.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def desired_state_schema_text() -> str:
    return json.dumps(desired_state_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
