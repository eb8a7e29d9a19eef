"""The Bridges sheet: per provider, what the shift's effect and integration's advantage are made of.

Every effect is a formula on the Model sheet's component rows (the sum over the horizon of run minus
no-shift twin, or integrated minus acute-only, signed by core/bridges.py's COMPONENT_SIGN), so the
bridges recalculate with the model. The totals sit beside the engine's own figures (shift impact, the
difference in cumulative surplus and each component's effect) with the difference; the name
``check_bridges_max_abs_diff_gbp_k`` holds the largest. Waterfall charts are stacked columns over an
invisible base, one colour for what adds to surplus and one for what takes from it.
"""

from __future__ import annotations

import math

import numpy as np
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.legend import LegendEntry
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.pagebreak import Break

from ...core.bridges import COMPONENT_ASSUMPTIONS, COMPONENT_LABELS, COMPONENT_SIGN, COMPONENTS
from ...core.labels import BRIDGE_COLOURS, excel_colour
from .styles import SheetWriter, chart_title, col, title_rows

WATERFALL_PROVIDERS = 6  # providers charted; the tables cover every modelled provider
# adds to surplus, takes from it, the total: the app's waterfall colours
UP, DOWN, TOTAL = (excel_colour(BRIDGE_COLOURS[k]) for k in ("increase", "decrease", "total"))
ASSUMPTION_CHARS, ASSUMPTION_LINE = 72, 11.5  # characters a line of the assumptions column holds; its points
SHOWN = 0.05  # £000: a component whose effect is smaller is left out of the waterfall (it stays in the table)

# the three bridges of a provider: (key, heading)
BRIDGES = (("shift_acute_only", "Shift bridge, acute-only"), ("shift_integrated", "Shift bridge, integrated"),
           ("form", "Form bridge: integrated minus acute-only"))
SHORT = {"shift_acute_only": "shift, acute-only", "shift_integrated": "shift, integrated", "form": "form"}
TOTAL_LABELS = {"shift_acute_only": "Shift impact, acute-only", "shift_integrated": "Shift impact, integrated",
                "form": "Integrated minus acute-only"}
# columns: A component, B-D the three bridges, E what drives it; G-I the engine's, J-L the differences;
# N onwards the waterfall chart data
EFFECT_COL, ENGINE_COL, DIFF_COL, CHART_COL = 2, 7, 10, 14
DIFFS = "bridges_check_diffs"  # named range of the difference columns, defined once the rows are known
CHART_ANCHORS = ("A", "D", "F")  # three waterfalls side by side under the table
CHART_FIELDS = ("Step", "Effect", "Running total", "Base above 0", "Base below 0", "Adds to surplus",
                "Adds, below 0", "Takes from surplus", "Takes, below 0", "Total")


def engine_bridges(result, p: int) -> dict[str, dict[str, float]]:
    """The engine's three bridges of provider p, by the keys of BRIDGES."""
    return {"shift_acute_only": result.shift_bridge("acute_only", p),
            "shift_integrated": result.shift_bridge("integrated", p),
            "form": result.form_bridge(p)}


def engine_totals(result, p: int) -> dict[str, float]:
    """The figures each bridge adds up to: shift impact per form and the difference in cumulative surplus."""
    ao, it = result.forms["acute_only"], result.forms["integrated"]
    return {"shift_acute_only": float(ao["shift_impact_gbp_k"][p]),
            "shift_integrated": float(it["shift_impact_gbp_k"][p]),
            "form": float(it["cumulative_surplus_gbp_k"][p] - ao["cumulative_surplus_gbp_k"][p])}


def charted_providers(result, modelled: list[int]) -> list[int]:
    """Every modelled provider when few; else those whose forms differ most in cumulative surplus."""
    if len(modelled) <= WATERFALL_PROVIDERS:
        return list(modelled)
    ao, it = result.forms["acute_only"], result.forms["integrated"]
    gap = np.abs(it["cumulative_surplus_gbp_k"] - ao["cumulative_surplus_gbp_k"])
    return sorted(sorted(modelled, key=lambda p: -float(gap[p]))[:WATERFALL_PROVIDERS])


def write_bridges_sheet(w: SheetWriter, ctx, rows) -> None:
    """Fill the Bridges sheet (created in its place among the sheets) once the Model sheet's rows are known."""
    result, sy = ctx.result, ctx.sy
    w.widths([34, 15, 15, 17, 58, 3, 12, 12, 12, 10, 10, 10, 3, 24] + [10] * (len(CHART_FIELDS) - 1))
    w.page("Bridges", ctx.name)
    title_rows(w, ctx, "Bridges: what each figure is made of",
               "Each effect is the sum over the horizon of one component on the Model sheet: the run minus the same "
               "years with no shift (shift bridge), or integrated minus acute-only (form bridge). Positive adds to "
               "cumulative surplus.")
    if not ctx.modelled:
        w.append([w.cell("No provider is modelled in both forms: there is nothing to bridge.", "note")])
        return
    w.append([w.cell("Largest difference from the engine's bridges (£000)", "bold"), None, None,
              w.formula(f"MAX(MAX({DIFFS}),-MIN({DIFFS}))", "check")])
    wb = w.ws.parent
    wb.defined_names["check_bridges_max_abs_diff_gbp_k"] = DefinedName(
        "check_bridges_max_abs_diff_gbp_k", attr_text=f"Bridges!$D${w.row}")
    community = [p for p in range(ctx.P) if p not in set(ctx.modelled)]
    if community:
        w.append([w.cell(f"{len(community)} community-only provider(s) are left out: they are modelled in one "
                         f"form only.", "note")])
    charted = set(charted_providers(result, ctx.modelled))
    first_table = w.row + 1
    scenario = result.scenario
    for n, p in enumerate(ctx.modelled):
        if n:
            w.ws.row_breaks.append(Break(id=w.row))  # one provider to a printed page
        w.blank()
        w.append([w.text(f"{sy.provider_code[p]} {sy.provider_name[p]}", "subtitle")])
        head = [w.cell("Component", "head_left")] + [w.cell(h, "head") for _, h in BRIDGES] \
            + [w.cell("Assumptions behind it (this run)", "head_left"), None] \
            + [w.cell(f"Engine: {SHORT[key]}", "head") for key, _ in BRIDGES] \
            + [w.cell(f"Difference: {SHORT[key]}", "head") for key, _ in BRIDGES]
        charting = p in charted
        if charting:
            head += [None, w.cell("Waterfall chart data (formulas on the effects)", "note")]
        header_row = w.append(head, height=40)
        engine = engine_bridges(result, p)
        first = header_row + 1
        chart_rows = {key: [] for key, _ in BRIDGES}
        for i, name in enumerate(COMPONENTS):
            r = first + i
            cells = [w.text(COMPONENT_LABELS[name])]
            for key, _ in BRIDGES:
                cells.append(w.formula(_effect(rows, key, p, name), "money"))
            words = _assumption_words(scenario, name)
            cells += [w.text(words, "note_wrap"), None]
            cells += [w.cell(_fnum(engine[key][name]), "money") for key, _ in BRIDGES]
            cells += [w.formula(f"{col(EFFECT_COL + b)}{r}-{col(ENGINE_COL + b)}{r}", "ratio")
                      for b in range(len(BRIDGES))]
            w.append(cells, height=ASSUMPTION_LINE * math.ceil(len(words) / ASSUMPTION_CHARS) + 1
                     if len(words) > ASSUMPTION_CHARS else None)
            for key, _ in BRIDGES:
                if abs(engine[key][name]) >= SHOWN:
                    chart_rows[key].append(r)
        total = first + len(COMPONENTS)
        last = total - 1
        totals = engine_totals(result, p)
        w.append([w.cell("Total", "bold")]
                 + [w.formula(f"SUM({col(EFFECT_COL + b)}{first}:{col(EFFECT_COL + b)}{last})", "money_bold")
                    for b in range(len(BRIDGES))]
                 + [w.text("adds up to the figure below", "note"), None]
                 + [w.cell(_fnum(sum(engine[key].values())), "money") for key, _ in BRIDGES]
                 + [w.formula(f"{col(EFFECT_COL + b)}{total}-{col(ENGINE_COL + b)}{total}", "ratio")
                    for b in range(len(BRIDGES))])
        w.append([w.cell("Engine's figure it adds up to", "bold")]
                 + [w.cell(_fnum(totals[key]), "money") for key, _ in BRIDGES]
                 + [w.text("the Summary's shift impact; the Comparison's cumulative surplus", "note"), None]
                 + [None] * len(BRIDGES)
                 + [w.formula(f"{col(EFFECT_COL + b)}{total}-{col(EFFECT_COL + b)}{total + 1}", "ratio")
                    for b in range(len(BRIDGES))])
        if charting:
            _waterfalls(w, ctx, p, chart_rows, total, engine)
    w.ws.print_area = f"A1:{col(DIFF_COL + len(BRIDGES) - 1)}{w.row}"  # the chart data stay off the page
    wb.defined_names[DIFFS] = DefinedName(
        DIFFS, attr_text=f"Bridges!${col(DIFF_COL)}${first_table}:${col(DIFF_COL + len(BRIDGES) - 1)}${w.row}")


def _effect(rows, key: str, p: int, name: str) -> str:
    """The signed sum over the horizon of one component: run minus twin, or integrated minus acute-only."""
    if key == "form":
        a, b = rows.run[("integrated", p)][name], rows.run[("acute_only", p)][name]
    else:
        form = key.removeprefix("shift_")
        a, b = rows.run[(form, p)][name], rows.twin[(form, p)][name]
    diff = f"SUM({rows.year_range(a)})-SUM({rows.year_range(b)})"
    return diff if COMPONENT_SIGN[name] > 0 else f"-({diff})"


def _assumption_words(scenario, name: str) -> str:
    """The settings behind a component with this run's values; the service-line settings by name."""
    settings, lines = [], []
    for key in COMPONENT_ASSUMPTIONS.get(name, ()):
        value = scenario.values.get(key)
        if value is None or isinstance(value, dict):
            lines.append(key)
        else:
            settings.append(f"{key} {_setting(value)}")
    return "; ".join(([", ".join(settings)] if settings else []) + ([f"service lines' {', '.join(lines)}"]
                                                                   if lines else []))


def _setting(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _fnum(x):
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _waterfalls(w: SheetWriter, ctx, p: int, chart_rows: dict, total_row: int, engine: dict) -> None:
    """Chart data beside the table (every value a formula on the effects) and the three waterfalls under it."""
    # chart data: one block of rows under the table per bridge, in the columns from CHART_COL
    sy = ctx.sy
    anchor_row = w.row + 2
    blocks = []
    w.blank()
    for b, (key, heading) in enumerate(BRIDGES):
        effect_col = col(EFFECT_COL + b)
        steps = chart_rows[key]
        start = w.row + 2
        w.append([None] * (CHART_COL - 1) + [w.cell(f"{heading}: chart data", "note")])
        w.append([None] * (CHART_COL - 1) + [w.cell(h, "head") for h in CHART_FIELDS], height=26)
        for i, src in enumerate(steps + [total_row]):
            r = w.row + 1
            c = {f: col(CHART_COL + j) for j, f in enumerate(CHART_FIELDS)}
            is_total = src == total_row
            label = f"=A{src}" if not is_total else None
            effect = f"{effect_col}{src}"
            prev = "0" if i == 0 else f"{c['Running total']}{r - 1}"
            end = f"{c['Running total']}{r}"
            lo, hi = f"MIN({prev},{end})", f"MAX({prev},{end})"

            def part(sign_test):
                return (f"IF({sign_test},MAX(0,{hi})-MAX(0,{lo}),0)", f"IF({sign_test},MIN(0,{lo})-MIN(0,{hi}),0)")

            if is_total:
                cells = [w.text(TOTAL_LABELS[key]), w.formula(effect, "money0"), w.formula(prev, "money0")]
                cells += [w.cell(0, "money0")] * 6 + [w.formula(effect, "money0")]
            else:
                up, down = part(f"{effect}>0"), part(f"{effect}<0")
                cells = [w.formula(label), w.formula(effect, "money0"), w.formula(f"{prev}+{effect}", "money0"),
                         w.formula(f"IF({lo}>0,{lo},0)", "money0"), w.formula(f"IF({hi}<0,{hi},0)", "money0"),
                         w.formula(up[0], "money0"), w.formula(up[1], "money0"),
                         w.formula(down[0], "money0"), w.formula(down[1], "money0"), w.cell(0, "money0")]
            w.append([None] * (CHART_COL - 1) + cells)
        blocks.append((key, heading, start, w.row))
    for b, (key, heading, head_row, last) in enumerate(blocks):
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.gapWidth = 40
        chart_title(chart, f"{sy.provider_code[p]}: {heading} (£000)", 1000)
        chart.add_data(Reference(w.ws, min_col=CHART_COL + 3, max_col=CHART_COL + len(CHART_FIELDS) - 1,
                                 min_row=head_row, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(w.ws, min_col=CHART_COL, min_row=head_row + 1, max_row=last))
        fills = [None, None, UP, UP, DOWN, DOWN, TOTAL]
        for s, fill in zip(chart.series, fills):
            if fill is None:
                s.graphicalProperties.noFill = True
                s.graphicalProperties.line.noFill = True
            else:
                s.graphicalProperties.solidFill = fill
                s.graphicalProperties.line.solidFill = fill
        # the legend keeps one entry per colour: adds, takes, total
        chart.legend.legendEntry = [LegendEntry(idx=i, delete=True) for i in (0, 1, 3, 5)]
        chart.legend.position = "b"
        running = np.cumsum([0.0] + [engine[key][name] for name in COMPONENTS])
        if running.max() <= 0:  # keep zero on the axis: the total is read against it
            chart.y_axis.scaling.max = 0
        if running.min() >= 0:
            chart.y_axis.scaling.min = 0
        chart.y_axis.numFmt = "#,##0;(#,##0)"
        chart.y_axis.title = "£000"
        chart.y_axis.delete = False
        chart.x_axis.delete = False
        chart.x_axis.tickLblPos = "low"
        chart.width, chart.height = 11.5, 9
        w.ws.add_chart(chart, f"{CHART_ANCHORS[b]}{anchor_row}")
    w.blank(max(0, anchor_row + 19 - w.row))
