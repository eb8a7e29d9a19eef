"""Benchmark of the Excel report (issues 4, 18): 250 providers x 10 years with 10,000 simulations, the
Bridges sheet and the Model sheet's components included.

Times ``write_report`` (openpyxl write-only mode) against two baselines measured in the same run on
exactly the same cells (values, types and number formats, captured from the report itself):
(a) openpyxl normal mode, cell by cell; (b) XlsxWriter. Then the peak memory of the report writer
(tracemalloc, allocations during the write only) for 62, 125 and 250 providers.

Run: python tests/benchmarks/bench_report.py [--simulations N]   (or python -m pytest ... -s)
``--smoke``: 2, 3 and 5 providers with 100 simulations, the same code in seconds (the default tests run it).
Target: under 15 s, faster than (a), within 2x of (b), memory flat in providers.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_system import synthetic_inputs  # noqa: E402

from strandrisk.core.results import run_deterministic  # noqa: E402
from strandrisk.core.scenario import Scenario  # noqa: E402
from strandrisk.core.simulation import run_monte_carlo, tornado  # noqa: E402
from strandrisk.io.report import styles as report_style  # noqa: E402
from strandrisk.io.report.workbook import write_report  # noqa: E402



def build(n_providers: int, simulations: int):
    scenario = Scenario.from_dict({"horizon_years": 10, "base_year": "2025/26", "simulations": simulations})
    result = run_deterministic(synthetic_inputs(n_providers), scenario)
    result.monte_carlo = run_monte_carlo(result.system, result.scenario, simulations=simulations)
    result.tornado = tornado(result.system, result.scenario)
    return result


def capture_cells(result, folder: Path):
    """The report's cells per sheet: rows of (value, data_type, number_format, bold)."""
    sheets: dict[str, list] = {}
    original = report_style.SheetWriter.append

    def recording(self, cells=(), height=None):
        rows = sheets.setdefault(self.ws.title, [])
        row = []
        for c in cells:
            if c is None:
                row.append(None)
            else:
                row.append((c._value, c.data_type, c.number_format, bool(c.font.b)))
        rows.append(row)
        return original(self, cells, height)

    report_style.SheetWriter.append = recording
    try:
        write_report(result, folder / "captured.xlsx")
    finally:
        report_style.SheetWriter.append = original
    return sheets


def openpyxl_normal(sheets, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for j, cell in enumerate(row, start=1):
                if cell is None:
                    continue
                value, data_type, fmt, is_bold = cell
                c = ws.cell(row=r, column=j, value=value)
                if data_type == "s":
                    c.data_type = "s"
                c.number_format = fmt
                if is_bold:
                    c.font = bold
    wb.save(path)


def xlsxwriter_baseline(sheets, path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    formats = {}
    for title, rows in sheets.items():
        ws = wb.add_worksheet(title)
        for r, row in enumerate(rows):
            for j, cell in enumerate(row):
                if cell is None:
                    continue
                value, data_type, fmt, is_bold = cell
                key = (fmt, is_bold)
                if key not in formats:
                    formats[key] = wb.add_format({"num_format": fmt, "bold": is_bold})
                f = formats[key]
                if data_type == "f":
                    ws.write_formula(r, j, value, f)
                elif data_type == "s":
                    ws.write_string(r, j, value, f)
                elif value is None:
                    ws.write_blank(r, j, None, f)
                else:
                    ws.write_number(r, j, value, f)
    wb.close()


def timed(fn, *args) -> float:
    gc.collect()
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def peak_mb(fn, *args) -> float:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main(simulations: int = 10_000, providers: int = 250, memory_sizes=(62, 125, 250)) -> str:
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        result = build(providers, simulations)
        print(f"model run (not timed in the table): {time.perf_counter() - t0:.1f} s", flush=True)
        sheets = capture_cells(result, folder)
        n_cells = sum(sum(1 for c in row if c is not None) for rows in sheets.values() for row in rows)
        report_s = timed(write_report, result, folder / "report.xlsx")
        normal_s = timed(openpyxl_normal, sheets, folder / "normal.xlsx")
        xw_s = timed(xlsxwriter_baseline, sheets, folder / "xlsxwriter.xlsx")
        size_mb = (folder / "report.xlsx").stat().st_size / 1e6
        lines.append(f"{providers} providers x 10 years, {simulations:,} simulations: {n_cells:,} cells, "
                     f"report {size_mb:.1f} MB")
        lines.append("")
        lines.append("| writer | time s | ratio vs StrandRisk report |")
        lines.append("|---|---|---|")
        lines.append(f"| StrandRisk report (openpyxl write-only, charts, styles) | {report_s:.2f} | 1.00 |")
        lines.append(f"| baseline (a) openpyxl normal mode, same cells | {normal_s:.2f} | {normal_s / report_s:.2f} |")
        lines.append(f"| baseline (b) XlsxWriter constant_memory, same cells | {xw_s:.2f} | {xw_s / report_s:.2f} |")
        lines.append("")
        lines.append("| providers | peak memory of the report writer MB | MB per provider |")
        lines.append("|---|---|---|")
        for n in memory_sizes:
            small = result if n == providers else build(n, 200)
            mb = peak_mb(write_report, small, folder / f"mem{n}.xlsx")
            lines.append(f"| {n} | {mb:.1f} | {mb / n:.3f} |")
    text = "\n".join(lines)
    print(text)
    return text


def test_bench_report():
    main(10_000)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--simulations", type=int, default=None)
    parser.add_argument("--providers", type=int, default=250)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the benchmark still runs")
    args = parser.parse_args()
    if args.smoke:
        main(args.simulations or 100, 5, [2, 3, 5])
    else:
        main(args.simulations or 10_000, args.providers,
             sorted({args.providers // 4, args.providers // 2, args.providers}))
