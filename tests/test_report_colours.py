"""Issue 21: one colour per form everywhere. Every chart of the exported report and of the England screen
workbook colours its series itself (never the spreadsheet program's default palette), each form in its colour
from core/labels.FORM_COLOURS, as the app draws it; the bridges in the app's waterfall colours."""

from __future__ import annotations

import re
import zipfile
import xml.etree.ElementTree as ET

import pytest
from openpyxl import load_workbook

from strandrisk.cli import main
from strandrisk.core.labels import (BRIDGE_COLOURS, DETERMINISTIC_COLOUR, FORM_COLOURS, FORM_LABELS,
                                    TORNADO_LOW_COLOUR)
from tests.tac_fixtures import TrustSpec, screen_values, write_tac_workbook

NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}


def _hex(colour: str) -> str:
    return colour.lstrip("#").upper()


def _charts(path) -> list[tuple[str, list[dict]]]:
    """(chart title, its series) of every chart in the workbook; a series: its title as the sheet shows it,
    and the colours set on its fill, line and markers ("none" for no fill)."""
    book = load_workbook(path)

    def cell_text(formula: str) -> str:
        sheet, col, row = re.fullmatch(r"'?(.*?)'?!\$?([A-Z]+)\$?(\d+)", formula).groups()
        return str(book[sheet][f"{col}{row}"].value)

    found = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if n.startswith("xl/charts/chart")):
            root = ET.fromstring(z.read(name))
            title = "".join(t.text or "" for t in root.findall("c:chart/c:title//a:t", NS))
            series = []
            for ser in root.iter(f"{{{NS['c']}}}ser"):
                tx = ser.find("c:tx", NS)
                ref = tx.find("c:strRef/c:f", NS) if tx is not None else None
                text = cell_text(ref.text) if ref is not None else "".join(tx.itertext()) if tx is not None else ""
                colours = {}
                sp = ser.find("c:spPr", NS)
                if sp is not None:
                    fill = sp.find("a:solidFill/a:srgbClr", NS)
                    if fill is not None:
                        colours["fill"] = fill.get("val").upper()
                    elif sp.find("a:noFill", NS) is not None:
                        colours["fill"] = "none"
                    line = sp.find("a:ln/a:solidFill/a:srgbClr", NS)
                    if line is not None:
                        colours["line"] = line.get("val").upper()
                    elif sp.find("a:ln/a:noFill", NS) is not None:
                        colours["line"] = "none"
                marker = ser.find("c:marker/c:spPr/a:solidFill/a:srgbClr", NS)
                if marker is not None:
                    colours["marker"] = marker.get("val").upper()
                series.append({"title": text, "colours": colours})
            found.append((title, series))
    return found


def _form_of(series_title: str) -> str | None:
    """The one form a series is about, by its title ("ZA1 Acute-only", "Stranded cost integrated")."""
    named = [f for f, label in FORM_LABELS.items() if label.lower() in series_title.lower()]
    return named[0] if len(named) == 1 else None


def _check_forms(charts) -> dict[str, int]:
    counted = {form: 0 for form in FORM_COLOURS}
    for title, series in charts:
        for s in series:
            colours = {k: v for k, v in s["colours"].items() if v != "none"}
            assert s["colours"], f"{title}: series '{s['title']}' left to the default palette"
            form = _form_of(s["title"])
            if form is None:
                continue
            expected = _hex(DETERMINISTIC_COLOUR) if "deterministic" in s["title"] else _hex(FORM_COLOURS[form])
            assert colours and set(colours.values()) == {expected}, (title, s)
            counted[form] += 1
    return counted


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("colours") / "report.xlsx"
    assert main(["run", "--sample", "--simulations", "200", "--out", str(path)]) == 0
    return path


def test_every_report_chart_colours_each_form_as_the_app(report):
    charts = _charts(report)
    assert len(charts) >= 8
    counted = _check_forms(charts)
    assert counted["acute_only"] >= 10 and counted["integrated"] >= 10, counted
    by_title = {title: series for title, series in charts}
    stranded = by_title["Stranded cost by year, all modelled providers (£000)"]
    assert [s["colours"]["fill"] for s in stranded] == [_hex(FORM_COLOURS["acute_only"]),
                                                       _hex(FORM_COLOURS["integrated"])]
    tornado = next(series for title, series in charts if title.startswith("Tornado"))
    assert [s["colours"]["fill"] for s in tornado] == [_hex(TORNADO_LOW_COLOUR), _hex(FORM_COLOURS["acute_only"])]
    waterfall = next(series for title, series in charts if "Shift bridge" in title)
    fills = {s["title"]: s["colours"]["fill"] for s in waterfall}
    assert fills["Adds to surplus"] == _hex(BRIDGE_COLOURS["increase"])
    assert fills["Takes from surplus"] == _hex(BRIDGE_COLOURS["decrease"])
    assert fills["Total"] == _hex(BRIDGE_COLOURS["total"]) and fills["Base above 0"] == "none"


def test_the_england_screen_scatter_colours_each_form_as_the_app(tmp_path, capsys):
    trusts = [TrustSpec(f"R{i}A", f"Trust {i} Hospitals NHS Foundation Trust", "London", "foundation_trust",
                        screen_values(i, 2023, "acute"), "Acute") for i in range(1, 4)]
    tac = write_tac_workbook(tmp_path / "tac.xlsx", 2023, trusts, published=True)
    out = tmp_path / "screen.xlsx"
    assert main(["screen", str(tac), "--out", str(out)]) == 0
    capsys.readouterr()
    charts = _charts(out)
    counted = _check_forms(charts)
    assert counted["acute_only"] == 1 and counted["integrated"] == 1
