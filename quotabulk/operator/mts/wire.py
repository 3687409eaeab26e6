"""The `mts-business` answers as this dialect reads them, tolerantly: the public
description gives few response bodies, so where two shapes are plausible both are read
(`ruleInformation.code` or `productCode`; `limitValue`, `formattedValue` or
`remainder.formattedValue`; `productVersionId` or `ruleProductVersionId`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from quotabulk.domain.amounts import KOPECK
from quotabulk.domain.errors import ApiError

_NOT_DIGITS = re.compile(r"[^\d,.\-]")


@dataclass(frozen=True, slots=True)
class RuleRef:
    """A catalogue rule: its code and version (`CODE:VERSION` in the environment)."""

    code: str
    version: str

    @classmethod
    def parse(cls, text: str) -> RuleRef | None:
        code, sep, version = text.strip().partition(":")
        if not (sep and code and version):
            return None
        return cls(code.strip(), version.strip())

    def __str__(self) -> str:
        return f"{self.code}:{self.version}"


@dataclass(frozen=True, slots=True)
class ProvidedRule:
    """One rule connected to a number."""

    msisdn: str
    ref: RuleRef
    title: str
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class OfferedRule:
    """One rule the account may connect, and the values it allows (None: any)."""

    ref: RuleRef
    title: str
    values: frozenset[Decimal] | None


def _text(item: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = item.get(name)
        if isinstance(value, str | int) and str(value):
            return str(value)
    return None


def amount(text: object) -> Decimal | None:
    """`"1500.00"`, `"1 500,00 ₽"`, `1500` → 1500.00; None when there is no number."""
    if isinstance(text, int | float):
        text = str(text)
    if not isinstance(text, str):
        return None
    cleaned = _NOT_DIGITS.sub("", text).replace(",", ".")
    try:
        return Decimal(cleaned).quantize(KOPECK) if cleaned else None
    except InvalidOperation:
        return None


def _value(item: dict[str, Any]) -> Decimal | None:
    remainder = item.get("remainder")
    nested = remainder.get("formattedValue") if isinstance(remainder, dict) else None
    for candidate in (item.get("limitValue"), item.get("formattedValue"), nested):
        found = amount(candidate)
        if found is not None:
            return found
    return None


def provided_rules(answer: Any, msisdn: str | None = None) -> list[ProvidedRule]:
    """`ProvidedRulesByAccount` (nested `ruleInformation`) or `ProvidedRulesByMSISDN`
    (flat, for `msisdn`), either shape in either call."""
    items = _items(answer)
    found = []
    for item in items:
        info = item.get("ruleInformation")
        flat = info if isinstance(info, dict) else item
        code = _text(flat, "code", "productCode") or _text(item, "productCode")
        version = _text(flat, "technicalName", "productVersionId", "ruleProductVersionId")
        version = version or _text(item, "productVersionId", "ruleProductVersionId")
        number = _text(item, "msisdn") or msisdn
        if code is None or version is None or number is None:
            raise ApiError("the operator's list of rules has an entry without a number or code")
        title = _text(flat, "description", "title") or _text(item, "title") or code
        found.append(ProvidedRule(number, RuleRef(code, version), title, _value(item)))
    return found


def offered_rules(answer: Any) -> list[OfferedRule]:
    """`AvailableRulesByAccount`."""
    found = []
    for item in _items(answer):
        code = _text(item, "productCode")
        version = _text(item, "productVersionId", "ruleProductVersionId")
        if code is None or version is None:
            raise ApiError("the operator's catalogue has a rule without a code or version")
        listed = item.get("availableLimitValues")
        values = None
        if isinstance(listed, list):
            values = frozenset(v for v in (amount(x) for x in listed) if v is not None)
        title = _text(item, "title", "productName") or code
        found.append(OfferedRule(RuleRef(code, version), title, values))
    return found


def _items(answer: Any) -> list[dict[str, Any]]:
    """An array, or an object holding one (`{"rules": [...]}`)."""
    if isinstance(answer, dict):
        answer = next((v for v in answer.values() if isinstance(v, list)), None)
    if not isinstance(answer, list) or not all(isinstance(i, dict) for i in answer):
        raise ApiError("the operator's answer is not a list of rules")
    return answer
