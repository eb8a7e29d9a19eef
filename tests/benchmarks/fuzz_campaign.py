"""The longer fuzzing campaign of issue 14: many seeded mutations through `strandrisk check`, plus the
heavy files the first fuzzing run found, each measured in a fresh process.

Run: python tests/benchmarks/fuzz_campaign.py [--cases 3000] [--seed 2014] [--skip-heavy]
``--smoke``: 20 cases and the heavy files a thousand times smaller, the same code in seconds (the default
tests run it).
Prints cases, outcomes (exit codes), failures (traceback, exception names, exit code, time limit),
the slowest cases and the peak memory of the reader processes. Figures go in RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests import fuzzing, odsgen  # noqa: E402

REPEATED_ROWS = 2_000_000  # the .ods row repeat and the blank rows before a row of the heavy files
TEMPLATE_ROWS = 1_000_000  # example rows in the heavy template

MEASURE = r"""
import contextlib, io, json, resource, sys, time
from strandrisk.cli import main
buf = io.StringIO()
t = time.perf_counter()
with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
    code = main(["check", sys.argv[1]])
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
lines = [l for l in buf.getvalue().splitlines() if l.strip()]
print(json.dumps({"code": code, "seconds": seconds, "reader_peak_mb": peak, "last": lines[-1][:160] if lines else ""}))
"""


def heavy_files(tmp: Path) -> dict[str, Path]:
    """The files behind the first run's findings, generated (none is copied from the corpus)."""
    from openpyxl import load_workbook

    from strandrisk.io.spreadsheets.template import write_template

    files = {}
    csv = tmp / "spaces.csv"
    csv.write_text("Provider code,Provider name,Operating income,Operating expenditure\n"
                   f"ZX1,North{' ' * 40_000}moor,100,90\n", encoding="utf-8")
    files["CSV cell 'North' + 40,000 spaces + 'moor'"] = csv
    files[f"ods: one row repeated {REPEATED_ROWS:,} times"] = odsgen.write_ods(tmp / "rep.ods", {"Providers": [
        odsgen.PROVIDER_HEADER, odsgen.provider_row("ZX1", REPEATED_ROWS)]})
    files[f"ods: a row after {REPEATED_ROWS:,} blank rows"] = odsgen.write_ods(tmp / "gap.ods", {"Providers": [
        odsgen.PROVIDER_HEADER, odsgen.provider_row("RAA"), odsgen.blank_rows(REPEATED_ROWS),
        odsgen.provider_row("RZZ")]})
    template = write_template(tmp / "template.xlsx")
    for ref, row in (("ZZZZ1", 1), ("XFD1048576", 1048576), ("A99999999", 99999999)):
        files[f"template with one cell at {ref}"] = _with_cell(template, tmp / f"{ref}.xlsx", ref, row)
    big = tmp / "template_1M.xlsx"
    wb = load_workbook(template)
    ws = wb["Providers"]
    example = [c.value for c in ws[2]]
    import xlsxwriter

    out = xlsxwriter.Workbook(str(big), {"constant_memory": True})
    sheet = out.add_worksheet("Providers")
    sheet.write_row(0, 0, [c.value for c in ws[1]])
    for r in range(1, TEMPLATE_ROWS + 1):
        sheet.write_row(r, 0, ["Example"] + [v if not isinstance(v, str) or k < 2 else v
                                             for k, v in enumerate(example[1:], start=1)])
    out.close()
    files[f"template with {TEMPLATE_ROWS:,} example rows"] = big
    xls = fuzzing.CORPUS / "calamine/issue444.xls"
    if xls.exists():
        data = xls.read_bytes()
        (tmp / "dup8.xls").write_bytes(data[:22321] + data[22321:22329] + data[22321:])
        files["corpus issue444.xls with 8 bytes duplicated"] = tmp / "dup8.xls"
    return files


def _with_cell(src: Path, dst: Path, ref: str, row: int) -> Path:
    import zipfile

    with zipfile.ZipFile(src) as zin:
        parts = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    name = next(n for n in parts if n.startswith("xl/worksheets/sheet2"))
    parts[name] = parts[name].replace(b"</sheetData>", f'<row r="{row}"><c r="{ref}"><v>1</v></c></row></sheetData>'
                                      .encode())
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for n, d in parts.items():
            zout.writestr(n, d)
    return dst


def measure(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    global REPEATED_ROWS, TEMPLATE_ROWS
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--skip-heavy", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the campaign still runs")
    args = parser.parse_args()
    if args.smoke:
        REPEATED_ROWS, TEMPLATE_ROWS = 2_000, 1_000
    if args.cases is None:
        args.cases = 20 if args.smoke else 3000
    from strandrisk.io.spreadsheets import worker

    worker.TIME_LIMIT_SECONDS = 30.0
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        seeds = fuzzing.make_seeds(tmp)
        peaks = []

        def on_case(outcome):
            peak = fuzzing.children_peak_mb()
            if peak is not None and (not peaks or peak > peaks[-1][0]):  # None on Windows
                peaks.append((peak, outcome.case))
            if outcome.problems:
                print("FAIL", outcome.case, outcome.problems, outcome.output[-200:].replace("\n", " | "))

        started = time.monotonic()
        outcomes = fuzzing.run_cases(seeds, args.cases, args.seed, tmp, on_case)
        wall = time.monotonic() - started
        codes = Counter(o.code for o in outcomes)
        failed = [o for o in outcomes if o.problems]
        print(f"\n{len(outcomes)} cases from {len(seeds)} seeds (seed {args.seed}) in {wall:.0f} s: "
              f"exit 0: {codes[0]}, exit 1: {codes[1]}, exit 2: {codes[2]}, other: "
              f"{sum(v for k, v in codes.items() if k not in (0, 1, 2))}; failures: {len(failed)}")
        print("slowest:")
        for o in sorted(outcomes, key=lambda o: -o.seconds)[:5]:
            print(f"  {o.seconds:6.2f} s  exit {o.code}  {o.case[:90]}")
        print(f"peak reader memory: {peaks[-1][0]:.0f} MB ({peaks[-1][1][:90]})" if peaks else "")
        if not args.skip_heavy:
            print("\nheavy files (fresh process each):")
            for label, path in heavy_files(tmp).items():
                r = measure(path)
                print(f"  {label}: exit {r['code']}, {r['seconds']:.2f} s, reader peak {r['reader_peak_mb']:.0f} MB"
                      f" | {r['last']}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
