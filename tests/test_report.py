"""The Excel report (issues 4, 18): sheets, round trip with the JSON document, injection, atomic writes,
and the Model and Bridges sheets recalculated by LibreOffice reconciling with the engine."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import uuid
import zipfile

import numpy as np
import pytest
from openpyxl import load_workbook

from strandrisk.core.bridges import COMPONENTS
from strandrisk.core.problems import Problem
from strandrisk.core.results import run_deterministic
from strandrisk.core.scenario import Scenario
from strandrisk.io.report import workbook as report_mod
from strandrisk.io.spreadsheets.load import SheetReport, load_sample, sample_paths
from strandrisk.io.report.workbook import SHEETS, ReportError, write_report
from strandrisk.io.report.model_sheet import RESULT_ROWS
from strandrisk.io.safe_text import neutralise, tsv_line

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\t=1", "\r=2"]


@pytest.fixture(scope="module")
def sample():
    imported = load_sample()
    result = run_deterministic(imported.inputs, Scenario.default())
    return imported, result


@pytest.fixture(scope="module")
def sample_report(sample, tmp_path_factory):
    imported, result = sample
    path = tmp_path_factory.mktemp("report") / "sample report.xlsx"
    write_report(result, path, imported=imported)
    return path


def test_sheets_in_order_and_defined_names(sample_report):
    wb = load_workbook(sample_report)
    assert tuple(wb.sheetnames) == SHEETS
    assert "check_max_abs_diff_gbp_k" in wb.defined_names
    assert "check_cells_reconciled" in wb.defined_names
    with zipfile.ZipFile(sample_report) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 3  # stranded by year, cash, tornado (no simulation: no fan chart)


def test_results_sheet_equals_json_document(sample, sample_report):
    _, result = sample
    doc = result.to_document()
    ws = load_workbook(sample_report, data_only=True)["Results"]
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    keys = [k for k, _, _ in report_mod.YEARLY_COLUMNS]
    labels = {v: k for k, v in report_mod.FORM_LABELS.items()}
    by_key = {}
    for row in rows:
        by_key[(row[0], labels[row[2]], row[3])] = row
    n = 0
    for prov in doc["providers"]:
        for form, r in prov["forms"].items():
            for t, year in enumerate(doc["years"]):
                row = by_key[(prov["provider_code"], form, year)]
                assert row[1] == prov["provider_name"]
                for j, key in enumerate(keys):
                    expected = r[key][t]
                    got = row[4 + j]
                    if expected is None:
                        assert got is None
                    else:
                        assert got == pytest.approx(expected, abs=1e-9)
                    n += 1
                ratings = row[4 + len(keys):4 + len(keys) + 4]
                assert list(ratings) == [r["ratings"][k][t] for k in ("capital_service", "ie_margin", "liquidity",
                                                                      "finance")]
                assert row[-2] == ("yes" if r["liquidity_risk"][t] else "no")
    assert n == len(rows) * len(keys)


def test_summary_has_reading_and_rag(sample_report, sample):
    _, result = sample
    wb = load_workbook(sample_report)
    ws = wb["Summary"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("present value of stranded cost" in t or "No modelled provider" in t for t in texts)
    fills = {c.fill.fgColor.rgb for row in ws.iter_rows() for c in row if c.value in ("green", "amber", "red")}
    assert fills and all(f.endswith(("C6EFCE", "E2F0D9", "FFEB9C", "FFC7CE")) for f in fills)
    from strandrisk.core.status import STATUS_RULE_TEXT, statuses

    assert any(STATUS_RULE_TEXT in t for t in texts)
    rows = list(ws.iter_rows(values_only=True))
    head = next(r for r in rows if r[0] == "Code" and "Status" in r)
    labels = {v: k for k, v in report_mod.FORM_LABELS.items()}
    at = rows.index(head)
    n = 0
    for r in rows[at + 1:]:
        if not r[0]:
            break
        p = result.provider_codes.index(r[0])
        assert r[head.index("Status")] == statuses(result, labels[r[2]])[p]
        n += 1
    assert n == sum(len(result.provider_forms(p)) for p in range(result.system.n_providers))
    assert ws.page_setup.orientation == "landscape"
    assert "Page &P of &N" in (ws.oddFooter.right.text or "")


def test_reading_names_assumptions_and_attributes_the_forms(sample):
    """Integrated stranded cost is lower only because of repurpose_share: the Reading says so, names the
    assumptions behind the form bridge with their values and never reports the difference as found."""
    _, result = sample
    text = " ".join(report_mod.reading(result))
    assert "integration leaves it" not in text
    assert "repurposed stranded cost 50%" in text and "not a finding" in text
    for code in ("ZA1", "ZB2"):
        assert f"{code} integrated ends" in text and f"{code} acute-only: the shift itself" in text
    assert "capitated integrated form: yes" in text and "GP gain share 50%" in text
    assert "outcomes achievement 80%" in text and "_" not in text.replace("acute_only", "")
    no_repurpose = run_deterministic(load_sample().inputs, Scenario.default().replace(repurpose_share=0.0),
                                     break_even=False)
    assert "carry the same" in " ".join(report_mod.reading(no_repurpose))


def test_assumptions_list_every_setting(sample_report):
    from strandrisk.core.scenario import SETTINGS

    ws = load_workbook(sample_report)["Assumptions"]
    labels = {row[0] for row in ws.iter_rows(values_only=True)}
    assert all(s.label in labels for s in SETTINGS)


def _hostile_run(sample):
    imported, result = sample
    result = copy.copy(result)
    sy = copy.copy(result.system)
    n = sy.n_providers
    sy.provider_name = np.array([HOSTILE[i % len(HOSTILE)] for i in range(n)], dtype=object)
    sy.provider_code = np.array([f"{HOSTILE[i % len(HOSTILE)]}{i}" for i in range(n)], dtype=object)
    sy.contract_ids = np.array([HOSTILE[i % len(HOSTILE)] for i in range(len(sy.contract_ids))], dtype=object)
    sy.service_id = np.array([HOSTILE[i % len(HOSTILE)] for i in range(len(sy.service_id))], dtype=object)
    sy.service_payment = np.array(["=1+1"] * len(sy.service_id), dtype=object)
    result.system = sy
    result.scenario = result.scenario.replace(name='=HYPERLINK("http://x","name")')
    result.sources = [copy.replace(s, file="=evil.xlsx", sheets=("+1", "@A1")) if hasattr(copy, "replace")
                      else type(s)("=evil.xlsx", s.sha256, ("+1", "@A1"), s.rows_used) for s in result.sources]
    hostile_import = copy.copy(imported)
    hostile_import.sheets = [SheetReport("-2.xlsx", "@Sheet", "providers", 3, 1,
                                         {h: "provider_name" for h in HOSTILE}, ["=unmapped"])]
    hostile_import.problems = [Problem("warning", h, "=f.xlsx", "+s", "@A1") for h in HOSTILE]
    return hostile_import, result


def test_hostile_text_stays_text(sample, tmp_path):
    imported, result = _hostile_run(sample)
    path = tmp_path / "hostile.xlsx"
    write_report(result, path, imported=imported)
    wb = load_workbook(path)
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert ws.title in ("Model", "Bridges") or "check_" in c.value, (ws.title, c.coordinate)
                    assert "HYPERLINK" not in c.value and "SUM(A1)" not in c.value
                elif isinstance(c.value, str):
                    for h in HOSTILE:
                        if h.strip() and h.strip() in c.value:
                            seen.add(h)
    assert seen == set(HOSTILE)
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith(".xml"):
                text = zf.read(name).decode("utf-8")
                assert "<f>HYPERLINK" not in text and "<f>=HYPERLINK" not in text


def test_safe_text_for_csv_and_tsv():
    for h in HOSTILE:
        assert neutralise(h).startswith("'")
    assert neutralise("Northmoor") == "Northmoor"
    assert neutralise(None) == ""
    line = tsv_line(["=1+1", 2.5, "a\tb", "-3"])
    assert line.split("\t") == ["'=1+1", "2.5", "a b", "'-3"]


def test_failure_mid_write_keeps_the_old_report(sample, tmp_path, monkeypatch):
    imported, result = sample
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"the old report")

    def boom(*args, **kwargs):
        raise RuntimeError("disk fell off")

    monkeypatch.setattr(report_mod, "write_model_sheet", boom)
    with pytest.raises(RuntimeError):
        write_report(result, target, imported=imported)
    assert target.read_bytes() == b"the old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_target_open_elsewhere_gives_one_line(sample, tmp_path, monkeypatch):
    imported, result = sample
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"old")

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(ReportError) as info:
        write_report(result, target, imported=imported)
    message = str(info.value)
    assert "\n" not in message and "close it" in message
    assert target.read_bytes() == b"old"


def test_missing_folder_is_a_report_error(sample, tmp_path):
    _, result = sample
    with pytest.raises(ReportError, match="does not exist"):
        write_report(result, tmp_path / "no such folder" / "r.xlsx")


def test_refuses_to_overwrite_an_input(sample, tmp_path):
    imported, result = sample
    copy_of_input = tmp_path / "inputs.xlsx"
    shutil.copyfile(sample_paths()[0], copy_of_input)
    before = copy_of_input.read_bytes()
    with pytest.raises(ReportError, match="input file"):
        write_report(result, copy_of_input, input_paths=[copy_of_input])
    with pytest.raises(ReportError, match="input file"):  # same content as an input: refused by its SHA-256
        write_report(result, copy_of_input, imported=imported)
    assert copy_of_input.read_bytes() == before


def test_monte_carlo_and_sensitivity_sheets(sample, tmp_path):
    from strandrisk.core.simulation import TORNADO_METRIC_LABELS, run_monte_carlo, tornado

    imported, result = sample
    result = copy.copy(result)
    result.monte_carlo = run_monte_carlo(result.system, result.scenario, simulations=200, seed=7)
    result.tornado = tornado(result.system, result.scenario)
    path = tmp_path / "mc.xlsx"
    write_report(result, path, imported=imported)
    wb = load_workbook(path, data_only=True)
    ws = wb["Monte Carlo"]
    rows = list(ws.iter_rows(values_only=True))
    mc = result.monte_carlo
    p = 0
    form = result.provider_forms(p)[0]
    label = report_mod.FORM_LABELS[form]
    code = result.system.provider_code[p]
    cash = [r for r in rows if r[0] == code and r[2] == label and r[3] == "Cash £000"]
    assert [r[4] for r in cash] == ["P5", "P10", "P50", "P90", "P95", "Determ."]
    np.testing.assert_allclose(np.array([r[5:5 + result.system.horizon] for r in cash[:5]], dtype=float),
                               mc.percentiles[form]["cash_gbp_k"][:, p, :])
    np.testing.assert_allclose(np.array(cash[5][5:5 + result.system.horizon], dtype=float),
                               result.forms[form]["cash_gbp_k"][p])
    # the three headline distributions, each with the deterministic value beside it
    head = next(r for r in rows if r[0] == "Code" and "Deterministic" in r)
    det_col = head.index("Deterministic")
    figures = {r[3]: r for r in rows if r[0] == code and r[2] == label and r[4] is None and r[3] in
               tuple(TORNADO_METRIC_LABELS.values())}
    assert set(figures) == set(TORNADO_METRIC_LABELS.values())
    assert figures["Closing cash"][5:10] == pytest.approx(tuple(mc.percentiles[form]["cash_gbp_k"][:, p, -1]))
    assert figures["Cumulative surplus"][det_col] == pytest.approx(result.forms[form]["cumulative_surplus_gbp_k"][p])
    assert figures["Closing cash"][det_col] == pytest.approx(result.forms[form]["cash_gbp_k"][p, -1])
    with zipfile.ZipFile(path) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 7  # three tornadoes, plus the fan charts
    sens_rows = list(wb["Sensitivity"].iter_rows(values_only=True))
    sens = [r for r in sens_rows if r[0] == code and r[1] is None and r[2] is not None]
    ranked = result.tornado.ranked("acute_only", p)
    assert [r[2] for r in sens[:len(ranked)]] == [r["label"] for r in ranked]
    titles = [r[0] for r in sens_rows if isinstance(r[0], str) and r[0].endswith("acute-only form")]
    assert titles == [f"{TORNADO_METRIC_LABELS[m]}: all modelled providers, acute-only form"
                      for m in TORNADO_METRIC_LABELS]
    summary = [r for r in wb["Summary"].iter_rows(values_only=True)]
    assert any(r[0] == TORNADO_METRIC_LABELS["closing_cash"] and r[1] for r in summary)  # what matters most
    assert any(r[3] == "Closing cash" and r[7] is not None for r in summary)  # P5 / P50 / P95 and deterministic


def test_no_simulation_says_so(sample_report):
    ws = load_workbook(sample_report)["Monte Carlo"]
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(t.startswith("No simulation ran") for t in texts)


def _soffice():
    return shutil.which("soffice") or shutil.which("libreoffice")


def _recalculated(path, tmp_path):
    """The workbook as LibreOffice recalculates it (every formula evaluated), opened for its values."""
    out = tmp_path / "recalculated"
    profile = tmp_path / f"lo-profile-{uuid.uuid4().hex}"
    subprocess.run([_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out), str(path)], check=True, timeout=300,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return load_workbook(out / path.name, data_only=True)


def _named(wb, name):
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")].value


def _figures_checked(result) -> int:
    """Figures the Model sheet reconciles: the five results and the components of the run and its twin."""
    forms = sum(len(result.provider_forms(p)) for p in range(result.system.n_providers))
    return forms * (len(RESULT_ROWS) + 2 * len(COMPONENTS)) * result.system.horizon


def _assert_bridges_equal_engine(wb, result):
    """Every bridge on the recalculated Bridges sheet equals the engine's, and its total the engine's figure."""
    from strandrisk.io.report.bridges_sheet import engine_bridges, engine_totals

    assert _named(wb, "check_bridges_max_abs_diff_gbp_k") <= 0.01
    rows = list(wb["Bridges"].iter_rows(values_only=True))
    sy = result.system
    seen = 0
    for p in range(sy.n_providers):
        if sy.form_actual[p] == "community_only":
            continue
        start = next(i for i, r in enumerate(rows) if r[0] == f"{sy.provider_code[p]} {sy.provider_name[p]}")
        assert rows[start + 1][0] == "Component"
        engine = engine_bridges(result, p)
        totals = engine_totals(result, p)
        for b, key in enumerate(("shift_acute_only", "shift_integrated", "form")):
            for i, name in enumerate(COMPONENTS):
                got = rows[start + 2 + i][1 + b]
                assert got == pytest.approx(engine[key][name], abs=0.01), (sy.provider_code[p], key, name)
            total = rows[start + 2 + len(COMPONENTS)]
            assert total[0] == "Total" and total[1 + b] == pytest.approx(totals[key], abs=0.01)
        seen += 1
    assert seen == sum(1 for p in range(sy.n_providers) if sy.form_actual[p] != "community_only")


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed: the Model sheet "
                                               "recalculation check needs it (CI installs libreoffice-calc-nogui)")
def test_libreoffice_recalculates_the_model_and_bridges_sheets(sample, sample_report, tmp_path):
    _, result = sample
    wb = _recalculated(sample_report, tmp_path)
    expected = _figures_checked(result)
    assert _named(wb, "check_cells_reconciled") == expected
    assert _named(wb, "check_max_abs_diff_gbp_k") <= 0.01
    # the formulas produced real figures, not zeros: Model income equals the engine's
    ws = wb["Model"]
    incomes = [row for row in ws.iter_rows(values_only=True) if row[2] == "acute-only: income"]
    assert len(incomes) == sum(1 for p in range(result.system.n_providers) if "acute_only" in result.provider_forms(p))
    first = incomes[0]
    assert first[9] == pytest.approx(result.forms["acute_only"]["income_gbp_k"][0, 0], abs=0.01)
    check = [row[1] for row in wb["Summary"].iter_rows(values_only=True) if row[0] == "Model check"]
    assert check and check[0].startswith(f"reconciled: {expected} figures")
    bridges_check = [row[1] for row in wb["Summary"].iter_rows(values_only=True) if row[0] == "Bridges check"]
    assert bridges_check and bridges_check[0].startswith("reconciled")
    _assert_bridges_equal_engine(wb, result)
    # the held-service rule is exercised: some holding is held today and costs nothing to integrate
    assert not result.system.holding_integrates.all()


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed: the Model sheet "
                                               "recalculation check needs it (CI installs libreoffice-calc-nogui)")
@pytest.mark.parametrize("settings", [
    # contract terms paid in the integrated form, a longer semi-fixed lag, release at once, a slower build
    dict(integrated_capitation=False, semi_fixed_release_lag_years=2, fixed_release_lag_years=0, horizon_years=7,
         fixed_build_lag_years=2, fixed_build_rate=0.3),
    # fixed cost following demand up at once (the rule before issue 18)
    dict(fixed_build_lag_years=0, fixed_build_rate=1.0),
])
def test_libreoffice_recalculates_other_branches(sample, tmp_path, settings):
    """Other branches of the rules, with providers' own cost mix from the register."""
    imported, _ = sample
    inputs = copy.copy(imported.inputs)
    providers = copy.copy(inputs.providers)
    providers.columns = dict(providers.columns)
    n = providers.n_rows
    providers.columns["variable_share"] = np.array([0.55, np.nan, 0.2, 0.45, np.nan, np.nan, 0.9][:n])
    providers.columns["semi_fixed_share"] = np.array([np.nan, 0.35, 0.3, 0.5, np.nan, np.nan, 0.2][:n])
    inputs.providers = providers
    result = run_deterministic(inputs, Scenario.default().replace(**settings), break_even=False)
    assert np.isfinite(result.system.provider_variable_share).any()
    path = tmp_path / "branches.xlsx"
    write_report(result, path)
    wb = _recalculated(path, tmp_path)
    ws = wb["Model"]
    assert ws["C3"].value <= 0.01
    assert ws["G3"].value == _figures_checked(result)
    _assert_bridges_equal_engine(wb, result)


def test_cancel_leaves_nothing(sample, tmp_path):
    from strandrisk.core.results import RunCancelled

    imported, result = sample
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    progress = []
    with pytest.raises(RunCancelled):
        write_report(result, tmp_path / "r.xlsx", imported=imported, cancel=cancel,
                     progress=lambda f, m: progress.append((f, m)))
    assert list(tmp_path.iterdir()) == []
    assert progress and all(0.0 <= f <= 1.0 for f, _ in progress)


def test_inputs_sheet_names_kinds_by_sheet(sample_report):
    ws = load_workbook(sample_report)["Inputs"]
    kinds = {row[2] for row in ws.iter_rows(values_only=True)}
    assert {"Providers", "Block contracts"} <= kinds


def test_summary_shows_shift_impact_liquidity_year_and_break_even_curves(sample_report, sample):
    _, result = sample
    ws = load_workbook(sample_report, data_only=True)["Summary"]
    rows = list(ws.iter_rows(values_only=True))
    head_at = next(i for i, r in enumerate(rows) if r[0] == "Code" and "Shift impact £000" in r)
    head = rows[head_at]
    c_impact, c_year = head.index("Shift impact £000"), head.index("Cash below minimum from")
    labels = {v: k for k, v in report_mod.FORM_LABELS.items()}
    seen = 0
    for r in rows[head_at + 1:]:
        if not r[0]:
            break
        p, form = result.provider_codes.index(r[0]), labels[r[2]]
        assert r[c_impact] == pytest.approx(result.forms[form]["shift_impact_gbp_k"][p])
        assert r[c_year] == (result.first_liquidity_risk_year(form, p) or "never")
        seen += 1
    assert seen == sum(len(result.provider_forms(p)) for p in range(result.system.n_providers))
    text = " ".join(str(r[1]) for r in rows if r[1])
    assert "already in deficit as acute-only with no shift" in text and "First year cash falls below" in text
    # the break-even curve tables hold the engine's grid
    curve = result.shift_curve
    zb2 = result.provider_codes.index("ZB2")
    start = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith("ZB2 ") and r[1] is None)
    assert rows[start + 1][:4] == ("Shift multiplier", None, "Acute-only £000", "Integrated £000")
    n = 0
    for r in rows[start + 2:]:
        if not isinstance(r[0], (int, float)) or r[1] is not None:
            break
        i = int(np.flatnonzero(np.isclose(curve.multipliers, r[0]))[0])
        assert r[2] == pytest.approx(curve.cumulative_surplus["acute_only"][i, zb2])
        assert r[3] == pytest.approx(curve.cumulative_surplus["integrated"][i, zb2])
        n += 1
    be = result.break_even["acute_only"][zb2]
    assert n > 15 and 0 < be < 10
    assert any(r[1] == f"Acute-only break-even {be:.2f}x" for r in rows)
    with zipfile.ZipFile(sample_report) as zf:
        xml = " ".join(zf.read(name).decode() for name in zf.namelist() if name.startswith("xl/charts/chart"))
    assert "scatterChart" in xml


def test_inputs_sheet_shows_confidence_defaults_and_rows_left_out(tmp_path):
    """What was defaulted, weakly matched or left out on import is on the report's Inputs sheet too."""
    from openpyxl import Workbook

    from strandrisk.io.spreadsheets.load import load_inputs

    wb = Workbook()
    ws = wb.active
    ws.title = "Contracts"
    ws.append(["Contract id", "Provider code", "Service line", "Payment type", "Annual value", "Baseline activity",
               "Capped activity level review"])
    for i in range(12):
        ws.append([f"C{i}", "ZA1", "elective", "block", 10, 5, 6])
    ws.append([None, "Total", None, None, 120, 60])
    path = tmp_path / "contracts.xlsx"
    wb.save(path)
    imported = load_inputs(sample_paths()[:1] + [path])
    result = run_deterministic(imported.inputs, Scenario.default())
    out = tmp_path / "r.xlsx"
    write_report(result, out, imported=imported)
    text = "\n".join(" ".join(str(v) for v in row if v is not None)
                     for row in load_workbook(out)["Inputs"].iter_rows(values_only=True))
    assert "marginal rate 0 used for 12 contract lines" in text
    assert "row 14 looks like a totals row" in text
    assert "Activity ceiling (activity_ceiling), " in text and "confidence: a weak match, confirm it" in text


def test_report_benchmark_smoke(tmp_path):
    """The report benchmark still runs (tiny size): it broke unnoticed once when io was laid out by part."""
    pytest.importorskip("xlsxwriter")
    import importlib.util
    from pathlib import Path

    bench = Path(__file__).parent / "benchmarks" / "bench_report.py"
    spec = importlib.util.spec_from_file_location("bench_report_smoke", bench)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.main(simulations=20, providers=3, memory_sizes=(3,))
    assert "StrandRisk report" in text and "| 3 |" in text
