"""Issue 21's awkward but ordinary workbook, written by a tester, not by the matcher's author.

A finance team's register says how each trust is to be modelled in a "Model as" column (Acute /
Community / Integrated) and heads its community sheet "Service", "Acute partner", "POD affected",
"Contract" (Capitated / Block) and "Budget £000", with no service id. Each of these needed a manual
fix on the Data page; none should.
"""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from strandrisk.core import schema
from strandrisk.io.spreadsheets.load import load_inputs

MONEY_OR_NUMBER = (schema.MONEY, schema.NUMBER, schema.COUNT, schema.SHARE, schema.YEARS)


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    path = tmp_path_factory.mktemp("awkward") / "Board model inputs v7 FINAL.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Trusts"
    ws.append(["Org code", "Trust name", "Model as", "Income £000", "Expenditure £000", "Depreciation £000"])
    ws.append(["RQ1", "Northgate Hospitals NHS FT", "Acute", 412345, 405120, 14230])
    ws.append(["RQ2", "Eastmere University Hospitals", "Integrated", 298760, 301450, 9870])
    ws.append(["RQ3", "Westshire Community Health", "Community", 88400, 87100, 2100])
    cash = wb.create_sheet("Cash")
    cash.append(["Org code", "Month end", "Cash £000"])
    for code, value in (("RQ1", 42150), ("RQ2", 15300), ("RQ3", 6100)):
        cash.append([code, "31/03/2026", value])
    community = wb.create_sheet("Community")
    community.append(["Service", "Acute partner", "POD affected", "Contract", "Budget £000"])
    community.append(["Frailty virtual ward", "RQ1", "Non-elective", "Capitated", 12400])
    community.append(["Community diabetes service", "RQ1", "Outpatients", "Block", 3150])
    community.append(["Urgent community response", "RQ2", "A&E", "Block", 5820])
    wb.save(path)
    return load_inputs([path])


def _sheet(result, name):
    return next(s for s in result.sheets if s.sheet == name)


def test_a_model_as_column_is_read_as_the_form(awkward):
    trusts = _sheet(awkward, "Trusts")
    assert trusts.mapping.get("Model as") == "form"
    forms = {r["provider_code"]: r["form"] for r in awkward.inputs.providers.records()}
    assert forms == {"RQ1": "acute_only", "RQ2": "integrated", "RQ3": "community_only"}


@pytest.mark.parametrize("header", ["Model as", "Modelled as", "Type of trust", "Model as (Acute/Community)"])
def test_model_as_headers_name_the_form(header):
    from strandrisk.io.spreadsheets import mapping as mp

    assert mp.match_header("providers", header) == "form"


def test_a_community_sheet_headed_as_finance_teams_write_it_is_recognised_without_help(awkward):
    community = _sheet(awkward, "Community")
    assert community.kind == "community_budgets"
    assert community.mapping.get("Budget £000") == "annual_budget_gbp_k"
    assert community.mapping.get("Acute partner") == "acute_provider_code"
    assert community.mapping.get("POD affected") == "affected_service_line"
    rows = awkward.inputs.community_budgets.records()
    assert sorted(r["annual_budget_gbp_k"] for r in rows) == pytest.approx([3150, 5820, 12400])
    assert sorted(r["acute_provider_code"] for r in rows) == ["RQ1", "RQ1", "RQ2"]
    assert {r["affected_service_line"] for r in rows} == {"non_elective", "outpatients", "a_and_e"}


def test_an_unused_text_column_is_never_hinted_as_a_money_or_number_field(awkward):
    community = _sheet(awkward, "Community")
    if community.mapping.get("Contract") == "payment_type":
        return  # read by its values as the payment type: better than a hint
    assert "Contract" not in community.mapping
    said = [p for p in awkward.problems if p.sheet == "Community" and "'Contract'" in p.message]
    assert said, "an unused column must still be warned about"
    numeric = [c for c in schema.COMMUNITY_BUDGETS.columns if c.type in MONEY_OR_NUMBER]
    for problem in said:
        assert not any(c.label in problem.message for c in numeric), problem.message


def test_nothing_in_the_awkward_workbook_is_an_error(awkward):
    assert [str(p) for p in awkward.problems if p.severity == "error"] == []
