"""Headers and values read by meaning (io/spreadsheets/matching.py), nothing dropped in silence, rows that are not
data left out with a note, and the user's own value mapping from the command line."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from openpyxl import Workbook

from strandrisk.cli import main
from strandrisk.core import schema
from strandrisk.io.spreadsheets import mapping as mp
from strandrisk.io.spreadsheets import matching
from strandrisk.io.spreadsheets.load import load_inputs

# The headers of issue 11's report, each in the kind it was found in.
ISSUE_HEADERS = [
    ("block_contracts", "Clawback %", "clawback_share"),
    ("block_contracts", "Marginal rate above ceiling", "marginal_rate"),
    ("block_contracts", "Tariff (£)", "unit_price_gbp"),
    ("block_contracts", "End financial year", "end_fy"),
    ("block_contracts", "Activity baseline", "baseline_activity"),
    ("community_budgets", "Cost to deliver ratio", "delivery_cost_ratio"),
    ("community_budgets", "Admissions avoided per £1m", "activity_avoided_per_gbp_m"),
    ("community_budgets", "Acute POD affected", "affected_service_line"),
    ("community_budgets", "Outcomes-linked share cap", "outcomes_share_cap"),
]


@pytest.mark.parametrize("kind, header, name", ISSUE_HEADERS)
def test_the_issues_headers_are_read_by_meaning(kind, header, name):
    assert mp.match_header(kind, header) == name


@pytest.mark.parametrize("a, b", [
    ("Organization code", "Organisation code"), ("Contract Values (£m)", "contract value"),
    ("Income 2025/26", "Income"), ("FY26 Income", "Income"), ("Income 25-26", "Income"),
    ("Rebase (Y/N)", "Rebase?"), ("Clawback percent", "Clawback %"), ("Clawback proportion", "Clawback %"),
    ("Depreciation & amortisation", "Depreciation and amortisation"), ("ceiling", "CAP"),
    ("Tariff", "Price"), ("Service line", "Point of delivery"), ("NHS code", "ODS code"),
    ("Budget", "Allocation"), ("Withhold", "Clawback"), ("Rebasing", "Rebase"), ("Contract ref", "Contract no."),
])
def test_normalisation_makes_these_headers_alike(a, b):
    assert matching.normalise(a).tokens and set(matching.normalise(a).tokens) == set(matching.normalise(b).tokens)


@pytest.mark.parametrize("header, scale", [("Income (£000)", 1.0), ("Income £k", 1.0), ("Income (£m)", 1000.0),
                                           ("Income (£)", 0.001), ("Income £'000", 1.0), ("Income", None),
                                           ("Income k£", 1.0), ("Income (£ million)", 1000.0),
                                           ("Activity avoided per £1m", None)])
def test_units_scale_money_and_a_rate_per_pound_is_not_a_unit(header, scale):
    assert matching.header_scale(header) == scale


def test_typos_are_read_with_a_lower_confidence():
    scores = mp.header_scores("providers", "Opertaing incme")
    name, score = next(iter(scores.items()))
    assert name == "operating_income_gbp_k" and matching.MIN_MAP <= score < 1.0


def test_text_work_is_linear_in_the_cell_length(monkeypatch):
    """Issue 14's hang: a header-area cell of 'North' + 40,000 spaces + 'moor'. Every text operation
    works on the cell cut to MAX_CELL_CHARS, so the work is bounded whatever the cell holds."""
    seen = []
    original = matching._normalise_cut.__wrapped__

    def spy(text):
        seen.append(len(text))
        return original(text)

    monkeypatch.setattr(matching, "_normalise_cut", spy)
    cell = "North" + " " * 40_000 + "moor"
    assert matching.normalise(cell).tokens == ("north",)
    assert max(seen) <= matching.MAX_CELL_CHARS
    assert matching.match_value("vehicle", schema.VEHICLES, cell) is None


def test_check_answers_the_40000_space_csv(tmp_path, capsys, monkeypatch):
    """The regression file of issue 14, answered by check with every text operation on cut cells."""
    seen = []
    original = matching._normalise_cut.__wrapped__
    monkeypatch.setattr(matching, "_normalise_cut", lambda text: seen.append(len(text)) or original(text))
    monkeypatch.setenv("STRANDRISK_IMPORT_INPROCESS", "1")
    path = tmp_path / "spaces.csv"
    cell = "North" + " " * 40_000 + "moor"
    path.write_text(f"Register\n{cell}\nProvider code,Operating income,Operating expenditure\nRXX,10,9\n")
    code = main(["check", str(path)])
    out = capsys.readouterr().out
    assert code == 1 and "no cash balances" in out.lower()  # providers read; the system lacks cash
    assert "providers, 1 row (header in row 3)" in out
    assert seen and max(seen) <= matching.MAX_CELL_CHARS


def test_assignment_is_optimal_against_brute_force():
    rng = np.random.default_rng(7)
    for _ in range(60):
        n, m = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        scores = np.round(rng.uniform(0.5, 1.0, (n, m)), 3)
        got = matching.assign(scores, minimum=0.0)
        assert len({f for f, _ in got.values()}) == len(got)
        best = 0.0
        for perm in itertools.permutations(range(max(n, m)), n):
            best = max(best, sum(scores[i, f] for i, f in enumerate(perm) if f < m))
        assert sum(s for _, s in got.values()) == pytest.approx(best, abs=1e-4)


def _sheet(path, title, rows, extra=()):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(list(r))
    for name, more in extra:
        other = wb.create_sheet(name)
        for r in more:
            other.append(list(r))
    wb.save(path)
    return path


CASH = ("Cash", [("ODS code", "Period end", "Cash (£000)"), ("RA1", "31/03/2026", 100), ("RA2", "31/03/2026", 50)])


def test_unused_column_is_warned_at_its_cell_with_the_nearest_field(tmp_path):
    rows = [("Contract schedule",), (),
            ("Contract ref", "Provider", "POD", "Payment basis", "Contract value (£000)", "Plan activity",
             "Comments", "Provider code"),
            ("C1", "RA1", "NEL", "Block", 100, 50, "ok", "RA1")]
    result = load_inputs([_sheet(tmp_path / "c.xlsx", "Contracts 25-26", rows)])
    warned = {p.cell: p.message for p in result.problems if p.severity == "warning"}
    assert "G3" in warned and "'Comments' is not used" in warned["G3"]
    # the more explicit 'Provider code' is read; 'Provider' is named with its nearest field
    assert "B3" in warned and "reads like Provider code" in warned["B3"] and "read from column H" in warned["B3"]
    assert any(p.where.endswith("Contracts 25-26!G3") for p in result.problems)


def test_weak_match_is_mapped_with_a_warning_to_confirm(tmp_path, capsys):
    rows = [("ODS code", "Income", "Expenditure", "Capital programme plan review"),
            ("RA1", 100, 90, 5)]
    path = _sheet(tmp_path / "p.xlsx", "Register", rows, [CASH])
    result = load_inputs([path])
    rep = next(s for s in result.sheets if s.sheet == "Register")
    assert rep.mapping["Capital programme plan review"] == "capital_expenditure_gbp_k"
    assert matching.MIN_MAP <= rep.confidence["Capital programme plan review"] < matching.CONFIDENT
    assert any("not a clear match" in p.message and p.cell == "D1" for p in result.problems)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "to confirm: 'Capital programme plan review'" in out and "%)" in out
    main(["check", "--json", str(path)])
    doc = json.loads(capsys.readouterr().out)
    sheet = next(s for s in doc["sheets"] if s["sheet"] == "Register")
    assert sheet["confidence"]["ODS code"] == 1.0


def test_defaults_used_for_missing_columns_are_warned_with_their_count(tmp_path):
    rows = [("Contract id", "Provider code", "Service line", "Payment type", "Annual value", "Baseline activity")]
    rows += [(f"C{i}", "RA1", "elective", "block", 10, 5) for i in range(12)]
    result = load_inputs([_sheet(tmp_path / "c.xlsx", "Contracts", rows)])
    messages = [p.message for p in result.problems if p.severity == "warning"]
    assert any("marginal rate 0 used for 12 contract lines" in m for m in messages)
    assert any("rebase at renewal Yes used for 12 contract lines" in m for m in messages)
    assert any("end year blank" in m and "open-ended" in m for m in messages)
    assert not any("Commissioner" in m for m in messages)  # informative only: no note


def test_a_sheet_holding_an_unrecognised_table_is_warned(tmp_path):
    path = _sheet(tmp_path / "p.xlsx", "Cash", CASH[1], [("Lookup", [("Colour", "Shape"), ("red", "round"),
                                                                      ("blue", "square")])])
    result = load_inputs([path])
    assert any(p.sheet == "Lookup" and p.severity == "warning" and "not recognised" in p.message
               for p in result.problems)


def test_nothing_recognised_is_one_error_and_exit_1(tmp_path, capsys):
    path = tmp_path / "notes.xlsx"
    path.write_text("Meeting notes\nNothing here is a table\n")
    assert main(["check", str(path)]) == 1
    captured = capsys.readouterr()
    lines = [line for line in captured.out.splitlines() if line.startswith("error")]
    assert len(lines) == 1 and "nothing was recognised" in lines[0] and "Provider code" in lines[0]


# Values ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("column, allowed, text, want", [
    ("vehicle", schema.VEHICLES, "Subsidiary company", "new_entity"),
    ("vehicle", schema.VEHICLES, "NHS Foundation Trust", "foundation_trust"),
    ("service_line", schema.SERVICE_LINES, "Emergency Department", "a_and_e"),
    ("service_line", schema.SERVICE_LINES, "A & E", "a_and_e"),
    ("service_line", schema.SERVICE_LINES, "Non-Elective", "non_elective"),
    ("service_line", schema.SERVICE_LINES, "Outpatiants", "outpatients"),
    ("payment_type", schema.CONTRACT_PAYMENT_TYPES, "Cost and volume", "activity"),
    ("payment_type", schema.COMMUNITY_PAYMENT_TYPES, "Cost and volume", None),  # not allowed there
    ("form", schema.FORMS, "Acute & community", "integrated"),
    ("vehicle", schema.VEHICLES, "Arm's length body", None),
    ("service_line", schema.SERVICE_LINES, "Not elective", None),  # an extra word that negates
    ("service_line", schema.SERVICE_LINES, "Elective orthopaedics", "elective"),
])
def test_values_are_read_by_meaning(column, allowed, text, want):
    assert matching.match_value(column, allowed, text) == want


def _providers_with(path, vehicle_text):
    rows = [("Provider code", "Operating income", "Operating expenditure", "Legal vehicle"),
            ("RA1", 100, 90, "foundation_trust"), ("RA2", 50, 45, vehicle_text)]
    return _sheet(path, "Providers", rows, [CASH])


def test_unknown_value_is_an_error_naming_its_cell_and_the_mapping_entry(tmp_path, capsys):
    path = _providers_with(tmp_path / "p.xlsx", "Arm's length body")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "Arm's length body" in line and line.startswith("error"))
    assert "Providers!D3" in line
    assert '{"values": {"vehicle": {"Arm\'s length body": "..."}}}' in line
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"version": 1, "sheets": [],
                                   "values": {"vehicle": {"Arm's length body": "new_entity"}}}))
    assert main(["check", "--mapping", str(mapping), str(path)]) == 0
    capsys.readouterr()
    result = load_inputs([path], mapping=mp.read_mapping_file(mapping))
    assert result.inputs.providers.records()[1]["vehicle"] == "new_entity"
    # the same choice applies to every file
    other = _providers_with(tmp_path / "other.xlsx", "Arm's length body")
    assert not _file_errors(load_inputs([other], mapping=mp.read_mapping_file(mapping)))


def test_bad_value_mapping_is_refused(tmp_path):
    with pytest.raises(mp.MappingError, match="not one of"):
        mp.Mapping.from_dict({"sheets": [], "values": {"vehicle": {"X": "charity"}}})
    with pytest.raises(mp.MappingError, match="not a column with a list"):
        mp.Mapping.from_dict({"sheets": [], "values": {"provider_name": {"X": "Y"}}})
    m = mp.Mapping()
    m.set_value("vehicle", "X", "new_entity")
    assert mp.Mapping.from_dict(m.to_dict()) == m


# Rows that are not data ------------------------------------------------------------------------------

HEAD = ("Contract id", "Provider code", "Service line", "Payment type", "Annual value", "Baseline activity",
        "Marginal rate", "Clawback share", "Rebase at renewal", "End year", "Activity ceiling",
        "Variable share", "Start year")


def _file_errors(result):
    """Errors about the file's own cells; a file of one kind alone also gets the system-wide 'the model
    cannot run without ...' error, which is not what these tests look at."""
    return [p for p in result.problems if p.severity == "error" and p.file]


def _line(cid, value, activity, line="elective"):
    return (cid, "RA1", line, "block", value, activity, 0.2, 0.01, "Yes", "2027/28", None, None, "2025/26")


def _read_rows(tmp_path, rows):
    path = _sheet(tmp_path / "c.xlsx", "Contracts", [HEAD] + rows)
    result = load_inputs([path])
    table = result.inputs.block_contracts
    return result, sorted(int(r) for r in table.source_row)


def test_total_label_in_a_middle_column_is_left_out(tmp_path):
    rows = [_line("C1", 10, 5), _line("C2", 20, 6), (None, None, "Total", None, 30, 11)]
    result, kept = _read_rows(tmp_path, rows)
    assert kept == [2, 3] and not _file_errors(result)
    assert any("row 4 looks like a totals row ('Total')" in p.message and p.cell == "C4" for p in result.problems)


@pytest.mark.parametrize("label, at", [("Grand total", 3), ("Sub-total", 2), ("TOTAL", 1), ("Subtotal", 0),
                                       ("Total:", 3)])
def test_totals_labels_anywhere(tmp_path, label, at):
    total = [None] * 6
    total[at] = label
    rows = [_line("C1", 10, 5), tuple(total), _line("C2", 20, 6)]
    result, kept = _read_rows(tmp_path, rows)
    assert kept == [2, 4] and not _file_errors(result)


def test_rows_summing_the_rows_above_are_left_out(tmp_path):
    rows = [_line("C1", 10, 5), _line("C2", 20, 6), (None, None, None, None, 30, 11),
            _line("C3", 7, 2), _line("C4", 8, 3), (None, None, None, None, 15, 5),
            (None, None, None, None, 45, 16)]
    result, kept = _read_rows(tmp_path, rows)
    assert kept == [2, 3, 5, 6] and not _file_errors(result)
    sums = [p for p in result.problems if "sums of the rows above" in p.message]
    assert [p.cell for p in sums] == ["A4", "A7", "A8"]


def test_a_row_with_its_own_id_that_adds_up_is_kept_with_a_warning(tmp_path):
    rows = [_line("C1", 10, 5), _line("C2", 10, 5), _line("C3", 20, 10)]  # C3 has its own id: maybe data
    result, kept = _read_rows(tmp_path, rows)
    assert kept == [2, 3, 4]
    assert any("row 4 holds the sums" in p.message and "read as data" in p.message and p.cell == "A4"
               for p in result.problems)


def test_blank_rows_inside_the_table_are_left_out_with_a_note(tmp_path):
    rows = [_line("C1", 10, 5), (), (), _line("C2", 20, 6)]
    result, kept = _read_rows(tmp_path, rows)
    assert kept == [2, 5]
    assert any("blank rows 3-4 inside the table" in p.message for p in result.problems)


def test_notes_under_the_table_are_left_out_with_a_note(tmp_path):
    rows = [_line("C1", 10, 5), _line("C2", 20, 6), (), ("Source: ledger extract, month 12",),
            ("* excludes non-recurrent funding",), ("Prepared by the contracting team for the board",)]
    result, kept = _read_rows(tmp_path, rows)
    assert kept == [2, 3] and not _file_errors(result)
    notes = [p for p in result.problems if "is a note, not data" in p.message]
    assert [p.cell for p in notes] == ["A5", "A6", "A7"]


def test_the_sheet_name_is_a_hint_not_a_rule(tmp_path):
    path = _sheet(tmp_path / "p.xlsx", "Providers", CASH[1])
    result = load_inputs([path])
    assert result.sheets[0].kind == "cash_balances"
    assert matching.sheet_hint("Contracts 25-26", "block_contracts") > 0 == matching.sheet_hint("Sheet1", "providers")


@pytest.mark.parametrize("kind, header, name", [
    ("block_contracts", "Strat year", "start_fy"),  # two letters swapped
    ("block_contracts", "Ned year", "end_fy"),  # three letters: only a swap is corrected
    ("providers", "Workng capital (£000)", "working_capital_gbp_k"),  # a letter dropped, inside a concept
    ("cash_balances", "Peroid end", "period_end"),
    ("block_contracts", "End year\n(blank = rolling)", "end_fy"),  # a remark in brackets
    ("providers", "Provider name (as per ODS)", "provider_name"),
    ("cash_balances", "Cash and cash equivalents at end of period (£000)", "cash_gbp_k"),
])
def test_typing_slips_and_remarks(kind, header, name):
    assert mp.match_header(kind, header) == name


def test_a_typo_is_not_guessed_when_two_words_are_as_close():
    assert matching._correct_word("cst") == ("cst", 1.0)
    assert matching._correct_word("pay") == ("pay", 1.0)  # not 'pa' (per annum)


@pytest.mark.parametrize("column, allowed, text, want", [
    ("service_line", schema.SERVICE_LINES, "AandE", "a_and_e"),
    ("payment_type", schema.CONTRACT_PAYMENT_TYPES, "Activity (PbR)", "activity"),
    ("payment_type", schema.CONTRACT_PAYMENT_TYPES, "Block (fixed)", "block"),
    ("payment_type", schema.CONTRACT_PAYMENT_TYPES, "Block (capitated)", None),  # the remark disagrees
])
def test_values_squashed_and_with_remarks(column, allowed, text, want):
    assert matching.match_value(column, allowed, text) == want


def test_units_written_in_the_cells(tmp_path):
    rows = [("Provider code", "Operating income (£000)", "Operating expenditure £m", "Working capital £m"),
            ("RA1", "£412,345k", "£0.4bn", "£2m"), ("RA2", "£1.5m", "£1.2m", "(£1.2m)")]
    path = _sheet(tmp_path / "p.xlsx", "Register", rows, [CASH])
    recs = {r["provider_code"]: r for r in load_inputs([path]).inputs.providers.records()}
    assert recs["RA1"]["operating_income_gbp_k"] == pytest.approx(412_345)
    assert recs["RA1"]["operating_expenditure_gbp_k"] == pytest.approx(400_000)
    assert recs["RA2"]["operating_income_gbp_k"] == pytest.approx(1_500)
    assert recs["RA2"]["operating_expenditure_gbp_k"] == pytest.approx(1_200)
    assert recs["RA2"]["working_capital_gbp_k"] == pytest.approx(-1_200)  # brackets are negative
    services = [("Service id", "Acute provider code", "Annual budget", "Ramp years"), ("S1", "RA1", 10, "2 yrs"),
                ("S2", "RA1", 10, "1.5 years")]
    path = _sheet(tmp_path / "s.xlsx", "Schemes", services)
    assert [r["ramp_years"] for r in load_inputs([path]).inputs.community_budgets.records()] == [2.0, 1.5]


def test_a_name_column_before_the_code_column_does_not_take_the_code(tmp_path):
    rows = [("Organisation", "Org code", "Period end", "Cash (£000)"),
            ("Northmoor Hospitals", "RA1", "31/03/2026", 100)]
    result = load_inputs([_sheet(tmp_path / "c.xlsx", "Cash", rows)])
    rep = result.sheets[0]
    assert rep.mapping["Org code"] == "provider_code" and "Organisation" in rep.unmapped
    alone = [("Organisation", "Period end", "Cash (£000)"), ("RA1", "31/03/2026", 100)]
    rep = load_inputs([_sheet(tmp_path / "d.xlsx", "Cash", alone)]).sheets[0]
    assert rep.mapping["Organisation"] == "provider_code" and rep.confidence["Organisation"] >= matching.CONFIDENT


def test_assignment_on_a_very_wide_sheet_stays_optimal():
    """More columns than fields squared: each field's best columns are kept for the solve, exactly."""
    rng = np.random.default_rng(3)
    for _ in range(30):
        scores = np.round(rng.uniform(0.75, 1.0, (14, 3)), 3)
        got = matching.assign(scores)
        best = max(scores[i, 0] + scores[j, 1] + scores[k, 2] for i, j, k in itertools.permutations(range(14), 3))
        assert sum(s for _, s in got.values()) == pytest.approx(best, abs=1e-4)


def test_check_json_lists_confidence_and_unknown_values(tmp_path, capsys):
    path = _providers_with(tmp_path / "p.xlsx", "Arm's length body")
    assert main(["check", "--json", str(path)]) == 1
    doc = json.loads(capsys.readouterr().out)
    sheet = next(s for s in doc["sheets"] if s["sheet"] == "Providers")
    assert sheet["unknown_values"] == {"vehicle": ["Arm's length body"]}
    assert sheet["confidence"]["Legal vehicle"] == 1.0


def test_the_templates_instructions_are_not_warned_about(tmp_path):
    from strandrisk.io.spreadsheets.template import write_template

    result = load_inputs([write_template(tmp_path / "t.xlsx")])
    assert not [p for p in result.problems if p.severity in ("warning", "error") and p.file]
    # the blank template holds no data, so the model cannot run on it: one error about the system as a whole
    system = [p.message.split(" (")[0] for p in result.problems if not p.file]
    assert system == ["no providers in the files read", "no cash balances with dates in the files read"]


def test_a_negating_extra_word_is_no_match_and_a_remark_can_hold_one():
    assert mp.match_header("providers", "Non-recurrent income") is None
    assert mp.match_header("providers", "Operating income (excl. PFI)") == "operating_income_gbp_k"
