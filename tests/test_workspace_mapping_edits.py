"""Mapping and value fixes in the Qt-free workspace: named edits on the undo stack that put back exactly the
previous import, the user's decisions told apart from the matcher's, and a problem at a heading explained."""

import openpyxl
import pytest

from strandrisk.workspace import CommandStack, Workspace, WorkspaceError


@pytest.fixture
def ws(tmp_path):
    wb = openpyxl.Workbook()
    reg = wb.active
    reg.title = "Register"
    reg.append(["ODS code", "Income", "Expenditure", "Capital programme plan review", "Notes"])
    reg.append(["ZA1", 100, 90, 5, "ok"])
    cash = wb.create_sheet("Cash")
    cash.append(["ODS code", "Period end", "Cash (£000)", "Comment"])
    cash.append(["ZA1", "31/03/2026", 10, "year end"])
    path = tmp_path / "register.xlsx"
    wb.save(path)
    ws = Workspace()
    ws.import_task([path]).run()
    return ws


def test_a_fix_is_one_named_edit_and_undo_puts_back_the_previous_import(ws):
    first = ws.imported
    assert ws.commands.count == 0  # adding files is not an edit on the stack
    ws.change_mapping("register.xlsx", "Register", "providers", "Notes", "provider_name").run()
    assert ws.commands.undo_text == "Map 'Notes' to Provider name"
    assert ws.inputs.providers.records()[0]["provider_name"] == "ok"
    second = ws.imported
    ws.confirm_mapping("register.xlsx", "Register", "Capital programme plan review").run()
    assert ws.commands.undo_text == "Confirm 'Capital programme plan review' as Capital expenditure"
    ws.commands.undo()
    assert ws.imported is second and not ws.decided_by_user("register.xlsx", "Register",
                                                            "Capital programme plan review")
    ws.commands.undo()
    assert ws.imported is first and ws.mapping is None and ws.inputs is first.inputs
    ws.commands.redo()
    assert ws.imported is second and ws.decided_by_user("register.xlsx", "Register", "Notes")


def test_the_users_decisions_are_told_apart_from_the_matchers(ws):
    rep = ws.sheet_report("register.xlsx", "Register")
    assert rep.confidence["ODS code"] == 1.0 and not ws.decided_by_user("register.xlsx", "Register", "ODS code")
    ws.confirm_mapping("register.xlsx", "Register", "Notes").run()  # 'not an input'
    assert ws.decided_by_user("register.xlsx", "Register", "Notes")
    assert ws.mapping["sheets"][0]["columns"] == {"Notes": "ignore"}
    assert not any(p.cell == "E1" for p in ws.imported.problems)
    ws.change_value_mapping("vehicle", "Arm's length body", "new_entity").run()
    assert ws.value_decided_by_user("vehicle", "Arm's length body")
    assert not ws.value_decided_by_user("vehicle", "Subsidiary company")
    with pytest.raises(WorkspaceError, match="no column"):
        ws.confirm_mapping("register.xlsx", "Register", "Not a header")


def test_changing_a_sheets_kind_drops_column_choices_of_the_old_kind(ws):
    ws.change_mapping("register.xlsx", "Cash", "cash_balances", "Comment", "period_end").run()
    ws.change_mapping("register.xlsx", "Cash", None, None, None).run()
    assert ws.commands.undo_text == "Leave sheet 'Cash' out"
    ws.change_mapping("register.xlsx", "Cash", "providers", None, None).run()  # would not load if kept
    assert ws.commands.undo_text == "Read sheet 'Cash' as Providers"
    sheet = next(s for s in ws.mapping["sheets"] if s["sheet"] == "Cash")
    assert sheet.get("columns", {}) == {}


def test_a_heading_cell_is_described_as_a_column_not_a_row(ws):
    weak = ws.describe_row("register.xlsx", "Register", "D1")
    assert weak.startswith("D1 is the heading of column D, 'Capital programme plan review' (not a row of data)")
    assert "Capital expenditure" in weak and "Confirm" in weak and "was not read" not in weak
    unused = ws.describe_row("register.xlsx", "Register", "E1")
    assert "'Notes'" in unused and "not read into the model" in unused and "Confirm" in unused
    assert ws.describe_row("register.xlsx", "Register", "A2").startswith("Register row 2: Provider code = ZA1")
    assert ws.header_at("register.xlsx", "Register", "A2") is None


def test_forgetting_a_topic_keeps_the_rest_and_the_saved_position():
    class Edit:
        def __init__(self, text, topic=""):
            self.text, self.topic = text, topic

        def do(self):
            pass

        def undo(self):
            pass

    stack = CommandStack()
    stack.do(Edit("scenario 1"))
    stack.do(Edit("map", "data"))
    stack.do(Edit("scenario 2"))
    stack.set_clean()
    stack.forget("data")
    assert [stack.undo_text, stack.count] == ["scenario 2", 2] and not stack.is_clean  # the saved state held it
    stack = CommandStack()
    stack.do(Edit("scenario 1"))
    stack.set_clean()
    stack.do(Edit("map", "data"))
    stack.forget("data")
    assert stack.is_clean and stack.count == 1
