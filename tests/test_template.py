"""The template is derived from core/schema.py, and a filled-in template round-trips."""

import datetime as dt

import numpy as np
import pytest
from openpyxl import load_workbook

from strandrisk.cli import main
from strandrisk.core import schema
from strandrisk.core.results import run_deterministic
from strandrisk.core.scenario import Scenario
from strandrisk.io.spreadsheets.load import load_inputs
from strandrisk.io.spreadsheets.template import write_template

from . import worked_example as we


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return write_template(tmp_path_factory.mktemp("t") / "template.xlsx")


def test_template_layout_comes_from_the_schema(template):
    wb = load_workbook(template)
    assert wb.sheetnames == ["Instructions"] + [k.sheet for k in schema.INPUT_KINDS]
    for kind in schema.INPUT_KINDS:
        ws = wb[kind.sheet]
        headers = [c.value for c in ws[1]]
        assert headers == ["Row type"] + [c.header for c in kind.columns]
        assert ws["A2"].value == "Example"
        lists = {str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in ws.data_validations.dataValidation}
        for j, col in enumerate(kind.columns, start=2):
            letter = ws.cell(1, j).column_letter
            if col.type == schema.ENUM:
                assert lists[letter] == '"' + ",".join(col.allowed) + '"'
            if col.type == schema.MONEY:
                assert ws.column_dimensions[letter].number_format == "#,##0;(#,##0)"
            if col.help:
                assert col.help in ws.cell(1, j).comment.text
    text = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert "Example" in text and all(k.help in text for k in schema.INPUT_KINDS)


def test_blank_template_imports_nothing_and_skips_examples(template):
    result = load_inputs([template])
    assert all(t.n_rows == 0 for t in result.inputs.tables().values())
    errors = [p.message for p in result.problems if p.severity == "error"]
    # nothing wrong in it, but nothing the model can run on: the only errors say what kind is missing
    assert len(errors) == 2 and errors[0].startswith("no providers in the files read (")
    assert errors[1].startswith("no cash balances with dates in the files read (")
    assert all(any("example row 2 skipped" in n for n in s.notes) for s in result.sheets if s.kind)


def test_filled_template_round_trips_to_the_worked_example(template, tmp_path):
    wb = load_workbook(template)
    data = {"providers": we.PROVIDERS, "cash_balances": we.CASH, "block_contracts": we.CONTRACTS,
            "community_budgets": we.SERVICES}
    for kind in schema.INPUT_KINDS:
        ws = wb[kind.sheet]
        for rec in data[kind.key]:
            row = [None]
            for col in kind.columns:
                value = rec.get(col.name)
                if col.type == schema.FY and value is not None:
                    value = f"{value}/{(value + 1) % 100:02d}"
                if isinstance(value, dt.date):
                    value = dt.datetime(value.year, value.month, value.day)
                row.append(value)
            ws.append(row)
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    result = load_inputs([filled])
    assert not result.has_errors, [str(p) for p in result.problems]
    got = run_deterministic(result.inputs, Scenario.from_dict({"base_year": "2025/26"}))
    for form, expected in we.EXPECTED.items():
        np.testing.assert_allclose(got.forms[form]["cash_gbp_k"][0], expected["cash_gbp_k"], atol=0.051)
        np.testing.assert_allclose(got.forms[form]["stranded_cost_gbp_k"][0], expected["stranded_cost_gbp_k"],
                                   atol=0.051)


def test_template_command(tmp_path, capsys):
    assert main(["template", str(tmp_path / "t.xlsx")]) == 0
    assert (tmp_path / "t.xlsx").exists()
    assert main(["check", str(tmp_path / "t.xlsx")]) == 1  # blank: the model cannot run on it


def test_help_tables_are_derived_from_the_schema():
    from strandrisk.io.helptext import import_help_markdown, input_kinds_markdown

    tables = input_kinds_markdown()
    for kind in schema.INPUT_KINDS:
        assert f"### {kind.sheet}" in tables
        for col in kind.columns:
            assert f"| {col.header} | {col.name} |" in tables
    page = import_help_markdown()
    assert "{{" not in page and "Block contracts" in page and "`pod`" in page
