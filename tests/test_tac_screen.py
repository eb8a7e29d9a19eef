"""The England screen (issue 20): TAC accounts -> the four input tables, statuses and flags, the screen command.

Generated TAC workbooks in the published layout for 2019-20, 2022-23 and 2023-24 codes, with trusts of
every kind of TAC_SCREEN.md section 4.
"""

from __future__ import annotations

import json
import re
import zipfile

import numpy as np
import pytest

from strandrisk.cli import main
from strandrisk.io.spreadsheets.load import load_inputs
from strandrisk.io.tac.derive import ScreenSettings, acute_contract_income
from strandrisk.io.tac.reader import read_tac
from strandrisk.io.tac.screen import Screen
from tests.tac_fixtures import TrustSpec, screen_values, write_tac_workbook, write_xlsx

YEARS = (2019, 2022, 2023)


def _written(values: dict) -> dict:
    """The values as the published layout writes them (decimal £000: 0.4 added to each size)."""
    return {k: (v + 0.4 if v > 0 else v - 0.4) for k, v in values.items()}


def _trusts(fy: int) -> tuple[list[TrustSpec], list[TrustSpec]]:
    """(foundation trusts, NHS trusts) of one year: one of each kind in TAC_SCREEN.md section 4."""
    ft = [
        TrustSpec("RA1", "Alpha Acute NHS Foundation Trust", "London", "foundation_trust",
                  screen_values(1, fy, "acute"), "Acute"),
        TrustSpec("RB1", "Bravo Acute and Community NHS Foundation Trust", "London", "foundation_trust",
                  screen_values(2, fy, "acute_community"), "Acute"),
        TrustSpec("RC1", "Charlie Community Health NHS Foundation Trust", "South West", "foundation_trust",
                  screen_values(3, fy, "community"), "Community"),
        TrustSpec("RM1", "Mike Mental Health NHS Foundation Trust", "Midlands", "foundation_trust",
                  screen_values(4, fy, "mental_health"), "Mental Health"),
        TrustSpec("RK1", "Kilo Costly Hospitals NHS Foundation Trust", "Midlands", "foundation_trust",
                  screen_values(5, fy, "acute", kappa=1.2), "Acute"),
    ]
    merged = screen_values(6, fy, "acute", income=400_000 if fy < 2023 else 640_000)
    negative = screen_values(7, fy, "acute")
    negative["INC0340"] = -abs(negative["INC0340"])
    no_cash = {k: v for k, v in screen_values(8, fy, "acute").items() if k not in ("CCE0080", "BAL1240")}
    no_contracts = screen_values(9, fy, "acute")
    moved = sum(no_contracts.pop(c, 0) for c in ("INC0100A", "INC0120A", "INC0140A", "INC0160A", "INC0180A",
                                                 "INC0197", "INC0198", "INC0331"))
    no_contracts["INC0200"] += moved  # all acute income outside contracts
    nhs = [
        TrustSpec("RAM", "Amber Ambulance Service NHS Trust", "North West", "nhs_trust",
                  screen_values(10, fy, "ambulance"), "Ambulance"),
        TrustSpec("RMG", "Merged Hospitals NHS Trust", "North West", "nhs_trust", merged, "Acute"),
        TrustSpec("RNG", "Negative Line Hospital NHS Trust", "London", "nhs_trust", negative, "Acute"),
        TrustSpec("RNC", "No Cash Hospital NHS Trust", "London", "nhs_trust", no_cash, "Acute"),
        TrustSpec("RNX", "No Contracts Hospital NHS Trust", "East of England", "nhs_trust", no_contracts, "Acute"),
    ]
    return ft, nhs


@pytest.fixture(scope="module")
def tac_years(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screen")
    files, specs = {}, {}
    for fy in YEARS:
        ft, nhs = _trusts(fy)
        files[fy] = [write_tac_workbook(folder / f"{fy}-ft.xlsx", fy, ft, published=True),
                     write_tac_workbook(folder / f"{fy}-nhs.xlsx", fy, nhs, published=True)]
        specs[fy] = {t.code: t for t in ft + nhs}
    return files, specs


@pytest.fixture(scope="module")
def screens(tac_years):
    files, _ = tac_years
    return {fy: Screen(files[fy]).run() for fy in YEARS}


EXPECTED = {  # code -> (status, form)
    "RA1": ("screened", "acute_only"), "RB1": ("screened", "integrated"), "RC1": ("community_only", "community_only"),
    "RM1": ("not_applicable", None), "RK1": ("screened", "acute_only"), "RAM": ("not_applicable", None),
    "RMG": ("screened", "acute_only"), "RNG": ("screened", "acute_only"), "RNC": ("excluded", None),
    "RNX": ("excluded", None),
}


@pytest.mark.parametrize("fy", YEARS)
def test_every_kind_of_trust_gets_its_status_form_and_flags(screens, fy):
    trusts = {t.code: t for t in screens[fy].trusts}
    assert {c: (t.status, t.form) for c, t in trusts.items()} == EXPECTED
    assert "no cash line" in " ".join(trusts["RNC"].reasons)
    assert "no acute contract income" in " ".join(trusts["RNX"].reasons)
    assert "mental health" in trusts["RM1"].reasons[0] and "ambulance" in trusts["RAM"].reasons[0]
    assert any("INC0340" in f and "negative" in f for f in trusts["RNG"].flags)
    assert any("cost/income ratio 1.20" in f for f in trusts["RK1"].flags)
    assert not any("cost/income" in f for f in trusts["RA1"].flags)
    assert not any("add up" in f or "does not match" in f for f in trusts["RA1"].flags)
    assert any("weights" in f for f in trusts["RA1"].flags) == (fy != 2019)


def test_merger_and_covid_and_own_weights_across_years(tac_years):
    files, _ = tac_years
    both = Screen(files[2022] + files[2023]).run()
    trusts = {t.code: t for t in both.trusts}
    assert any("1.60 times the prior year" in f for f in trusts["RMG"].flags)
    assert not any("prior year" in f for f in trusts["RA1"].flags)
    with_2019 = Screen(files[2019] + files[2023]).run()
    ra1 = with_2019.tac.derivation.trust("RA1")
    assert ra1.derived["pod_weights"] == "own 2019-20 lines"
    assert not any("weights" in f for f in ra1.flags)


def test_lines_that_do_not_add_up_are_flagged(tmp_path):
    values = screen_values(11, 2023, "acute")
    values["INC0350"] = values["INC0350"] * 1.02
    path = write_tac_workbook(tmp_path / "odd.xlsx", 2023, [TrustSpec("ROD", "Odd NHS Trust", "London", "nhs_trust",
                                                                      values, "Acute")])
    (trust,) = Screen([path]).run().trusts
    assert any("do not add up to INC0350" in f for f in trust.flags)


@pytest.mark.parametrize("fy", YEARS)
def test_contract_lines_add_up_to_acute_contract_income(screens, tac_years, fy):
    _, specs = tac_years
    sr = screens[fy]
    contracts = sr.tac.tables["block_contracts"]
    for t in sr.trusts:
        if t.status != "screened":
            continue
        v = _written(specs[fy][t.code].values)
        expected = sum(max(0, v.get(c, 0)) for c in ("INC0100A", "INC0120A", "INC0140A", "INC0160A", "INC0180A",
                                                     "INC0197", "INC0198"))
        expected += v.get("INC0331", 0) if fy in (2021, 2022) else 0
        mine = contracts["provider_code"] == t.code
        assert contracts["annual_value_gbp_k"][mine].sum() == pytest.approx(expected, abs=0.01), t.code
        assert t.derived["acute_contract_income_gbp_k"] == pytest.approx(expected, abs=0.01)
        assert np.all(contracts["baseline_activity"][mine] == contracts["annual_value_gbp_k"][mine])
    kinds = set(contracts["payment_type"])
    assert kinds == {2019: {"activity", "blended"}, 2022: {"blended", "block", "activity"},
                     2023: {"activity", "block"}}[fy]


@pytest.mark.parametrize("fy", YEARS)
def test_register_and_held_community_budgets_add_back_to_the_accounts(screens, tac_years, fy):
    _, specs = tac_years
    sr = screens[fy]
    providers, budgets = sr.tac.tables["providers"], sr.tac.tables["community_budgets"]
    for i, code in enumerate(providers["provider_code"]):
        v = _written(specs[fy][code].values)
        income = v["SCI0100A"] + v["SCI0110A"]
        held = budgets["annual_budget_gbp_k"][budgets["holder_provider_code"] == code].sum()
        assert providers["operating_income_gbp_k"][i] + held == pytest.approx(income, abs=0.01), code
        kappa = -v["SCI0125A"] / income
        assert providers["operating_expenditure_gbp_k"][i] + kappa * held == pytest.approx(-v["SCI0125A"], abs=0.01)
    rb1 = budgets["holder_provider_code"] == "RB1"
    assert budgets["payment_type"][rb1].tolist() == ["block"]
    wouldbe = (budgets["acute_provider_code"] == "RA1") & (budgets["payment_type"] == "capitated")
    assert wouldbe.sum() == 1 and budgets["holder_provider_code"][wouldbe][0] is None
    assert budgets["annual_budget_gbp_k"][wouldbe][0] > 0


def test_cost_mix_goes_on_the_register(screens, tac_years):
    sr = screens[2023]
    ra1 = sr.tac.derivation.trust("RA1").derived
    v = _written(tac_years[1][2023]["RA1"].values)
    bank = v["STA0300"] + v["STA0310"]
    variable = v["EXP0100"] + v["EXP0110"] + v["EXP0150"] + v["EXP0170"] - min(v["EXP0170"], v["INC0200"]) + bank
    admin = v["STA0390"] / v["STA0490"]
    staff = v["EXP0130"] - bank
    semi = staff * (1 - admin) + v["EXP0160"] + v["EXP0230B"]
    fixed = staff * admin + sum(v[c] for c in ("EXP0200", "EXP0220", "EXP0240", "EXP0250", "EXP0290A", "EXP0370",
                                                "EXP0380Z"))
    pool = variable + semi + fixed
    assert ra1["variable_share"] == pytest.approx(variable / pool)
    assert ra1["semi_fixed_share"] == pytest.approx(semi / pool)
    providers = sr.tac.tables["providers"]
    if "variable_share" in providers.columns:
        i = list(providers["provider_code"]).index("RA1")
        assert providers["variable_share"][i] == pytest.approx(variable / pool)


def test_basis_names_file_trust_and_subcodes(screens):
    sr = screens[2023]
    basis = sr.tac.derivation.basis
    contracts = sr.tac.tables["block_contracts"]
    i = list(contracts["contract_id"]).index("TAC-RA1-APIV")
    assert basis["block_contracts"][i].startswith("2023-ft.xlsx: RA1 INC0197")
    j = list(sr.tac.tables["community_budgets"]["service_id"]).index("TAC-RB1-COMMUNITY")
    assert "INC0302+INC0310" in basis["community_budgets"][j]


def test_users_own_rows_replace_the_derived_and_community_is_counted_once(tac_years, tmp_path):
    files, specs = tac_years
    from strandrisk.core import schema

    budget = dict(schema.COMMUNITY_BUDGETS.example, service_id="MINE", acute_provider_code="RB1",
                  holder_provider_code="RB1", annual_budget_gbp_k=12345)
    mine = write_xlsx(tmp_path / "mine.xlsx", [("Community budgets", [list(budget), list(budget.values())])])
    result = load_inputs([*files[2023], mine])
    budgets = result.inputs.community_budgets
    rb1 = (budgets["acute_provider_code"] == "RB1") | (budgets["holder_provider_code"] == "RB1")
    assert budgets["service_id"][rb1].tolist() == ["MINE"]  # the derived budget of RB1 is gone
    providers = result.inputs.providers
    v = _written(specs[2023]["RB1"].values)
    i = list(providers["provider_code"]).index("RB1")
    community = v["INC0302"] + v["INC0310"]
    assert providers["operating_income_gbp_k"][i] == pytest.approx(v["SCI0100A"] + v["SCI0110A"] - community)
    assert any("your own Community budgets rows replace" in p.message and "RB1" in p.message for p in result.problems)
    # the register is acute services only for run as well (read_tac is the same derivation)
    assert read_tac(files[2023]).tables["providers"]["operating_income_gbp_k"][i] == pytest.approx(
        providers["operating_income_gbp_k"][i])


def test_a_settings_change_recomputes_from_the_kept_lines(tac_years):
    files, _ = tac_years
    screen = Screen(files[2023])
    base = screen.run()
    files_before = screen.files
    bigger = screen.run(settings=ScreenSettings(community_ratio=0.5))
    assert screen.files is files_before
    b0 = base.tac.derivation.trust("RA1").derived["community_budget_gbp_k"]
    b1 = bigger.tac.derivation.trust("RA1").derived["community_budget_gbp_k"]
    acute = base.tac.derivation.trust("RA1").derived["acute_contract_income_gbp_k"]
    community = base.tac.derivation.trust("RA1").derived["community_income_gbp_k"]
    assert b1 == pytest.approx(0.5 * acute - community) and b1 != pytest.approx(b0)


def test_screen_command_json_export_and_run_agree(tac_years, tmp_path, capsys):
    files, _ = tac_years
    out_json, out_xlsx, folder = tmp_path / "screen.json", tmp_path / "screen.xlsx", tmp_path / "inputs"
    code = main(["screen", *map(str, files[2023]), "--json", str(out_json), "--out", str(out_xlsx),
                 "--export-inputs", str(folder)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "Rank" in text and "RA1" in text and "capitation" in text
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    assert set(doc) >= {"scenario", "settings", "trusts"}
    by_code = {t["provider_code"]: t for t in doc["trusts"]}
    assert by_code["RA1"]["status"] == "screened" and by_code["RA1"]["form"] == "acute_only"
    assert set(by_code["RA1"]["forms"]) == {"acute_only", "integrated"}
    assert "form" not in by_code["RM1"] and by_code["RM1"]["forms"] == {}
    assert set(by_code["RC1"]["forms"]) == {"community_only"}
    ranks = [t["rank"] for t in doc["trusts"] if t["status"] == "screened"]
    assert ranks == list(range(1, len(ranks) + 1))
    pcts = [t["summary"]["ao_stranded_pct"] for t in doc["trusts"] if t["status"] == "screened"]
    assert pcts == sorted(pcts, reverse=True)

    run_json = tmp_path / "run.json"
    assert main(["run", str(folder / "inputs.xlsx"), "--scenario", str(folder / "scenario.json"),
                 "--simulations", "0", "--json", str(run_json)]) == 0
    capsys.readouterr()
    run = {p["provider_code"]: p for p in json.loads(run_json.read_text(encoding="utf-8"))["providers"]}
    compared = 0
    for code, t in by_code.items():
        for form, r in t["forms"].items():
            q = run[code]["forms"][form]
            for key in ("npv_stranded_gbp_k", "cumulative_surplus_gbp_k", "shift_impact_gbp_k"):
                assert r[key] == pytest.approx(q[key], abs=0.01), (code, form, key)
            for key in ("income_gbp_k", "cost_gbp_k", "cash_gbp_k", "stranded_cost_gbp_k"):
                assert r[key] == pytest.approx(q[key], abs=0.01), (code, form, key)
            compared += 1
    assert compared >= 10

    with zipfile.ZipFile(out_xlsx) as zf:
        names = zf.namelist()
        chart = next(n for n in names if n.startswith("xl/charts/chart"))
        assert b"scatterChart" in zf.read(chart) and b"triangle" in zf.read(chart)
    from openpyxl import load_workbook

    wb = load_workbook(out_xlsx, read_only=True)
    assert {"Ranked", "Scatter", "Flags", "Providers", "Block contracts", "Community budgets",
            "Scenario and settings"} <= set(wb.sheetnames)


def test_screen_never_writes_over_an_input(tac_years, capsys):
    files, _ = tac_years
    before = files[2023][0].read_bytes()
    assert main(["screen", *map(str, files[2023]), "--out", str(files[2023][0])]) != 0
    assert "a file this command reads" in capsys.readouterr().err
    assert files[2023][0].read_bytes() == before


def test_screen_settings_file_is_checked(tac_years, tmp_path, capsys):
    files, _ = tac_years
    bad = tmp_path / "settings.json"
    bad.write_text(json.dumps({"elective_variable_rate": 2}), encoding="utf-8")
    assert main(["screen", str(files[2022][0]), "--settings", str(bad)]) == 1
    assert "between 0 and 1" in capsys.readouterr().err
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"community_ratio": 0.3, "fixed_term_years": 2}), encoding="utf-8")
    assert main(["screen", str(files[2022][0]), "--settings", str(good)]) == 0
    assert "community ratio used 0.300" in capsys.readouterr().out


def test_acute_contract_income_by_year(tac_years):
    files, specs = tac_years
    tac = read_tac(files[2022])
    v = _written(specs[2022]["RA1"].values)
    assert tac.derivation.trust("RA1").derived["acute_contract_income_gbp_k"] == pytest.approx(
        v["INC0198"] + v["INC0331"])
    assert callable(acute_contract_income)


def test_covid_year_is_all_block_and_flagged(tmp_path):
    spec = TrustSpec("RCV", "Covid Year Hospitals NHS Trust", "London", "nhs_trust", screen_values(12, 2021, "acute"),
                     "Acute")
    path = write_tac_workbook(tmp_path / "2021-22.xlsx", 2021, [spec], published=True)
    sr = Screen([path]).run()
    (trust,) = sr.trusts
    assert trust.status == "screened" and any("COVID base year" in f for f in trust.flags)
    contracts = sr.tac.tables["block_contracts"]
    assert set(contracts["payment_type"]) == {"block"}
    v = _written(spec.values)
    assert contracts["annual_value_gbp_k"].sum() == pytest.approx(v["INC0198"] + v["INC0331"], abs=0.01)


def test_year_beyond_the_dictionary_is_flagged(tmp_path):
    from tests.tac_fixtures import long_rows

    spec = TrustSpec("RZF", "Future Hospitals NHS Trust", "London", "nhs_trust", screen_values(13, 2023, "acute"))
    rows = [["OrganisationName", "WorkSheetName", "TableID", "MainCode", "RowNumber", "SubCode", "Total"]]
    rows += [list(r) for r in long_rows([spec], 2023)]
    path = write_xlsx(tmp_path / "future.xlsx", [
        ("Notes", [["TAC data in NHS trusts' accounts for 2025-26"]]),
        ("List of Providers", [["Organisation Code", "Organisation Name", "Region"], ["RZF", spec.name, "London"]]),
        ("All data", rows)])
    (trust,) = Screen([path]).run().trusts
    assert any("beyond the SubCode dictionary" in f and "2023/24" in f for f in trust.flags)


def test_screen_export_never_replaces_an_input(tac_years, tmp_path, capsys):
    files, _ = tac_years
    folder = tmp_path / "exported"
    folder.mkdir()
    taken = folder / "inputs.xlsx"
    taken.write_bytes(files[2023][0].read_bytes())
    before = taken.read_bytes()
    assert main(["screen", str(taken), str(files[2023][1]), "--export-inputs", str(folder)]) == 2
    assert "a file this command reads" in capsys.readouterr().err
    assert taken.read_bytes() == before


def test_screen_workbooks_keep_hostile_trust_names_as_text(tmp_path):
    """A trust name from a TAC file that starts like a formula is stored as text in both exports."""
    import zipfile

    from openpyxl import load_workbook

    ft, nhs = _trusts(2023)
    hostile = '=HYPERLINK("http://x","Alpha")'
    ft[0] = TrustSpec("RA1", hostile, "London", "foundation_trust", screen_values(1, 2023, "acute"), "Acute")
    files = [write_tac_workbook(tmp_path / "ft.xlsx", 2023, ft, published=True),
             write_tac_workbook(tmp_path / "nhs.xlsx", 2023, nhs, published=True)]
    out, folder = tmp_path / "screen.xlsx", tmp_path / "inputs"
    assert main(["screen", *map(str, files), "--out", str(out), "--export-inputs", str(folder)]) == 0
    for path in (out, folder / "inputs.xlsx"):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/"):
                    assert not re.search(rb"<f>[^<]*HYPERLINK", zf.read(name)), (path.name, name)
        names = [c.value for ws in load_workbook(path).worksheets for row in ws.iter_rows() for c in row]
        assert hostile in names
