"""docs/bad-input.md lists every case of the bad-input corpus, as the tests define them."""

from __future__ import annotations

from badinput_table import DOC, cases, render


def test_the_corpus_has_at_least_40_cases_across_the_entry_points():
    found = cases()
    assert sum(c.variants for c in found) >= 40
    entries = " ".join(c.entry for c in found)
    for entry in ("ingest", "--settings", "audit run", "boundaries", "DATA", "notebook", "回执"):
        assert entry in entries, entry


def test_every_case_names_an_exit_status():
    for c in cases():
        assert "exit" in c.outcome, (c.test, c.outcome)


def test_docs_table_is_current():
    assert DOC.read_text(encoding="utf-8") == render(cases()), (
        "docs/bad-input.md is out of date: run `python tests/badinput_table.py --write`"
    )
