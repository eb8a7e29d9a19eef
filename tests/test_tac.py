"""TAC data import (issue 8): generated workbooks in the published shape, read back into the register."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from strandrisk.core import schema
from strandrisk.io.tac import codes as tac_codes
from strandrisk.io.tac.reader import (COMMUNITY_ONLY_SHARE, INTEGRATED_SHARE, TacSelection, list_tac_trusts,
                               looks_like_tac, read_tac, suggest_form)
from tests.tac_fixtures import TrustSpec, default_values, write_tac_workbook

RENAMED = "RXR"


def _trusts(fy: int):
    ft = [
        TrustSpec("RXA", "Alpha Hospitals NHS Foundation Trust", "London", "foundation_trust",
                  default_values(1, fy, 0.03)),
        TrustSpec("RXB", "Bravo Health & Care NHS Foundation Trust", "South West", "foundation_trust",
                  default_values(2, fy, 0.30)),
        TrustSpec(RENAMED, ("New Name Teaching Hospitals NHS Foundation Trust" if fy == 2023
                            else "Old Name Hospitals NHS Foundation Trust"), "London", "foundation_trust",
                  default_values(3 + fy, fy, 0.15)),
    ]
    nhs = [
        TrustSpec("RYC", "Charlie Community Health NHS Trust", "Midlands", "nhs_trust", default_values(4, fy, 0.80)),
        TrustSpec("RYD", "Delta University Hospitals NHS Trust", "London", "nhs_trust", default_values(5, fy, 0.02)),
    ]
    return ft, nhs


@pytest.fixture(scope="module")
def tac_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tac")
    ft23, nhs23 = _trusts(2023)
    ft21, _ = _trusts(2021)
    files = {
        # 2023/24 foundation trusts: current column names, the year named on a Notes sheet; one trust's
        # PDC dividend cell is blank and one writes '&' where List of Providers writes 'and'.
        "ft23": write_tac_workbook(folder / "ft_2023.xlsx", 2023, ft23, missing=[("RXA", "SCI0170")],
                                   names_in_data={"RXB": "Bravo Health and Care NHS Foundation Trust"}),
        # 2023/24 NHS trusts: no Notes sheet, so the year comes from the SubCodes.
        "nhs23": write_tac_workbook(folder / "nhs_data.xlsx", 2023, nhs23, title=False),
        # 2021/22 foundation trusts: the 2021/22 column names; the renamed trust under its old name.
        "ft21": write_tac_workbook(folder / "ft_2021.xlsx", 2021, ft21, old_columns=True),
    }
    return files, {"ft23": ft23, "nhs23": nhs23, "ft21": ft21}


@pytest.fixture(scope="module")
def all_years(tac_files):
    files, _ = tac_files
    return read_tac([files["ft23"], files["nhs23"], files["ft21"]])


def _expected_register(values: dict) -> dict:
    """The worked check: each register figure as the sum of the named SubCodes, signs as the TAC forms'.

    The register is acute services only: community income C moves to Community budgets with cost at
    the trust's cost/income ratio (TAC_SCREEN.md section 2), except for a community trust.
    """
    income, spend = values["SCI0100A"] + values["SCI0110A"], -values["SCI0125A"]
    community = sum(values.get(c, 0) for c in ("INC0300", "INC0302", "INC0310"))
    held = community if community / income < 0.6 else 0
    return {
        "operating_income_gbp_k": income - held,
        "operating_expenditure_gbp_k": spend - spend / income * held,
        "depreciation_gbp_k": values["EXP0240"] + values["EXP0250"],
        "interest_gbp_k": values["FIN0080"],
        "pdc_dividend_gbp_k": -values["SCI0170"],
        "working_capital_gbp_k": values["BAL1250"] - values["BAL1190"] + values["BAL1320"],
    }


def _row(result, code):
    recs = [r for r in result.tables["providers"].records() if r["provider_code"] == code]
    assert len(recs) == 1, f"{code} should be in the register once"
    return recs[0]


def test_recognised_by_its_sheets():
    assert looks_like_tac(["Notes", "List of Providers", "All data"])
    assert looks_like_tac(["ALL DATA", "List of providers"])
    assert not looks_like_tac(["Providers", "Cash balances"])
    assert not looks_like_tac(["All data"])


def test_register_row_and_cash_equal_the_named_subcodes(all_years, tac_files):
    _, specs = tac_files
    bravo23 = next(t for t in specs["ft23"] if t.code == "RXB")
    row = _row(all_years, "RXB")
    for key, value in _expected_register(bravo23.values).items():
        assert row[key] == pytest.approx(value), key
    assert row["vehicle"] == "foundation_trust"
    cash = {r["period_end"]: r["cash_gbp_k"] for r in all_years.tables["cash_balances"].records()
            if r["provider_code"] == "RXB"}
    bravo21 = next(t for t in specs["ft21"] if t.code == "RXB")
    # cash at 31 March is the TAC19 'At 31 March' line of the trust's own column (not charitable funds, 999)
    assert cash == {dt.date(2024, 3, 31): bravo23.values["CCE0080"], dt.date(2022, 3, 31): bravo21.values["CCE0080"]}
    community = bravo23.values["INC0302"] + bravo23.values["INC0310"]
    trust = next(t for t in all_years.trusts if t.code == "RXB")
    assert trust.community_share == pytest.approx(community / (bravo23.values["SCI0100A"] + bravo23.values["SCI0110A"]))
    assert trust.suggested_form == row["form"] == "integrated"


def test_prior_year_columns_are_ignored(all_years, tac_files):
    _, specs = tac_files
    # the fixture writes every line again under its A..PY.. MainCode with other values
    delta = next(t for t in specs["nhs23"] if t.code == "RYD")
    assert _row(all_years, "RYD")["operating_income_gbp_k"] == pytest.approx(
        _expected_register(delta.values)["operating_income_gbp_k"])


def test_both_sectors_and_both_column_name_variants(all_years):
    by_code = {t.code: t for t in all_years.trusts}
    assert by_code["RYC"].sector == "nhs_trust" and by_code["RXA"].sector == "foundation_trust"
    assert _row(all_years, "RYC")["vehicle"] == "nhs_trust"
    assert by_code["RXA"].years == (2021, 2023)  # 2021/22 read with 'Organisation Name' / 'Value number'
    assert all_years.years == [2021, 2023] and all_years.base_year == 2023
    assert "SubCodes" in all_years.year_evidence["nhs_data.xlsx"]
    assert "text" in all_years.year_evidence["ft_2021.xlsx"]


def test_trust_that_changed_name_is_one_trust(all_years):
    trust = next(t for t in all_years.trusts if t.code == RENAMED)
    assert trust.names == ("Old Name Hospitals NHS Foundation Trust",
                           "New Name Teaching Hospitals NHS Foundation Trust")
    assert _row(all_years, RENAMED)["provider_name"] == "New Name Teaching Hospitals NHS Foundation Trust"
    ends = sorted(r["period_end"] for r in all_years.tables["cash_balances"].records() if r["provider_code"] == RENAMED)
    assert ends == [dt.date(2022, 3, 31), dt.date(2024, 3, 31)]


def test_missing_value_is_blank_with_a_warning(all_years):
    assert _row(all_years, "RXA")["pdc_dividend_gbp_k"] is None
    assert any(p.severity == "warning" and "pdc dividend" in p.message and "RXA" in p.message
               for p in all_years.problems)


def test_forms_suggested_from_community_share(all_years):
    forms = {t.code: t.suggested_form for t in all_years.trusts}
    assert forms["RYC"] == "community_only" and forms["RYD"] == "acute_only" and forms["RXA"] == "acute_only"
    assert suggest_form(COMMUNITY_ONLY_SHARE) == "community_only"
    assert suggest_form(INTEGRATED_SHARE) == "integrated"
    assert suggest_form(INTEGRATED_SHARE - 0.001) == "acute_only"
    assert suggest_form(None) is None


def test_sources_point_at_all_data_rows(all_years, tac_files):
    from python_calamine import CalamineWorkbook

    files, _ = tac_files
    table = all_years.tables["cash_balances"]
    i = next(i for i in range(table.n_rows) if table["provider_code"][i] == "RYD")
    assert table.source_file[i] == "nhs_data.xlsx" and table.source_sheet[i] == "All data"
    rows = CalamineWorkbook.from_path(str(files["nhs23"])).get_sheet_by_name("All data").to_python()
    org, _, _, main, _, sub, value = rows[int(table.source_row[i]) - 1]
    assert (org, main, sub, value) == ("Delta University Hospitals NHS Trust", "A19CY01", "CCE0080",
                                       table["cash_gbp_k"][i])


def test_selection_by_sector_region_codes_and_years(tac_files):
    files, _ = tac_files
    paths = [files["ft23"], files["nhs23"], files["ft21"]]
    nhs = read_tac(paths, TacSelection(sectors=["nhs_trust"]))
    assert sorted(nhs.tables["providers"]["provider_code"]) == ["RYC", "RYD"]
    assert len(nhs.trusts) == 5 and nhs.selected_codes == ["RYC", "RYD"]
    london = read_tac(paths, TacSelection(regions=["LONDON"]))
    assert sorted(london.tables["providers"]["provider_code"]) == ["RXA", RENAMED, "RYD"]
    listed = read_tac(paths, TacSelection(trusts=["rxa", "ZZZ"]))
    assert list(listed.tables["providers"]["provider_code"]) == ["RXA"]
    assert any("ZZZ" in p.message for p in listed.problems)
    older = read_tac(paths, TacSelection(years=[2021]))
    assert older.base_year == 2021 and older.years == [2021]
    assert set(older.tables["cash_balances"]["period_end"].astype(str)) == {"2022-03-31"}
    none = read_tac(paths, TacSelection(regions=["Atlantis"]))
    assert none.tables["providers"].n_rows == 0
    assert any(p.severity == "error" for p in none.problems)
    assert any("London" in p.message for p in none.problems)


def test_opposite_sign_is_used_by_size_with_a_warning(tmp_path):
    values = default_values(9, 2023)
    values["SCI0125A"] = -values["SCI0125A"]  # expenses written as a positive number
    path = write_tac_workbook(tmp_path / "signs.xlsx", 2023,
                              [TrustSpec("RZS", "Sign NHS Trust", "London", "nhs_trust", values)])
    result = read_tac(path)
    assert _row(result, "RZS")["operating_expenditure_gbp_k"] == pytest.approx(
        _expected_register(dict(values, SCI0125A=-values["SCI0125A"]))["operating_expenditure_gbp_k"])
    assert any("SCI0125A" in p.message and "sign" in p.message for p in result.problems)


def test_organisation_missing_from_list_of_providers_is_reported(tmp_path):
    spec = TrustSpec("RZN", "Listed NHS Trust", "London", "nhs_trust", default_values(7, 2023))
    path = write_tac_workbook(tmp_path / "unlisted.xlsx", 2023, [spec], names_in_data={"RZN": "Unlisted NHS Trust"})
    result = read_tac(path)
    assert result.tables["providers"].n_rows == 0
    assert any("Unlisted NHS Trust" in p.message for p in result.problems)


def test_not_a_tac_file_is_one_line(tmp_path):
    from strandrisk.io.spreadsheets.load import ImportFailure
    from tests.tac_fixtures import write_xlsx

    path = write_xlsx(tmp_path / "other.xlsx", [("All data", [["Name", "Value"], ["x", 1]]),
                                               ("List of Providers", [["Organisation Code", "Organisation Name"]])])
    with pytest.raises(ImportFailure, match="lacks the TAC column"):
        read_tac(path)
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFailure):
        read_tac(garbage)


def test_year_unknown_to_the_dictionary_uses_the_nearest_with_a_warning(tmp_path):
    spec = TrustSpec("RZF", "Future NHS Trust", "London", "nhs_trust", default_values(8, 2023))
    from tests.tac_fixtures import long_rows, write_xlsx

    # a 2025/26 file (named so on its Notes sheet) holding 2023/24's SubCodes

    rows = [["OrganisationName", "WorkSheetName", "TableID", "MainCode", "RowNumber", "SubCode", "Total"]]
    rows += [list(r) for r in long_rows([spec], 2023)]
    path = write_xlsx(tmp_path / "future.xlsx", [
        ("Notes", [["TAC data in NHS trusts' accounts for 2025-26"]]),
        ("List of Providers", [["Organisation Code", "Organisation Name", "Region"], ["RZF", spec.name, "London"]]),
        ("All data", rows)])
    result = read_tac(path)
    assert result.base_year == 2025
    assert any("2023/24" in p.message and "2025/26" in p.message for p in result.problems)
    assert _row(result, "RZF")["operating_income_gbp_k"] == pytest.approx(
        _expected_register(spec.values)["operating_income_gbp_k"])


def test_list_tac_trusts_reads_only_the_provider_list(tac_files):
    files, _ = tac_files
    trusts = list_tac_trusts([files["ft23"], files["ft21"], files["nhs23"]])
    by_code = {t.code: t for t in trusts}
    assert sorted(by_code) == ["RXA", "RXB", RENAMED, "RYC", "RYD"]
    assert by_code["RYC"].sector == "nhs_trust" and by_code["RYC"].region == "Midlands"
    assert len(by_code[RENAMED].names) == 2


def test_register_table_matches_the_schema(all_years):
    providers = all_years.tables["providers"]
    assert providers.kind is schema.PROVIDERS
    assert set(providers.columns) == set(schema.PROVIDERS.names)
    assert np.all(np.isin(providers["form"], schema.FORMS))
    assert np.all(np.isin(providers["vehicle"], schema.VEHICLES))
    money = [c.name for c in schema.PROVIDERS.columns if c.type == schema.MONEY and c.minimum == 0]
    for name in money:
        col = providers[name]
        assert np.all(np.isnan(col) | (col >= 0)), name


def test_every_year_has_a_line_for_every_measure():
    for fy in tac_codes.known_years():
        d = tac_codes.for_year(fy)
        assert all(d.measure_alternatives[m] for m in range(len(d.measures))), fy
    assert tac_codes.for_year(2030).substitute == tac_codes.known_years()[-1]


def test_progress_and_cancel(tac_files):
    from strandrisk.io.spreadsheets.load import ImportCancelled

    files, _ = tac_files
    seen = []
    read_tac([files["ft23"], files["nhs23"]], progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(ImportCancelled):
        read_tac(files["ft23"], cancel=lambda: True)


def test_load_inputs_reads_every_tac_file_together(tmp_path, tac_files):
    from strandrisk.io.spreadsheets.load import load_inputs
    from tests.tac_fixtures import long_rows, write_xlsx

    files, specs = tac_files
    spec = next(t for t in specs["ft21"] if t.code == "RXA")
    rows = [["Organisation Name", "WorkSheetName", "TableID", "MainCode", "RowNumber", "SubCode", "Value number"]]
    rows += [list(r) for r in long_rows([spec], 2021)]
    # sheet names spelt differently from NHS England's ('ALL DATA', 'List of providers')
    other = write_xlsx(tmp_path / "tac_2021-22_ft.xlsx", [
        ("List of providers", [["ODS code", "Trust name", "NHS England region"], ["RXA", spec.name, "London"]]),
        ("ALL DATA", rows)])
    result = load_inputs([files["ft23"], other], tac_selection=TacSelection(trusts=["RXA"]))
    assert list(result.inputs.providers["provider_code"]) == ["RXA"]
    ends = sorted(result.inputs.cash_balances["period_end"].astype(str))
    assert ends == ["2022-03-31", "2024-03-31"]
    assert [s.file for s in result.inputs.sources] == ["ft_2023.xlsx", "tac_2021-22_ft.xlsx"]
    assert not result.has_errors


def test_sector_column_describing_services_does_not_decide_the_vehicle(tmp_path):
    from tests.tac_fixtures import long_rows, write_xlsx

    ft = TrustSpec("RZC", "Coastal Community NHS Foundation Trust", "South West", "foundation_trust",
                   default_values(11, 2023, 0.7))
    nhs = TrustSpec("RZH", "Hilltop Hospitals NHS Trust", "South West", "nhs_trust", default_values(12, 2023))
    rows = [["OrganisationName", "WorkSheetName", "TableID", "MainCode", "RowNumber", "SubCode", "Total"]]
    rows += [list(r) for r in long_rows([ft, nhs], 2023)]
    path = write_xlsx(tmp_path / "TAC_2023-24.xlsx", [
        ("List of Providers", [["Organisation Code", "Organisation Name", "Region", "Sector"],
                               ["RZC", ft.name, "South West", "Community Trust"],
                               ["RZH", nhs.name, "South West", "Acute"]]),
        ("All data", rows)])
    trusts = {t.code: t for t in read_tac(path).trusts}
    assert trusts["RZC"].sector == "foundation_trust" and trusts["RZH"].sector == "nhs_trust"
    assert trusts["RZH"].provider_type == "Acute" and trusts["RZC"].provider_type == ""
    assert trusts["RZC"].suggested_form == "community_only"


def test_text_in_a_value_cell_is_reported_at_its_cell(tmp_path):
    from tests.tac_fixtures import long_rows, write_xlsx

    spec = TrustSpec("RZT", "Text NHS Trust", "London", "nhs_trust", default_values(13, 2023))
    rows = [["OrganisationName", "WorkSheetName", "TableID", "MainCode", "RowNumber", "SubCode", "Total"]]
    rows += [list(r) for r in long_rows([spec], 2023)]
    at = next(i for i, r in enumerate(rows) if r[3] == "A08CY01" and r[5] == "EXP0250")
    rows[at][6] = "n/a"
    rows.append([None, "TAC02 SoCI", 1, "A02CY01", 9, "SCI0100A", 5])  # a row without an organisation
    path = write_xlsx(tmp_path / "TAC_2023-24.xlsx", [
        ("List of Providers", [["Organisation Code", "Organisation Name"], ["RZT", spec.name]]),
        ("All data", rows)])
    result = read_tac(path)
    assert any(p.cell == f"G{at + 1}" and "'n/a' is not a number" in p.message for p in result.problems)
    assert _row(result, "RZT")["depreciation_gbp_k"] == spec.values["EXP0240"]  # the other line still counts
    assert [t.code for t in result.trusts] == ["RZT"]


def test_published_layout_is_read_to_the_thousand(tmp_path):
    """NHS England's layout as users report it: a titled List of Providers headed 'Full name of
    Provider', 'NHS code', ...; 'All Data'; ' Total ' with spaces; decimal £000; prior-year rows."""
    from strandrisk.io.spreadsheets.load import load_inputs

    ft, nhs = _trusts(2023)
    path = write_tac_workbook(tmp_path / "tac_2023-24.xlsx", 2023, ft + nhs, published=True)
    result = read_tac(path)
    assert {t.code for t in result.trusts} == {t.code for t in ft + nhs}
    for spec in ft + nhs:
        row = _row(result, spec.code)
        for key, value in _expected_register(spec.values).items():
            assert abs(row[key] - value) <= 1.0, (spec.code, key, row[key], value)
        assert row["vehicle"] == spec.sector
        cash = {r["period_end"]: r["cash_gbp_k"] for r in result.tables["cash_balances"].records()
                if r["provider_code"] == spec.code}
        assert abs(cash[dt.date(2024, 3, 31)] - spec.values["CCE0080"]) <= 1.0
    assert {"OrganisationName", "MainCode", "SubCode", "Total"} <= set(result.sheets[0].mapping)
    loaded = load_inputs([path])
    assert loaded.inputs.providers.n_rows == len(ft + nhs)
    assert not loaded.has_errors, [str(p) for p in loaded.problems if p.severity == "error"]
