"""`strandrisk check`: what was found per sheet, every problem with its cell, exit 0/1/2, --json, --mapping."""

import json

from openpyxl import Workbook

from strandrisk.cli import main
from strandrisk.io.spreadsheets.load import load_inputs, sample_paths

from . import worked_example as we


def _contracts_book(path, rows, providers=True):
    wb = Workbook()
    ws = wb.active
    ws.title = "Block contracts"
    ws.append(["contract_id", "provider_code", "commissioner", "service_line", "payment_type", "annual_value_gbp_k",
               "baseline_activity", "unit_price_gbp", "start_fy"])
    for r in rows:
        ws.append(r)
    if providers:
        p = wb.create_sheet("Providers")
        p.append(["provider_code", "operating_income_gbp_k", "operating_expenditure_gbp_k"])
        p.append(["ZX1", 100, 90])
        c = wb.create_sheet("Cash balances")
        c.append(["provider_code", "period_end", "cash_gbp_k"])
        c.append(["ZX1", "31/03/2026", 10])
    wb.save(path)
    return path


def test_check_sample_is_clean(capsys):
    assert main(["check"] + [str(p) for p in sample_paths()]) == 0
    out = capsys.readouterr().out
    assert "Providers: providers, 7 rows (header in row 1)" in out and "0 errors, 0 warnings. The inputs can be used." in out


def test_check_names_each_bad_cell_and_exits_1(tmp_path, capsys):
    book = _contracts_book(tmp_path / "c.xlsx", [
        ["C1", "ZX1", "ICB", "NEL", "block", 100, 50, None, "2025/26"],
        ["C1", "ZX1", "ICB", "NEL", "block", 100, 50, None, "2025/26"],  # repeated line
        ["C2", "ZX9", "ICB", "teleport", "block", "lots", 0, -3, "2025/27"],
        ["C3", "ZX1", "ICB", "EL", "block", "#DIV/0!", 10, None, None],
        ["C4", "ZX1", "ICB", "EL", "block", "=1/0", 10, None, None],
    ])
    assert main(["check", str(book)]) == 1
    out = capsys.readouterr().out
    for expected in ("Block contracts!D4", "Block contracts!F4", "Block contracts!H4", "Block contracts!I4",
                     "Block contracts!F5", "Block contracts!F6", "Block contracts!B4", "Block contracts!D3",
                     "Block contracts!G4"):
        assert f"c.xlsx: {expected}:" in out, expected
    assert "#DIV/0!" in out and "no saved result" in out and "ZX9 is not on Providers" in out


def test_check_json(tmp_path, capsys):
    book = we.write_template_workbook(tmp_path / "worked.xlsx")
    assert main(["check", str(book), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True and doc["counts"]["block_contracts"] == 3
    assert {s["kind"] for s in doc["sheets"]} == {"providers", "cash_balances", "block_contracts",
                                                  "community_budgets"}


def test_check_unreadable_is_2(tmp_path, capsys):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a workbook at all \x00\x01\x02" * 10)
    assert main(["check", str(bad)]) == 2
    assert main(["check", str(bad), "--json"]) == 2
    out = capsys.readouterr().out
    assert json.loads(out)["unreadable"].startswith("x.xlsx")


def test_missing_required_column_and_missing_cash_are_errors(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Provider code", "Operating income", "Operating expenditure", "Depreciation"])
    ws.append(["ZX1", 100, 90, 5])
    ws2 = wb.create_sheet("cash")
    ws2.append(["Provider code", "Cash balance", "Notes", "Comments"])
    ws2.append(["ZX1", 5, "", ""])
    wb.save(tmp_path / "p.xlsx")
    result = load_inputs([tmp_path / "p.xlsx"])
    messages = [p.message for p in result.problems if p.severity == "error"]
    assert any("no Period end column" in m for m in messages)
    assert any("ZX1 has no cash balance" in m or "has no date" in m for m in messages)


def test_conflicting_cash_and_shares_over_one(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Cash balances"
    ws.append(["provider_code", "period_end", "cash_gbp_k"])
    ws.append(["ZX1", "31/03/2026", 10])
    ws.append(["ZX1", "2026-03-31", 12])
    ws.append(["ZX1", "31/12/2025", 9])
    ws.append(["ZX1", "31/12/2025", 9])
    c = wb.create_sheet("Block contracts")
    c.append(["contract_id", "provider_code", "service_line", "payment_type", "annual_value_gbp_k",
              "baseline_activity", "variable_share", "clawback_share"])
    c.append(["C1", "ZX1", "EL", "blended", 10, 10, "80%", "30%"])
    wb.save(tmp_path / "c.xlsx")
    problems = load_inputs([tmp_path / "c.xlsx"]).problems
    found = {(p.severity, p.cell): p.message for p in problems}
    assert "different values" in found[("error", "C3")]
    assert "same value" in found[("warning", "C5")]
    assert "add to 1.1" in found[("error", "H2")]
