"""Issue 21's audit trail: every value read as another (a messy file's 'NEL', a user's 'Risk-share pool') is
on the report's Inputs sheet and in `strandrisk check`, with who decided (you, or the matcher and how sure)."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from strandrisk.core.labels import value_label
from strandrisk.core.results import run_deterministic
from strandrisk.core.schema import INPUT_KINDS
from strandrisk.core.scenario import Scenario
from strandrisk.io.report.workbook import write_report
from strandrisk.io.spreadsheets.check import run_check
from strandrisk.io.spreadsheets.load import load_inputs
from strandrisk.io.spreadsheets.mapping import Mapping

from .fixtures_messy import (FORM_WORDS, FORM_WORDS_2, LINE_WORDS, LINE_WORDS_2, PAYMENT_WORDS, PAYMENT_WORDS_2,
                           USER_VALUE_MAPPING, USER_VALUE_WORDS, VEHICLE_WORDS, VEHICLE_WORDS_2, sample_records,
                           write_messier_set, write_messy_set)


def _plain(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch == "&")


def _expected(words_of: dict[tuple[str, str], dict[str, str]], user: dict[str, str] | None = None) -> set:
    """(column, as written, used) for every value of the sample the messy writer words differently from the
    model's own code and label (those are no reinterpretation)."""
    rec = sample_records()
    out = set()
    for (kind, column), words in words_of.items():
        for row in rec[kind]:
            code = row[column]
            if code is None:
                continue
            written = (user or {}).get(code) if column == "payment_type" and kind == "community_budgets" else None
            written = written or words[code]
            if _plain(written) not in (_plain(code), _plain(value_label(code))):
                out.add((column, written, code))
    return out


MESSY = {("providers", "form"): FORM_WORDS, ("providers", "vehicle"): VEHICLE_WORDS,
         ("block_contracts", "service_line"): LINE_WORDS, ("block_contracts", "payment_type"): PAYMENT_WORDS,
         ("community_budgets", "affected_service_line"): LINE_WORDS,
         ("community_budgets", "payment_type"): PAYMENT_WORDS}
MESSIER = {("providers", "form"): FORM_WORDS_2, ("providers", "vehicle"): VEHICLE_WORDS_2,
           ("block_contracts", "service_line"): LINE_WORDS_2, ("block_contracts", "payment_type"): PAYMENT_WORDS_2,
           ("community_budgets", "affected_service_line"): LINE_WORDS_2,
           ("community_budgets", "payment_type"): PAYMENT_WORDS_2}


def _inputs_rows(path) -> list[tuple]:
    return [tuple(v for v in row) for row in load_workbook(path)["Inputs"].iter_rows(values_only=True)]


def _report(imported, path):
    write_report(run_deterministic(imported.inputs, Scenario.default()), path, imported=imported)
    rows = _inputs_rows(path)
    start = next(i for i, r in enumerate(rows) if r[0] == "Values read by meaning")
    assert rows[start + 1][:7] == ("File", "Sheet", "Column", "Value as written", "Rows", "Value used", "Decided by")
    end = next(i for i in range(start + 2, len(rows)) if not any(rows[i]))
    return rows[start + 2:end]


@pytest.mark.parametrize("writer, words, mapping, user", [
    (write_messy_set, MESSY, None, None),
    (write_messier_set, MESSIER, USER_VALUE_MAPPING, USER_VALUE_WORDS),
])
def test_every_value_mapping_of_a_messy_file_is_on_the_inputs_sheet(tmp_path, writer, words, mapping, user):
    paths = writer(tmp_path / "in")
    imported = load_inputs(paths, mapping=mapping)
    rows = _report(imported, tmp_path / "report.xlsx")
    labels = {c.name: c.label for k in INPUT_KINDS for c in k.columns}
    seen = {(column, written, used) for _, _, column, written, _, used, _ in rows}
    for column, written, code in _expected(words, user):
        assert (labels[column], written, value_label(code, with_key=True)) in seen, (column, written, code)
    files = {p.name for p in paths}
    for file, sheet, column, written, n_rows, used, by in rows:
        assert file in files and sheet and n_rows >= 1
        if user and written in user.values():
            assert by == "you"
        else:
            assert by.startswith("the matcher (") and by.endswith("% sure)")
    if user:
        assert any(by == "you" for *_, by in rows)


def test_a_user_choice_says_you_even_where_the_matcher_agrees(tmp_path):
    paths = write_messy_set(tmp_path / "in")
    mapping = Mapping(values={"service_line": {"NEL": "non_elective"}})
    imported = load_inputs(paths, mapping=mapping)
    by = {(v.sheet, v.written): v.decided_by for v in imported.value_mappings if v.column == "service_line"}
    assert by[("contracts", "NEL")] == "you" and by[("contracts", "EL")].startswith("the matcher")


def test_values_written_as_the_model_names_them_are_not_listed(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Contract id", "Provider code", "Service line", "Payment type", "Annual value", "Baseline activity"])
    ws.append(["C1", "ZA1", "Non-elective", "block", 10, 5])
    ws.append(["C2", "ZA1", "non_elective", "Block", 10, 5])
    ws.append(["C3", "ZA1", "Day case", "PbR", 10, 5])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    got = {(v.written, v.used, v.rows) for v in load_inputs([path]).value_mappings}
    assert got == {("Day case", "elective", 1), ("PbR", "activity", 1)}


def test_check_lists_value_mappings_in_text_and_json(tmp_path, capsys):
    paths = write_messier_set(tmp_path / "in")
    mapping_path = tmp_path / "mapping.json"
    mapping_path.write_text(json.dumps(USER_VALUE_MAPPING))
    run_check(paths, mapping_path)
    text = capsys.readouterr().out
    assert "values read by meaning: " in text
    assert "'Risk-share pool' -> Capitated, by you" in text
    assert "'Subsidiary company' -> New entity, by the matcher (" in text
    run_check(paths, mapping_path, as_json=True)
    doc = json.loads(capsys.readouterr().out)
    listed = {(v["column"], v["written"], v["used"], v["by"]) for v in doc["value_mappings"]}
    assert ("payment_type", "Risk-share pool", "capitated", "you") in listed
    assert ("vehicle", "Subsidiary company", "new_entity", "matcher") in listed
    assert all(0 < v["confidence"] <= 1 and v["rows"] >= 1 for v in doc["value_mappings"])


def test_a_column_the_user_chose_says_so_on_the_inputs_sheet_and_in_check(tmp_path, capsys):
    """A user's column choice is read with full confidence, as an exact header is: the report and check
    say who decided, so the audit trail tells the two apart."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Register"
    ws.append(["ODS code", "Income", "Expenditure", "Memo"])
    ws.append(["ZA1", 100, 90, "Northgate"])
    cash = wb.create_sheet("Cash")
    cash.append(["ODS code", "Period end", "Cash (£000)"])
    cash.append(["ZA1", "31/03/2026", 10])
    path = tmp_path / "register.xlsx"
    wb.save(path)
    mapping = {"sheets": [{"file": "register.xlsx", "sheet": "Register", "kind": "providers",
                           "columns": {"Memo": "provider_name"}}]}
    imported = load_inputs([path], mapping=Mapping.from_dict(mapping))
    sheet = imported.sheets[0]
    assert sheet.chosen == ["Memo"] and sheet.confidence["Memo"] == 1.0
    write_report(run_deterministic(imported.inputs, Scenario.default()), tmp_path / "r.xlsx", imported=imported)
    read_as = {r[3]: r[5] for r in _inputs_rows(tmp_path / "r.xlsx") if r[1] == "Register" and r[3]}
    assert read_as["Memo"].endswith(", your choice")
    assert "your choice" not in read_as["Income"] and "the matcher" in read_as["Income"]
    (tmp_path / "m.json").write_text(json.dumps(mapping), encoding="utf-8")
    run_check([path], mapping_path=tmp_path / "m.json")
    assert "'Memo' -> provider_name (your choice)" in capsys.readouterr().out
