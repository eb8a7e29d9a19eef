"""Header recognition, kinds found from headers (not sheet names), and saved mappings (--mapping FILE)."""

import json

import pytest
from openpyxl import Workbook

from strandrisk.cli import main
from strandrisk.io.spreadsheets import mapping as mp
from strandrisk.io.spreadsheets.load import load_inputs


@pytest.mark.parametrize("kind, header, name", [
    ("providers", "ODS code", "provider_code"), ("providers", "Trust code", "provider_code"),
    ("providers", "Total Operating Income (£000)", "operating_income_gbp_k"),
    ("providers", "OPERATING_EXPENDITURE_GBP_K", "operating_expenditure_gbp_k"),
    ("providers", "  Operating   expenditure  ", "operating_expenditure_gbp_k"),
    ("providers", "FT status", "vehicle"),
    ("block_contracts", "POD", "service_line"), ("block_contracts", "Point of delivery", "service_line"),
    ("block_contracts", "Contract value (£m)", "annual_value_gbp_k"),
    ("cash_balances", "Closing cash £k", "cash_gbp_k"), ("cash_balances", "Period end", "period_end"),
    ("community_budgets", "Acute trust code", "acute_provider_code"), ("community_budgets", "ROI lag", "ramp_years"),
])
def test_headers_match(kind, header, name):
    assert mp.match_header(kind, header) == name


@pytest.mark.parametrize("header, scale", [("Income (£000)", 1.0), ("Income £k", 1.0), ("Income (£m)", 1000.0),
                                           ("Income (£)", 0.001), ("Income £'000", 1.0), ("Income", None)])
def test_header_units_scale_money(header, scale):
    assert mp.header_scale(header) == scale


def test_mapping_round_trips(tmp_path):
    m = mp.Mapping([mp.SheetMapping("cash.xlsx", "Sheet1", "cash_balances", 3,
                                    {"Bal": "cash_gbp_k", "Org": "provider_code", "Notes": "ignore"})])
    assert mp.Mapping.from_dict(m.to_dict()) == m
    path = tmp_path / "m.json"
    mp.write_mapping_file(path, m)
    assert mp.read_mapping_file(path) == m
    assert m.for_sheet("/any/folder/cash.xlsx", "Sheet1").kind == "cash_balances"
    assert m.for_sheet("other.xlsx", "Sheet1") is None


@pytest.mark.parametrize("doc, words", [
    ("not json", "not valid JSON"), ('{"sheets": [{"kind": "cats"}]}', "kind 'cats'"),
    ('{"sheets": [{"kind": "cash_balances", "columns": {"X": "nope"}}]}', "'nope'"),
    ('{"sheets": 3}', "'sheets' list"),
])
def test_bad_mapping_files(tmp_path, doc, words):
    path = tmp_path / "m.json"
    path.write_text(doc)
    with pytest.raises(mp.MappingError, match=words):
        mp.read_mapping_file(path)


def _odd_cash(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["Bank position"])
    ws.append([])
    ws.append(["Org", "When", "Bal", "Notes"])
    ws.append(["ZX1", "31/03/2026", 42, "x"])
    ws.append(["ZX1", "31/12/2025", 39, "y"])
    wb.save(path)
    return path


def test_mapping_file_applies_on_check_and_run(tmp_path, capsys):
    book = _odd_cash(tmp_path / "cash.xlsx")
    assert load_inputs([book]).inputs.cash_balances.n_rows == 0  # headers not recognised on their own
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"sheets": [{"file": "cash.xlsx", "sheet": "Sheet1", "kind": "cash_balances",
                                               "columns": {"Org": "provider_code", "When": "period_end",
                                                           "Bal": "cash_gbp_k", "Notes": "ignore"}}]}))
    result = load_inputs([book], mapping=mp.read_mapping_file(mapping))
    assert result.inputs.cash_balances.n_rows == 2
    report = result.sheets[0]
    assert report.header_row == 3 and report.mapping["Bal"] == "cash_gbp_k" and report.preview[0][0] == "Bank position"
    providers = tmp_path / "providers.csv"
    providers.write_text("Provider code,Operating income,Operating expenditure\nZX1,100,90\n", encoding="utf-8")
    assert main(["check", str(book), "--mapping", str(mapping)]) == 1  # no providers: the model cannot run
    assert main(["check", str(book), str(providers), "--mapping", str(mapping)]) == 0
    assert main(["check", str(book), "--mapping", str(tmp_path / "missing.json")]) == 2


def test_kind_is_found_from_headers_not_sheet_names(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Providers"  # misleading name: holds cash
    ws.append(["Provider code", "Period end", "Cash balance (£m)"])
    ws.append(["ZX1", "31/03/2026", 4.2])
    other = wb.create_sheet("Data")
    other.append(["ODS code", "Income", "Expenditure"])
    other.append(["ZX1", 100, 90])
    wb.save(tmp_path / "b.xlsx")
    result = load_inputs([tmp_path / "b.xlsx"])
    assert {s.sheet: s.kind for s in result.sheets} == {"Providers": "cash_balances", "Data": "providers"}
    assert result.inputs.cash_balances["cash_gbp_k"][0] == pytest.approx(4200.0)
    assert not result.has_errors


def test_one_kind_over_several_files_and_ignore_mapping(tmp_path):
    paths = []
    for k, date in enumerate(("31/12/2025", "31/03/2026")):
        wb = Workbook()
        wb.active.append(["provider_code", "period_end", "cash_gbp_k"])
        wb.active.append(["ZX1", date, 10 + k])
        wb.save(tmp_path / f"c{k}.xlsx")
        paths.append(tmp_path / f"c{k}.xlsx")
    assert load_inputs(paths).inputs.cash_balances.n_rows == 2
    ignore = mp.Mapping([mp.SheetMapping("c1.xlsx", "*", "ignore")])
    assert load_inputs(paths, mapping=ignore).inputs.cash_balances.n_rows == 1
