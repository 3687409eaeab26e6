from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from quotabulk.domain.errors import InputError
from quotabulk.domain.models import OnExceed, RowAction
from quotabulk.formats.document import Document
from quotabulk.formats.inputs import load_inputs
from tests.conftest import EXAMPLES


def test_example_document_reads_with_line_numbers() -> None:
    loaded = load_inputs([EXAMPLES / "quotas.yaml"])
    assert {row.account for row in loaded.rows} == {"ACC-100200"}  # the document's account
    first, second, third, fourth = loaded.rows
    assert first.source.endswith("quotas.yaml:6")
    assert (first.msisdn, first.limit, first.warn_at, first.on_exceed) == (
        "79123456789",
        Decimal(1500),
        Decimal(1200),
        OnExceed.BLOCK,
    )
    assert second.limit == Decimal(0)
    assert second.on_exceed is OnExceed.PERSONAL
    assert third.action is RowAction.DELETE
    assert fourth.limit == Decimal("2500.50")
    assert not fourth.manages_warn_at
    assert first.extras.as_dict() == {"name": "Иванов И.И."}


def test_example_document_matches_the_pydantic_model() -> None:
    Document.model_validate(yaml.safe_load((EXAMPLES / "quotas.yaml").read_text("utf-8")))


def test_only_given_keys_are_managed(text_file: Callable[..., Path]) -> None:
    doc = text_file(
        "q.yaml",
        "version: 1\nquotas:\n- {msisdn: 79161000001, limit: 5}\n"
        "- {msisdn: 79161000002, limit: 5, warn_at: null}\n",
    )
    plain, cleared = load_inputs([doc]).rows
    assert (plain.manages_warn_at, plain.on_exceed) == (False, None)
    assert (cleared.manages_warn_at, cleared.warn_at) == (True, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("quotas: []\n", "version: 1"),
        ("version: 1\nquotas: []\n", "empty `quotas:`"),
        ("version: 1\nquota: []\n", "unknown key 'quota'"),
        ("version: 1\nquotas: [\n", "not valid YAML at line"),
        ("- just a list\n", "not a quota document"),
        (
            "version: 1\ndefaults: {on_exceed: maybe}\nquotas: [{msisdn: 79161000001, limit: 1}]\n",
            "not block or personal",
        ),
    ],
)
def test_malformed_documents_get_one_sentence(
    text_file: Callable[..., Path], text: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        load_inputs([text_file("q.yaml", text)])


def test_an_alias_bomb_is_refused_quickly(text_file: Callable[..., Path]) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    bomb = text_file("q.yaml", "\n".join(lines) + "\nversion: 1\nquotas: *a9\n")
    with pytest.raises(InputError, match="alias bomb"):
        load_inputs([bomb])


def test_deep_nesting_is_refused(text_file: Callable[..., Path]) -> None:
    deep = text_file("q.yaml", "version: 1\nquotas: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_inputs([deep])


def test_python_object_tags_are_not_constructed(text_file: Callable[..., Path]) -> None:
    doc = text_file("q.yaml", "version: 1\nquotas: !!python/object/apply:os.system [echo hi]\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_inputs([doc])


def test_entries_that_are_not_mappings_are_row_errors(text_file: Callable[..., Path]) -> None:
    loaded = load_inputs([text_file("q.yaml", "version: 1\nquotas: [79161000001]\n")])
    assert loaded.invalid[0].problems[0].message == "entry 1 of `quotas:` is not a mapping"


def test_duplicates_across_formats_name_both_rows(text_file: Callable[..., Path]) -> None:
    doc = text_file("a.yaml", "version: 1\nquotas: [{msisdn: '+7 916 100-00-01', limit: 1}]\n")
    sheet = text_file("b.csv", "Номер;Лимит\n89161000001;2\n89161000002;3\n")
    loaded = load_inputs([doc, sheet])
    assert [r.msisdn for r in loaded.rows] == ["79161000002"]
    messages = [(r.source, p.message) for r in loaded.invalid for p in r.problems]
    assert messages == [
        (f"{doc}:2", "79161000001 is written 2 times (here first); keep one row"),
        (f"{sheet}:2", f"79161000001 is written 2 times (first at {doc}:2); keep one row"),
    ]


def test_a_number_repeated_twenty_thousand_times_costs_linear_time_and_memory(
    text_file: Callable[..., Path],
) -> None:
    """Each duplicate names the first and the count, never every other row: the messages
    stay short however many duplicates there are (once, 20 000 × 19 999 sources)."""
    sheet = text_file("d.csv", "Номер;Лимит\n" + "79161000001;5\n" * 20_000)
    loaded = load_inputs([sheet])
    assert loaded.rows == []
    assert len(loaded.invalid) == 20_000
    last = f"79161000001 is written 20000 times (first at {sheet}:2); keep one row"
    assert loaded.invalid[-1].problems[0].message == last
    assert max(len(p.message) for r in loaded.invalid for p in r.problems) == len(last)
