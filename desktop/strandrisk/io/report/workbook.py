"""The Excel report a finance director can audit (issue 4), written with openpyxl in write-only mode.

``write_report(result, path)`` writes the sheets of ``SHEETS`` to a temporary file beside the target
and moves it into place, so an existing report survives any failure. Text from input files is always
stored as string cells (see io/safe_text.py). The Model sheet (io/report/model_sheet.py) recalculates the
engine in Excel formulas and reconciles itself with the engine's values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import zipfile
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference, ScatterChart, Series
from openpyxl.worksheet.pagebreak import Break

from ... import __version__
from ...core.inputs import fy_label
from ...core.labels import FORM_LABELS, colour_hex, value_label
from ...core.scenario import (RATING_BAND_SETTINGS, SERVICE_LINE_SETTINGS, SETTINGS, UNCERTAIN_PARAMETERS,
                             distribution_mode, distribution_range)
from ...core.schema import KINDS_BY_KEY, MODELLED_FORMS
from ...core.simulation import TORNADO_METRIC_LABELS, TORNADO_METRICS
from ...core.status import STATUS_RULE_TEXT, statuses
from ...core.wording import in_sentence
from ..atomic import TargetNotWritable, atomic_path, save_workbook
from ..spreadsheets.matching import CONFIDENT
from .bridges_sheet import write_bridges_sheet
from .model_sheet import write_model_sheet
from .reading import reading
from .styles import SheetWriter, Styles, chart_title, col, header, title_rows

SHEETS = ("Summary", "Assumptions", "Results", "Comparison", "Bridges", "Sensitivity", "Monte Carlo", "Inputs",
          "Model")
PERCENTILES = (5, 10, 50, 90, 95)

# (metric key, column heading, style) of the yearly figures of MODEL.md section 7
YEARLY_COLUMNS = (
    ("income_gbp_k", "Income £000", "money"), ("cost_gbp_k", "Cost £000", "money"),
    ("stranded_cost_gbp_k", "Stranded cost £000", "money"), ("surplus_gbp_k", "Surplus £000", "money"),
    ("cash_gbp_k", "Cash £000", "money"), ("liquidity_days", "Liquidity days", "days"),
    ("ie_margin", "I&E margin", "percent"), ("capital_service_cover", "Capital service cover", "ratio"),
    ("sof_liquidity_days", "SOF liquidity days", "days"),
)
RATING_COLUMNS = (("rating_capital_service", "Rating: capital service"), ("rating_ie_margin", "Rating: I&E margin"),
                  ("rating_liquidity", "Rating: liquidity"), ("rating_finance", "Rating: finance"))


class ReportError(Exception):
    """The report cannot be written; the message is one line saying what to do."""


def write_report(result, path: Path, *, imported=None, input_paths=(), progress=None, cancel=None) -> None:
    """Write the Excel report of a run to ``path`` (an .xlsx), atomically."""
    path = Path(path)
    _refuse_inputs(result, path, input_paths)

    def step(fraction: float, message: str) -> None:
        if progress is not None:
            progress(max(0.0, min(1.0, fraction)), message)

    try:
        with atomic_path(path) as tmp:
            _write_workbook(result, tmp, imported, step, cancel)
    except TargetNotWritable as exc:
        raise ReportError(f"cannot write the report: {exc}") from exc
    except PermissionError:
        raise ReportError(f"cannot write the report: {path.name} is open in another program (Excel?) or "
                          f"read-only: close it or choose another name") from None
    except OSError as exc:  # chained: describe_failure names the reason (disk full, read-only drive...)
        raise ReportError(f"cannot write the report to {path}: {exc.strerror or exc}: choose another "
                          f"folder or free some space") from exc
    step(1.0, "Report written")


def _refuse_inputs(result, path: Path, input_paths) -> None:
    """Never overwrite an input: by full path when known, else by content (the inputs' SHA-256)."""
    target = path.resolve()
    for p in input_paths or ():
        if Path(p).resolve() == target:
            raise ReportError(f"refusing to write the report over an input file: {path.name}: choose another name")
    if target.is_file() and result.sources:
        hashes = {s.sha256 for s in result.sources}
        h = hashlib.sha256()
        with open(target, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        if h.hexdigest() in hashes:
            raise ReportError(f"refusing to write the report over an input file: {path.name}: choose another name")


def _write_workbook(result, tmp: Path, imported, step, cancel) -> None:
    wb = Workbook(write_only=True)
    try:
        _fill_workbook(wb, result, tmp, imported, step, cancel)
    except BaseException:
        _discard(wb)
        raise


def _discard(wb) -> None:
    """Close the sheets' streaming writers and delete their temporary files after a failure."""
    for ws in list(wb._sheets):
        writer = getattr(ws, "_writer", None)
        if writer is None:
            continue
        try:
            ws.close()
        except Exception:  # noqa: BLE001 - already failing; the original error is what matters
            pass
        try:
            writer.cleanup()
        except (OSError, ValueError):
            pass


def _fill_workbook(wb, result, tmp: Path, imported, step, cancel) -> None:
    styles = Styles(wb)
    tornado = result.tornado
    if tornado is None:
        step(0.02, "Working out the sensitivity")
        tornado = _compute_tornado(result)
    ctx = _Context(result, tornado, imported)
    writers = ((_summary, 0.05), (_assumptions, 0.08), (_results, 0.2), (_comparison, 0.3), (_bridges_place, 0.32),
               (_sensitivity, 0.38), (_monte_carlo, 0.5), (_inputs, 0.55))
    for fn, fraction in writers:
        _check_cancel(cancel)
        step(fraction, f"Writing {fn.__name__.strip('_').replace('_', ' ').title()}")
        fn(wb, styles, ctx)
    _check_cancel(cancel)
    rows = write_model_sheet(wb, styles, result, progress=lambda f, m: step(0.55 + 0.38 * f, m), cancel=cancel)
    step(0.94, "Writing Bridges")
    write_bridges_sheet(ctx.bridges, ctx, rows)
    step(0.97, "Saving")
    save_workbook(wb, tmp)


def _compute_tornado(result):
    from ...core.simulation import tornado as compute_tornado

    return compute_tornado(result.system, result.scenario)


def _check_cancel(cancel) -> None:
    if cancel is not None and cancel():
        from ...core.results import RunCancelled

        raise RunCancelled()


class _Context:
    """What every sheet needs, worked out once."""

    def __init__(self, result, tornado, imported):
        self.result = result
        self.tornado = tornado
        self.imported = imported
        sy = result.system
        self.sy = sy
        self.P = sy.n_providers
        self.H = sy.horizon
        self.years = result.years
        self.name = str(result.scenario.name)
        self.modelled = [p for p in range(self.P) if sy.form_actual[p] != "community_only"]
        self.run_date = dt.datetime.now().strftime("%d %B %Y %H:%M")


def _fnum(x):
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


# --- Summary ---------------------------------------------------------------------------------------

def _summary(wb, styles, ctx: _Context) -> None:
    r, sy, H = ctx.result, ctx.sy, ctx.H
    w = SheetWriter(wb, "Summary", styles)
    w.widths([17, 44, 16, 14, 14, 14, 14, 14, 13, 12, 10, 12])
    w.page("Summary", ctx.name)
    w.append([w.cell("StrandRisk: stranded-cost risk of acute-only and integrated providers", "title")])
    mc = r.monte_carlo
    facts = (("Scenario", ctx.name), ("Base year", fy_label(sy.base_year)),
             ("Horizon", f"{H} years ({ctx.years[0]} to {ctx.years[-1]})"), ("Run date", ctx.run_date),
             ("StrandRisk version", __version__),
             ("Simulations", f"{mc.simulations:,} (seed {mc.seed})" if mc is not None else "none (deterministic run)"),
             ("Money", "£000; negatives in brackets"))
    for label, value in facts:
        w.append([w.cell(label, "bold"), w.text(value)])
    w.append([w.cell("Model check", "bold"),
              w.formula('IF(check_max_abs_diff_gbp_k<=0.5,"reconciled: ","NOT reconciled: ")&check_cells_reconciled'
                        '&" figures recalculated on the Model sheet, largest difference £"'
                        '&TEXT(check_max_abs_diff_gbp_k*1000,"0.00")')])
    if ctx.modelled:
        w.append([w.cell("Bridges check", "bold"),
                  w.formula('IF(check_bridges_max_abs_diff_gbp_k<=0.5,"reconciled","NOT reconciled")&": every bridge '
                            'on the Bridges sheet adds up to its shift impact or difference in cumulative surplus, '
                            'largest difference from the engine £"&TEXT(check_bridges_max_abs_diff_gbp_k*1000,"0.00")')])
    w.blank()
    w.append([w.cell("Reading", "subtitle")])
    for sentence in reading(r):
        w.append([None, w.text(sentence, "reading")], height=READING_LINE * max(1, math.ceil(len(sentence) / 150)) + 4)
        w.merge(2, 12)
    w.blank()
    w.append([w.cell("Per provider and form", "subtitle")])
    head = ["Code", "Provider", "Form", "NPV stranded cost £000", "Cumulative surplus £000",
            "Shift impact £000", "Lowest cash £000", "Lowest liquidity days", "Cash below minimum from",
            "Worst finance rating", "Status", "Break-even shift multiplier"]
    header(w, head)
    status = {form: statuses(r, form) for form in r.forms}
    for p in range(ctx.P):
        for form in r.provider_forms(p):
            m = r.forms[form]
            rating = np.nanmax(m["rating_finance"][p]) if not np.all(np.isnan(m["rating_finance"][p])) else np.nan
            be = r.break_even.get(form)
            be_value = _fnum(be[p]) if be is not None else None
            rag = int(rating) if not math.isnan(rating) else None
            w.append([w.text(sy.provider_code[p]), w.text(sy.provider_name[p]), w.cell(FORM_LABELS[form]),
                      w.cell(_fnum(m["npv_stranded_gbp_k"][p]), "money0"),
                      w.cell(_fnum(m["cumulative_surplus_gbp_k"][p]), "money0"),
                      w.cell(_fnum(m["shift_impact_gbp_k"][p]), "money0"),
                      w.cell(_nanmin(m["cash_gbp_k"][p]), "money0"),
                      w.cell(_nanmin(m["liquidity_days"][p]), "days"),
                      w.cell(r.first_liquidity_risk_year(form, p) or "never", "text_right"),
                      w.cell(rag, f"rag{rag}" if rag else "text"),
                      w.cell(str(status[form][p]), STATUS_STYLES[str(status[form][p])]),
                      w.cell(be_value, "mult") if be_value is not None
                      else w.cell("none" if form in r.break_even else "n/a", "text_right")])
    w.append([None, w.text(f"Status: {STATUS_RULE_TEXT}", "note")])
    w.blank()
    w.append([w.cell("Integrated minus acute-only", "subtitle")])
    header(w, ["Code", "Provider", "", "NPV stranded cost £000", "Cumulative surplus £000", "Lowest cash £000",
                "Lowest liquidity days"])
    ao, it = r.forms["acute_only"], r.forms["integrated"]
    for p in ctx.modelled:
        w.append([w.text(sy.provider_code[p]), w.text(sy.provider_name[p]), None,
                  w.cell(_fnum(it["npv_stranded_gbp_k"][p] - ao["npv_stranded_gbp_k"][p]), "money0"),
                  w.cell(_fnum(it["cumulative_surplus_gbp_k"][p] - ao["cumulative_surplus_gbp_k"][p]), "money0"),
                  w.cell(_diff(_nanmin(it["cash_gbp_k"][p]), _nanmin(ao["cash_gbp_k"][p])), "money0"),
                  w.cell(_diff(_nanmin(it["liquidity_days"][p]), _nanmin(ao["liquidity_days"][p])), "days")])
    _what_matters(w, ctx)
    _uncertainty_summary(w, ctx)
    w.ws.row_breaks.append(Break(id=w.row))  # the charts start a new page
    w.append([w.cell("System totals by year (modelled providers)", "subtitle")])
    head_row = header(w, ["Year", "", "Stranded cost acute-only", "Stranded cost integrated",
                           "Cash acute-only", "Cash integrated"])
    idx = np.array(ctx.modelled, dtype=np.int64)
    for t, year in enumerate(ctx.years):
        w.append([w.cell(year), None] + [w.cell(float(np.nansum(r.forms[f][k][idx, t])), "money0")
                                         for k in ("stranded_cost_gbp_k", "cash_gbp_k") for f in MODELLED_FORMS])
    last = w.row
    anchor = last + 2
    bar = BarChart()
    bar.type = "col"
    bar.grouping = "clustered"
    chart_title(bar, "Stranded cost by year, all modelled providers (£000)")
    bar.y_axis.title = "£000"
    bar.y_axis.numFmt = "#,##0"
    bar.y_axis.delete = False
    bar.x_axis.delete = False
    bar.legend.position = "b"
    bar.add_data(Reference(w.ws, min_col=3, max_col=4, min_row=head_row, max_row=last), titles_from_data=True)
    bar.set_categories(Reference(w.ws, min_col=1, min_row=head_row + 1, max_row=last))
    _form_colours(bar.series, MODELLED_FORMS, fill=True)
    _size(bar)
    w.ws.add_chart(bar, f"A{anchor}")
    cash = _line_chart("Cash, all modelled providers (£000)", "£000")
    cash.add_data(Reference(w.ws, min_col=5, max_col=6, min_row=head_row, max_row=last), titles_from_data=True)
    cash.set_categories(Reference(w.ws, min_col=1, min_row=head_row + 1, max_row=last))
    _form_colours(cash.series, MODELLED_FORMS)
    w.ws.add_chart(cash, f"E{anchor}")
    w.blank(19)
    _shift_curves(w, ctx)
    series = [(p, f) for p in range(ctx.P) for f in r.provider_forms(p)]
    if len(series) > 16:  # too many lines to read: the Results sheet has every provider's cash
        return
    w.ws.row_breaks.append(Break(id=w.row))
    w.append([w.cell("Cash trajectories by provider and form (£000)", "subtitle")])
    cash_head = header(w, ["Code", "Provider", "Series"] + ctx.years[:8])
    for p, f in series:
        w.append([w.text(sy.provider_code[p]), w.text(sy.provider_name[p]),
                  w.text(f"{sy.provider_code[p]} {FORM_LABELS[f]}")]
                 + [w.cell(_fnum(x), "money0") for x in r.forms[f]["cash_gbp_k"][p, :8]])
    chart = _line_chart("Cash by provider and form (£000)", "£000")
    chart.add_data(Reference(w.ws, min_col=3, max_col=3 + min(ctx.H, 8), min_row=cash_head + 1, max_row=w.row),
                   from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(w.ws, min_col=4, max_col=3 + min(ctx.H, 8), min_row=cash_head))
    _form_colours(chart.series, [f for _p, f in series])
    providers = list(dict.fromkeys(p for p, _f in series))
    for s, (p, _f) in zip(chart.series, series):  # the colour says the form; the marker and dash the provider
        k = providers.index(p)
        s.marker.symbol = PROVIDER_MARKERS[k % len(PROVIDER_MARKERS)]
        s.marker.size = 6
        s.graphicalProperties.line.dashStyle = PROVIDER_DASHES[k // len(PROVIDER_MARKERS) % len(PROVIDER_DASHES)]
    chart.width, chart.height = 26, 11
    w.ws.add_chart(chart, f"A{w.row + 2}")


READING_LINE = 13.5  # points per line of a Reading sentence; about 150 characters fill a line of the merged cells
STATUS_STYLES = {"green": "rag1", "amber": "rag3", "red": "rag4"}
DRIVERS_NAMED = 3  # parameters named per metric in the Summary's "What matters most"


def _what_matters(w: SheetWriter, ctx: _Context) -> None:
    """The tornado's biggest drivers of each of the three figures, all modelled providers, acute-only."""
    if ctx.tornado is None or not ctx.modelled:
        return
    rows = _system_tornado(ctx.tornado, ctx.modelled)
    w.blank()
    w.append([w.cell("What matters most (tornado, all modelled providers, acute-only; Sensitivity sheet)", "subtitle")])
    header(w, ["Figure", "Biggest drivers, each at the low and high end of its range: swing £000"])
    for metric in TORNADO_METRICS:
        ranked = sorted(rows, key=lambda row: -row[f"swing_{metric}"])[:DRIVERS_NAMED]
        words = "; ".join(f"{row['label']} {row[f'swing_{metric}']:,.0f}" for row in ranked)
        w.append([w.cell(TORNADO_METRIC_LABELS[metric], "bold"), w.text(words)])
        w.merge(2, 12)


def _uncertainty_summary(w: SheetWriter, ctx: _Context) -> None:
    """Monte Carlo P5 / P50 / P95 of the three figures per provider and form, the deterministic value beside."""
    r = ctx.result
    if r.monte_carlo is None:
        return
    w.blank()
    w.append([w.cell(f"Uncertainty: {r.monte_carlo.simulations:,} simulations (Monte Carlo sheet)", "subtitle")])
    w.append([None, w.text(_range_note(r.scenario), "note")])
    header(w, ["Code", "Provider", "Form", "Figure", "P5", "P50", "P95", "Deterministic", "Deterministic among them"])
    for p in range(ctx.P):
        for form in r.provider_forms(p):
            for label, pct, det in _distributions(r, form, p):
                i5, i50, i95 = (PERCENTILES.index(q) for q in (5, 50, 95))
                w.append([w.text(ctx.sy.provider_code[p]), w.text(ctx.sy.provider_name[p]),
                          w.cell(FORM_LABELS[form]), w.cell(label)]
                         + [w.cell(_fnum(pct[i]), "money0") for i in (i5, i50, i95)]
                         + [w.cell(_fnum(det), "money0_bold"), w.text(_where_among(det, pct), "text_right")])


CURVE_PROVIDERS = 8  # break-even curves drawn on the Summary; the app's Break-even tab has every provider
CURVE_STEP = 20  # every 20th grid point (0.2x) in the curve tables, plus each break-even itself


def _curve_providers(ctx: _Context) -> list[int]:
    """The providers whose break-even curve the Summary draws: every modelled one when few, else those
    with a real acute-only break-even first, then the lowest acute-only cumulative surplus."""
    r = ctx.result
    be = r.break_even["acute_only"]
    cum = r.forms["acute_only"]["cumulative_surplus_gbp_k"]
    ranked = sorted(ctx.modelled, key=lambda p: (not (be[p] > 0), float(cum[p])))
    return ranked[:CURVE_PROVIDERS]


def _shift_curves(w: SheetWriter, ctx: _Context) -> None:
    """Cumulative surplus against the shift multiplier (the engine's break-even grid), both forms, with
    today's assumptions (1x) and the break-even marked: a table and a chart per provider."""
    r, sy = ctx.result, ctx.sy
    curve = r.shift_curve
    if curve is None or not ctx.modelled:
        return
    w.ws.row_breaks.append(Break(id=w.row))
    w.append([w.cell("Break-even: cumulative surplus at each pace of the shift (£000)", "subtitle")])
    w.append([w.cell(f"Every shift rate multiplied by 0 (no shift) up to the value shown; 1x is this scenario. "
                     f"Cumulative surplus {ctx.years[0]} to {ctx.years[-1]}; the break-even is where it first "
                     f"falls below zero.", "note")])
    for p in _curve_providers(ctx):
        x, ys = curve.view(p, MODELLED_FORMS)
        be = {f: float(curve.break_even[f][p]) for f in MODELLED_FORMS}
        keep = np.zeros(len(x), dtype=bool)
        keep[::CURVE_STEP] = True
        keep[-1] = True
        for f in MODELLED_FORMS:
            keep |= np.isclose(x, be[f])
        w.blank()
        w.append([w.text(f"{sy.provider_code[p]} {sy.provider_name[p]}", "bold")])
        head = header(w, ["Shift multiplier", "", "Acute-only £000", "Integrated £000"])
        for i in np.flatnonzero(keep):
            w.append([w.cell(float(x[i]), "mult"), None] + [w.cell(_fnum(ys[f][i]), "money0") for f in MODELLED_FORMS])
        last = w.row
        marks = []
        for f in MODELLED_FORMS:
            today = float(np.interp(1.0, x, ys[f]))
            marks.append((f"{FORM_LABELS[f]} today (1x)", 1.0, today))
            if not math.isnan(be[f]):
                at = float(ys[f][int(np.argmin(np.abs(x - be[f])))])
                words = "already in deficit with no shift" if be[f] == 0 else f"break-even {be[f]:.2f}x"
                marks.append((f"{FORM_LABELS[f]} {words}", be[f], at))
        mark0 = w.row + 1
        for label, mx, my in marks:
            w.append([w.cell(mx, "mult"), w.text(label), w.cell(my, "money0")])
        chart = ScatterChart()
        chart.style = 13
        chart_title(chart, f"{sy.provider_code[p]}: cumulative surplus against the shift multiplier (£000)")
        chart.x_axis.title = "Shift rates as a multiple of today's"
        chart.y_axis.title = "£000"
        chart.y_axis.numFmt = "#,##0;(#,##0)"
        chart.x_axis.numFmt = '0.0"x"'
        chart.x_axis.scaling.min = 0
        chart.x_axis.scaling.max = float(x[-1])
        chart.x_axis.majorUnit = 0.5
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.x_axis.tickLblPos = "low"
        chart.legend.position = "b"
        xs = Reference(w.ws, min_col=1, min_row=head + 1, max_row=last)
        for c, f in ((3, "acute_only"), (4, "integrated")):
            series = Series(Reference(w.ws, min_col=c, min_row=head + 1, max_row=last), xs, title=FORM_LABELS[f])
            series.marker.symbol = "none"
            series.smooth = False
            series.graphicalProperties.line.solidFill = colour_hex(f)
            series.graphicalProperties.line.width = 28575
            chart.series.append(series)
        for i, (label, _mx, _my) in enumerate(marks):
            row = mark0 + i
            series = Series(Reference(w.ws, min_col=3, min_row=row), Reference(w.ws, min_col=1, min_row=row),
                            title=label)
            series.marker.symbol = "diamond" if "today" not in label else "circle"
            series.marker.size = 9
            colour = colour_hex("acute_only" if label.startswith(FORM_LABELS["acute_only"]) else "integrated")
            series.marker.graphicalProperties.solidFill = colour
            series.marker.graphicalProperties.line.solidFill = colour
            series.graphicalProperties.line.noFill = True
            chart.series.append(series)
        chart.width, chart.height = 22, 11
        w.ws.add_chart(chart, f"F{head}")
        w.blank(max(0, 23 - (w.row - head)))


PROVIDER_MARKERS = ("circle", "square", "triangle", "diamond", "x", "star", "plus", "dash")
PROVIDER_DASHES = ("solid", "dash")


def _form_colours(series, forms, fill: bool = False) -> None:
    """Each series in its form's colour (core/labels.FORM_COLOURS, as the app draws it): the line and
    markers, and for bars the fill; never the spreadsheet program's default palette."""
    from openpyxl.chart.shapes import GraphicalProperties

    for s, form in zip(series, forms):
        colour = colour_hex(form)
        s.graphicalProperties.line.solidFill = colour
        if fill:
            s.graphicalProperties.solidFill = colour
        else:
            s.graphicalProperties.line.width = 22225
            s.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
            s.marker.graphicalProperties.line.solidFill = colour


def _size(chart, width=15.5, height=8.5):
    chart.width, chart.height = width, height


def _line_chart(title: str, y_title: str) -> LineChart:
    chart = LineChart()
    chart_title(chart, title)
    chart.x_axis.tickLblPos = "low"
    chart.y_axis.title = y_title
    chart.y_axis.numFmt = "#,##0"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.legend.position = "b"
    _size(chart)
    return chart


def _nanmin(arr):
    arr = np.asarray(arr, dtype=float)
    return None if np.all(np.isnan(arr)) else float(np.nanmin(arr))


def _diff(a, b):
    return None if a is None or b is None else a - b


# --- Assumptions -----------------------------------------------------------------------------------

def _assumptions(wb, styles, ctx: _Context) -> None:
    sc = ctx.result.scenario
    w = SheetWriter(wb, "Assumptions", styles)
    w.widths([30, 16, 22, 12, 16, 80])
    w.page("Assumptions", ctx.name, freeze="A5")
    title_rows(w, ctx, "Assumptions")
    header(w, ["Setting", "Value", "Unit", "Default?", "Default value", "What it means"], "head_left")
    group = None
    for s in SETTINGS:
        if s.group != group:
            group = s.group
            w.append([w.cell(group, "section")] + [w.cell("", "section") for _ in range(5)])
        value = sc.values.get(s.key)
        if s.key == "base_year" and value is not None:
            value = fy_label(int(value))
        w.append([w.cell(s.label), _setting_cell(w, value, s.type), w.cell(s.unit),
                  w.cell("yes" if sc.is_default(s.key) else "no"), _setting_cell(w, s.default, s.type),
                  w.cell(s.help, "text_wrap")])
    w.blank()
    w.append([w.cell("Service lines", "subtitle"), None, None,
              w.cell(f"Default? {'yes' if sc.is_default('service_lines') else 'no'}", "note")])
    # three lines: 'Variable cost share (share of cost)' wraps so in its column
    w.append([w.cell(label, "head_left") for label in
              ["Service line"] + [f"{s.label} ({s.unit})" for s in SERVICE_LINE_SETTINGS]], height=39)
    for line, values in sc.service_lines.items():
        w.append([w.text(value_label(line))] + [w.cell(values[s.key], "percent") for s in SERVICE_LINE_SETTINGS])
    for s in SERVICE_LINE_SETTINGS:
        w.append([w.cell(s.label, "note"), None, None, None, None, w.cell(s.help, "note")])
    w.blank()
    w.append([w.cell("Finance rating bands", "subtitle"), None, None,
              w.cell(f"Default? {'yes' if sc.is_default('rating_bands') else 'no'}", "note")])
    header(w, ["Metric", "Rating 1 from", "Rating 2 from", "Rating 3 from", "Compared", "Unit"], "head_left")
    for key, spec in RATING_BAND_SETTINGS.items():
        th = sc.rating_bands[key]
        w.append([w.cell(spec["label"])] + [w.cell(x, "num") for x in th] + [w.cell(spec["comparison"]),
                                                                           w.cell(spec["unit"])])
    w.blank()
    w.append([w.cell("Uncertainty (Monte Carlo and tornado)", "subtitle"), None, None,
              w.cell(f"Default? {'yes' if sc.is_default('uncertainty') else 'no'}", "note")])
    header(w, ["Parameter", "Distribution", "Low", "Central", "High", "What it means"], "head_left")
    for key, spec in UNCERTAIN_PARAMETERS.items():
        dist = sc.uncertainty.get(key)
        if dist is None:
            continue
        low = dist.get("low", dist.get("mean"))
        high = dist.get("high")
        w.append([w.cell(spec["label"]), w.cell(dist["dist"]), w.cell(low, "num"),
                  w.cell(distribution_mode(dist), "num"), w.cell(high, "num"), w.cell(spec["help"], "text_wrap")])


def _setting_cell(w, value, kind):
    if isinstance(value, bool):
        return w.cell("yes" if value else "no")
    if value is None:
        return w.cell("(latest cash year)" if kind == "fy" else "")
    if kind in ("share", "rate") and isinstance(value, (int, float)):
        return w.cell(value, "percent")
    if isinstance(value, str):
        return w.text(value)
    return w.cell(value, "num")


# --- Results ---------------------------------------------------------------------------------------

def _results(wb, styles, ctx: _Context) -> None:
    r, sy = ctx.result, ctx.sy
    w = SheetWriter(wb, "Results", styles)
    ncols = 4 + len(YEARLY_COLUMNS) + len(RATING_COLUMNS) + 2
    w.widths([9, 40, 14, 9] + [12] * len(YEARLY_COLUMNS) + [10] * len(RATING_COLUMNS) + [9, 9])
    w.page("Results", ctx.name, header_rows="4:4", freeze="E5")
    title_rows(w, ctx, "Results by provider, form and year")
    header(w, ["Code", "Provider", "Form", "Year"] + [h for _, h, _ in YEARLY_COLUMNS]
            + [h for _, h in RATING_COLUMNS] + ["Liquidity risk", "Idle cash"])
    w.ws.auto_filter.ref = f"A4:{col(ncols)}{4 + sum(len(r.provider_forms(p)) for p in range(ctx.P)) * ctx.H}"
    for p in range(ctx.P):
        name = str(sy.provider_name[p])
        for form in r.provider_forms(p):
            m = r.forms[form]
            cols = [(m[k][p], style) for k, _, style in YEARLY_COLUMNS]
            ratings = [m[k][p] for k, _ in RATING_COLUMNS]
            risk, idle = m["liquidity_risk"][p], m["idle_cash"][p]
            for t, year in enumerate(ctx.years):
                row = [w.text(sy.provider_code[p]), w.text(name), w.cell(FORM_LABELS[form]), w.cell(year)]
                row += [w.cell(_fnum(a[t]), style) for a, style in cols]
                for a in ratings:
                    v = a[t]
                    row.append(w.cell(None) if math.isnan(v) else w.cell(int(v), f"rag{int(v)}"))
                row += [w.cell("yes" if risk[t] else "no"), w.cell("yes" if idle[t] else "no")]
                w.append(row)


# --- Comparison ------------------------------------------------------------------------------------

def _comparison(wb, styles, ctx: _Context) -> None:
    r, sy = ctx.result, ctx.sy
    w = SheetWriter(wb, "Comparison", styles)
    keys = YEARLY_COLUMNS[:6]
    w.widths([9, 36, 9] + [14] * len(keys))
    w.page("Comparison", ctx.name, header_rows="4:4", freeze="D5")
    title_rows(w, ctx, "Integrated minus acute-only, by provider and year")
    header(w, ["Code", "Provider", "Year"] + [h for _, h, _ in keys])
    w.ws.auto_filter.ref = f"A4:{col(3 + len(keys))}{4 + len(ctx.modelled) * ctx.H}"
    ao, it = r.forms["acute_only"], r.forms["integrated"]
    for p in ctx.modelled:
        diffs = [(it[k][p] - ao[k][p], style) for k, _, style in keys]
        for t, year in enumerate(ctx.years):
            w.append([w.text(sy.provider_code[p]), w.text(sy.provider_name[p]), w.cell(year)]
                     + [w.cell(_fnum(a[t]), style) for a, style in diffs])
    if not ctx.modelled:
        w.append([w.cell("No provider is modelled in both forms.", "note")])


# --- Bridges ---------------------------------------------------------------------------------------

def _bridges_place(wb, styles, ctx: _Context) -> None:
    """The Bridges sheet takes its place among the sheets now; it is filled after the Model sheet, whose
    component rows its formulas read."""
    ctx.bridges = SheetWriter(wb, "Bridges", styles)


# --- Sensitivity -----------------------------------------------------------------------------------

def _system_tornado(tor, modelled: list[int], form: str = "acute_only") -> list[dict]:
    """The tornado of all modelled providers added up: per parameter, each metric at its low and high end and
    its swing (the providers' rows of ``TornadoResult.ranked`` summed)."""
    rows: dict[str, dict] = {}
    for p in modelled:
        for row in tor.ranked(form, p):
            acc = rows.setdefault(row["parameter"], {"parameter": row["parameter"], "label": row["label"],
                                                     "low_value": row["low_value"], "high_value": row["high_value"]})
            for metric in TORNADO_METRICS:
                for end in ("low", "high"):
                    key = f"{metric}_{end}"
                    acc[key] = acc.get(key, 0.0) + (0.0 if math.isnan(row[key]) else row[key])
    out = list(rows.values())
    for row in out:
        for metric in TORNADO_METRICS:
            row[f"swing_{metric}"] = abs(row[f"{metric}_high"] - row[f"{metric}_low"])
    return out


def _tornado_base(tor, metric: str, form: str, idx) -> float:
    return float(np.nansum(np.asarray(tor.base(metric)[form])[idx]))


def _sensitivity(wb, styles, ctx: _Context) -> None:
    from ...core.labels import TORNADO_LOW_COLOUR, excel_colour

    sy, tor = ctx.sy, ctx.tornado
    w = SheetWriter(wb, "Sensitivity", styles)
    w.widths([9, 30, 28, 12, 12, 14, 14, 14, 14, 14, 14, 14, 14, 14])
    w.page("Sensitivity", ctx.name)
    title_rows(w, ctx, "Sensitivity (tornado)",
               "Each uncertain parameter at the low and high end of its range, the rest at their central values, "
               "ranked in turn by its swing in each of the three figures.")
    if tor is None or not ctx.modelled:
        w.append([w.cell("No sensitivity: no provider is modelled in both forms.", "note")])
        return
    idx = np.array(ctx.modelled)
    system_rows = _system_tornado(tor, ctx.modelled)
    for n_metric, metric in enumerate(TORNADO_METRICS):
        label = TORNADO_METRIC_LABELS[metric]
        base = _tornado_base(tor, metric, "acute_only", idx)
        if n_metric:
            w.ws.row_breaks.append(Break(id=w.row))
        w.append([w.cell(f"{label}: all modelled providers, acute-only form", "subtitle")])
        head = header(w, ["Rank", "Parameter", "", "Low value", "High value", f"{label} at low - base",
                          f"{label} at high - base", "Swing £000"])
        ranked = sorted(system_rows, key=lambda row: -row[f"swing_{metric}"])
        for rank, row in enumerate(ranked, start=1):
            w.append([w.cell(rank, "int"), w.text(row["label"]), None,
                      w.cell(_fnum(row["low_value"]), "num"), w.cell(_fnum(row["high_value"]), "num"),
                      w.cell(_fnum(row[f"{metric}_low"] - base), "money0"),
                      w.cell(_fnum(row[f"{metric}_high"] - base), "money0"),
                      w.cell(_fnum(row[f"swing_{metric}"]), "money0")])
        last = w.row
        w.append([None, w.cell(f"Base (every parameter at its central value): {label} {base:,.0f} (£000)", "note")])
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "clustered"
        chart.overlap = 100
        chart_title(chart, f"Tornado: change in {in_sentence(label)} (£000), all modelled providers, acute-only")
        chart.add_data(Reference(w.ws, min_col=6, max_col=7, min_row=head, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(w.ws, min_col=2, min_row=head + 1, max_row=last))
        for s, colour in zip(chart.series, (excel_colour(TORNADO_LOW_COLOUR), colour_hex("acute_only"))):  # as the app
            s.graphicalProperties.solidFill = colour
            s.graphicalProperties.line.solidFill = colour
        chart.y_axis.numFmt = "#,##0;(#,##0)"
        chart.y_axis.delete = False
        chart.x_axis.delete = False
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.crosses = "max"
        chart.x_axis.tickLblPos = "low"
        chart.legend.position = "b"
        chart.width, chart.height = 26, 9
        w.ws.add_chart(chart, f"B{w.row + 2}")
        w.blank(19)
    w.ws.row_breaks.append(Break(id=w.row))
    w.append([w.cell("By provider and form (ranked by the swing in NPV of stranded cost)", "subtitle")])
    provider_head = w.row + 1
    w.ws.print_title_rows = f"{provider_head}:{provider_head}"
    labels = [TORNADO_METRIC_LABELS[m] for m in TORNADO_METRICS]
    header(w, ["Code", "Provider", "Parameter", "Low value", "High value"]
           + [f"{lab} {end}" for lab in labels for end in ("at low", "at high", "swing")])
    for p in ctx.modelled:
        for form in MODELLED_FORMS:
            top = []
            for metric, lab in zip(TORNADO_METRICS, labels):
                first = tor.ranked(form, p, metric)[0]
                top.append(f"{in_sentence(lab)}: {first['label'] if first[f'swing_{metric}'] > 0 else '-'}")
            w.append([w.text(sy.provider_code[p]), w.text(f"{sy.provider_name[p]} ({FORM_LABELS[form]})", "bold"),
                      w.text("Biggest driver of " + "; ".join(top), "note")])
            for row in tor.ranked(form, p):
                w.append([w.text(sy.provider_code[p]), None, w.text(row["label"]),
                          w.cell(_fnum(row["low_value"]), "num"), w.cell(_fnum(row["high_value"]), "num")]
                         + [w.cell(_fnum(row[key]), "money0") for m in TORNADO_METRICS
                            for key in (f"{m}_low", f"{m}_high", f"swing_{m}")])


# --- Monte Carlo -----------------------------------------------------------------------------------

def _monte_carlo(wb, styles, ctx: _Context) -> None:
    from ...core.labels import DETERMINISTIC_COLOUR, excel_colour

    r, sy, H = ctx.result, ctx.sy, ctx.H
    mc = r.monte_carlo
    w = SheetWriter(wb, "Monte Carlo", styles)
    w.widths([9, 34, 13, 20, 6] + [12] * max(H, 2 * len(PERCENTILES)))
    w.page("Monte Carlo", ctx.name)
    title_rows(w, ctx, "Monte Carlo simulation")
    if mc is None:
        w.append([w.cell("No simulation ran for this report (simulations = 0 or not run): the figures elsewhere "
                         "are the deterministic case.", "note")])
        return
    w.append([w.cell(f"{mc.simulations:,} simulations, seed {mc.seed}. Percentiles P5 to P95 of each figure "
                     f"across the simulations.", "note")])
    pairs = [(p, f) for p in range(ctx.P) for f in r.provider_forms(p)]
    # fan chart: the provider with the highest chance of a liquidity risk, acute-only
    w.blank()
    if ctx.modelled:
        idx = np.array(ctx.modelled)
        risk = np.asarray(mc.probability_liquidity_risk["acute_only"])[idx].max(axis=1)
        focus = int(idx[int(np.argmax(risk))])
    else:
        focus = 0
    fan_forms = r.provider_forms(focus)
    w.append([w.text(f"Cash fan chart: {sy.provider_name[focus]} ({sy.provider_code[focus]})", "subtitle")])
    fan_head = header(w, ["Year", "", "", "", ""] + [f"{FORM_LABELS[f]} {q}" for f in fan_forms
                                                     for q in [f"P{q}" for q in PERCENTILES] + ["deterministic"]])
    width = len(PERCENTILES) + 1
    for t, year in enumerate(ctx.years):
        w.append([w.cell(year), None, None, None, None]
                 + [w.cell(_fnum(x), "money0") for f in fan_forms
                    for x in list(mc.percentiles[f]["cash_gbp_k"][:, focus, t]) + [r.forms[f]["cash_gbp_k"][focus, t]]])
    fan_last = w.row
    anchor = w.row + 2
    for n, f in enumerate(fan_forms):
        chart = _line_chart(f"Cash fan, {FORM_LABELS[f]} (£000)", "£000")
        c0 = 6 + n * width
        chart.add_data(Reference(w.ws, min_col=c0, max_col=c0 + width - 1, min_row=fan_head,
                                 max_row=fan_last), titles_from_data=True)
        chart.set_categories(Reference(w.ws, min_col=1, min_row=fan_head + 1, max_row=fan_last))
        for s, q in zip(chart.series, list(PERCENTILES) + [None]):
            s.smooth = False
            if q is None:  # the deterministic projection, marked against the simulated median (as the app)
                s.graphicalProperties.line.width = 22225
                s.graphicalProperties.line.dashStyle = "sysDot"
                s.graphicalProperties.line.solidFill = excel_colour(DETERMINISTIC_COLOUR)
                continue
            # the percentiles in the form's colour: the median thick, P10/P90 thin, P5/P95 dashed
            s.graphicalProperties.line.width = 28575 if q == 50 else 12700
            s.graphicalProperties.line.dashStyle = "solid" if q in (10, 50, 90) else "dash"
            s.graphicalProperties.line.solidFill = colour_hex(f)
        _size(chart, 14, 8)
        w.ws.add_chart(chart, f"{'A' if n == 0 else 'F'}{anchor}")
    w.blank(18)
    w.append([w.cell("NPV of stranded cost, cumulative surplus and closing cash (£000)", "subtitle")])
    w.append([w.cell(_range_note(r.scenario), "note")])
    header(w, ["Code", "Provider", "Form", "Figure", ""] + [f"P{q}" for q in PERCENTILES]
           + ["Deterministic", "Deterministic's percentile rank"])
    for p, f in pairs:
        for label, pct, det in _distributions(r, f, p):
            w.append([w.text(sy.provider_code[p]), w.text(sy.provider_name[p]), w.cell(FORM_LABELS[f]),
                      w.cell(label), None] + [w.cell(_fnum(x), "money0") for x in pct]
                     + [w.cell(_fnum(det), "money0"), w.text(_where_among(det, pct), "text_right")])
    w.ws.row_breaks.append(Break(id=w.row))
    w.append([w.cell("Probabilities and percentiles by year", "subtitle")])
    head = header(w, ["Code", "Provider", "Form", "Figure", "Pct"] + ctx.years)
    w.ws.print_title_rows = f"{head}:{head}"  # repeated on the pages of this long table
    for p, f in pairs:
        for label, arr in (("Probability of deficit", mc.probability_deficit),
                           ("Probability of liquidity risk", mc.probability_liquidity_risk)):
            w.append([w.text(sy.provider_code[p]), w.text(sy.provider_name[p]), w.cell(FORM_LABELS[f]),
                      w.cell(label), None] + [w.cell(_fnum(x), "prob") for x in np.asarray(arr[f])[p]])
    for p, f in pairs:
        for key, label, style in YEARLY_COLUMNS:
            arr = np.asarray(mc.percentiles[f][key])[:, p, :]
            for i, q in enumerate(PERCENTILES):
                w.append([w.text(sy.provider_code[p]), w.text(sy.provider_name[p]), w.cell(FORM_LABELS[f]),
                          w.cell(label), w.cell(f"P{q}")] + [w.cell(_fnum(x), style) for x in arr[i]])
            w.append([w.text(sy.provider_code[p]), w.text(sy.provider_name[p]), w.cell(FORM_LABELS[f]),
                      w.cell(label), w.cell("Determ.", "bold")]
                     + [w.cell(_fnum(x), style + "_bold") for x in r.forms[f][key][p]])


def _distributions(r, form: str, p: int) -> list[tuple[str, np.ndarray, float]]:
    """The three headline figures' Monte Carlo percentiles (P5..P95) with the deterministic value."""
    mc, m = r.monte_carlo, r.forms[form]
    deterministic = {"npv_stranded": m["npv_stranded_gbp_k"][p], "cumulative_surplus": m["cumulative_surplus_gbp_k"][p],
                     "closing_cash": m["cash_gbp_k"][p, -1]}
    return [(TORNADO_METRIC_LABELS[metric], np.asarray(mc.summary(metric)[form])[:, p], float(deterministic[metric]))
            for metric in TORNADO_METRICS]


def _where_among(det: float, pct) -> str:
    """Where the deterministic value falls among the percentiles: 'below P5', 'P10-P50', 'above P95'."""
    pct = np.asarray(pct, dtype=float)
    if math.isnan(det) or np.isnan(pct).all():
        return "n/a"
    if det < pct[0]:
        return f"below P{PERCENTILES[0]}"
    if det > pct[-1]:
        return f"above P{PERCENTILES[-1]}"
    i = int(np.searchsorted(pct, det, side="right")) - 1
    i = min(max(i, 0), len(PERCENTILES) - 2)
    return f"P{PERCENTILES[i]}-P{PERCENTILES[i + 1]}"


def _range_note(scenario) -> str:
    """Which uncertainty ranges are centred on the central value and which are skewed, and so which way the
    simulated median moves from the deterministic figure (uncertainty.md gives the reasons)."""
    skewed = []
    for key, spec in UNCERTAIN_PARAMETERS.items():
        dist = scenario.uncertainty.get(key)
        if dist is None:
            continue
        lo, hi = distribution_range(dist)
        mode = distribution_mode(dist)
        if abs((hi - mode) - (mode - lo)) > 1e-9 * max(1.0, abs(mode)):
            skewed.append(f"{spec['label'].lower()} ({'up' if hi - mode > mode - lo else 'down'})")
    if not skewed:
        return ("Every uncertainty range is centred on the scenario's value, so the P50 sits near the deterministic "
                "figure (the model is not linear, so not exactly on it). The deterministic figure is beside each "
                "distribution.")
    return (f"Ranges skewed on purpose: {', '.join(skewed)}; the others are centred on the scenario's value. A skewed "
            f"range moves the P50 away from the deterministic figure in that direction (the help page 'Uncertainty' "
            f"gives the reasons). The deterministic figure is beside each distribution.")


# --- Inputs ----------------------------------------------------------------------------------------

def _inputs(wb, styles, ctx: _Context) -> None:
    r, imported = ctx.result, ctx.imported
    w = SheetWriter(wb, "Inputs", styles)
    w.widths([34, 30, 30, 34, 12, 70, 26])
    w.page("Inputs", ctx.name)
    title_rows(w, ctx, "Inputs")
    w.append([w.cell("Files", "subtitle")])
    header(w, ["File", "Sheets used", "Rows used", "SHA-256"], "head_left")
    for s in r.sources:
        sheets = ", ".join(s.sheets)
        lines = max(1, -(-len(sheets) // 34))  # the Sheets used column holds about 34 characters a line
        w.append([w.text(s.file, "text_wrap"), w.text(sheets, "text_wrap"), w.cell(s.rows_used, "int"),
                  w.text(s.sha256, "text_wrap")], height=12.5 * lines if lines > 1 else None)
    if not r.sources:
        w.append([w.cell("No input files recorded.", "note")])
    w.blank()
    w.append([w.cell("Sheets and column mapping", "subtitle")])
    header(w, ["File", "Sheet", "Input kind", "Source column", "Rows", "Read as"], "head_left")
    if imported is None or not imported.sheets:
        w.append([w.cell("The column mapping was not passed to the report.", "note")])
    else:
        for sh in imported.sheets:
            kind = KINDS_BY_KEY.get(sh.kind) if sh.kind else None
            kind_label = kind.sheet if kind is not None else (sh.kind or "(ignored)")
            if not sh.mapping:
                w.append([w.text(sh.file), w.text(sh.sheet), w.text(kind_label), None, w.cell(sh.rows, "int")])
            confidence = getattr(sh, "confidence", {}) or {}
            for source, canonical in sh.mapping.items():
                label = canonical
                if kind is not None:
                    try:
                        label = f"{kind.column(canonical).label} ({canonical})"
                    except (KeyError, AttributeError):
                        label = canonical
                if source in getattr(sh, "chosen", ()):
                    label += ", your choice"
                elif source in confidence:
                    label += f", the matcher, {confidence[source]:.0%} confidence" + (
                        ": a weak match, confirm it" if confidence[source] < CONFIDENT else "")
                w.append([w.text(sh.file), w.text(sh.sheet), w.text(kind_label), w.text(source),
                          w.cell(sh.rows, "int"), w.text(label)])
            for source in sh.unmapped:
                w.append([w.text(sh.file), w.text(sh.sheet), w.text(kind_label), w.text(source),
                          w.cell(sh.rows, "int"), w.cell("(not used)", "note")])
    w.blank()
    _value_mappings(w, imported)
    w.blank()
    w.append([w.cell("Validation problems", "subtitle")])
    header(w, ["Severity", "File", "Sheet", "Cell", "", "Message"], "head_left")
    problems = imported.problems if imported is not None else []
    for pr in problems:
        lines = max(1, -(-len(pr.message) // 95))  # the Message column holds about 95 characters a line
        w.append([w.text(pr.severity), w.text(pr.file), w.text(pr.sheet), w.text(pr.cell), None,
                  w.text(pr.message, "text_wrap")], height=12.5 * lines if lines > 1 else None)
    if not problems:
        w.append([w.cell("None: every value was usable.", "note")])


def _value_mappings(w: SheetWriter, imported) -> None:
    """Every value of a list column read as another: as written, as used, and who decided (the user,
    on the Data page or in a mapping file, or the matcher with how sure it was)."""
    w.append([w.cell("Values read by meaning", "subtitle")])
    header(w, ["File", "Sheet", "Column", "Value as written", "Rows", "Value used", "Decided by"], "head_left")
    shown = 0
    for sh in (imported.sheets if imported is not None else []):
        kind = KINDS_BY_KEY.get(sh.kind) if sh.kind else None
        for vm in getattr(sh, "value_mappings", ()):
            column = kind.column(vm.column).label if kind is not None and vm.column in kind.names else vm.column
            w.append([w.text(vm.file), w.text(vm.sheet), w.text(column), w.text(vm.written), w.cell(vm.rows, "int"),
                      w.text(value_label(vm.used, with_key=True)), w.text(vm.decided_by)])
            shown += 1
    if not shown:
        w.append([w.cell("None: every value was written as the model names it." if imported is not None else
                         "The value mappings were not passed to the report.", "note")])


def report_is_valid_zip(path: Path) -> bool:
    """True when the file is a complete xlsx container (used by tests and the app's export check)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.testzip() is None and "xl/workbook.xml" in zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


__all__ = ["ReportError", "SHEETS", "reading", "write_report"]
