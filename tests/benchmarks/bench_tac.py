"""TAC import speed and memory: read_tac on both files of a year against pandas.read_excel, same run.

Two synthetic TAC data workbooks in the published shape (an FT file of about 1,000,000 All data rows
and an NHS trust file of about 600,000, each trust carrying the real year's SubCodes as filler when
the shared reference files are present) are generated into a temporary folder and deleted. Each
measurement runs in a fresh process so its peak memory is its own.
Baselines: pandas.read_excel of the two All data sheets with the calamine engine (pandas' fastest
engine) and with openpyxl (pandas' default; slow, so only with BENCH_TAC_OPENPYXL=1); and the screen with
All data read by calamine cell by cell (the reading before the XML scan of io/tac/xlsx_scan.py), which
must give the same top five.
Peak memory is the measuring process's VmHWM (its own address space's high-water mark).
Run: python tests/benchmarks/bench_tac.py   (or python -m pytest tests/benchmarks/bench_tac.py -s)
``--smoke``: 2 + 2 trusts of 200 rows, the same code in seconds (the default tests run it).
Target (issue 8): both files of a year in under 10 s and 1 GB on 2 cores; (issue 20) the England
screen of both files end to end in the same, and under 1 s again after a scenario change.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

FT_TRUSTS = int(os.environ.get("BENCH_TAC_FT_TRUSTS", "125"))
NHS_TRUSTS = int(os.environ.get("BENCH_TAC_NHS_TRUSTS", "75"))
ROWS_PER_TRUST = int(os.environ.get("BENCH_TAC_ROWS_PER_TRUST", "8000"))
FY = 2023
DICTIONARY = REPO.parent / "shared" / "tac" / "dim_tac_subcodes_by_year.csv"

MEASURE = r"""
import json, resource, sys, time
kind, paths = sys.argv[1], sys.argv[2:]
t = time.perf_counter()
if kind == "read_tac":
    from strandrisk.io.tac.reader import read_tac
    r = read_tac(paths)
    extra = {"rows": int(r.tables["providers"].n_rows), "cash_rows": int(r.tables["cash_balances"].n_rows)}
elif kind in ("screen", "screen_cells"):
    from strandrisk.core.scenario import Scenario
    from strandrisk.io.tac import reader
    from strandrisk.io.tac.derive import ScreenSettings
    from strandrisk.io.tac.screen import Screen
    from strandrisk.io.tac.xlsx_scan import NotPlain
    if kind == "screen_cells":  # the reading before issue 20's finish: calamine, cell by cell
        def cells_only(*args, **kwargs):
            raise NotPlain("benchmark: calamine only")
        reader._read_all_data_plain = cells_only
    screen = Screen(paths)
    r = screen.run()
    first = time.perf_counter() - t
    t2 = time.perf_counter()
    faster = Scenario.default().to_dict()
    faster["service_lines"]["non_elective"]["shift_rate"] = 0.04
    r2 = screen.run(Scenario.from_dict(faster))
    rerun = time.perf_counter() - t2
    t3 = time.perf_counter()
    r3 = screen.run(Scenario.from_dict(faster), ScreenSettings(fixed_term_years=2, community_ratio=0.3))
    resettle = time.perf_counter() - t3
    screened = [row for row in r.rows if row["status"] == "screened"]
    extra = {"rows": len(r.rows), "screened": len(screened), "rerun_seconds": rerun, "first_seconds": first,
             "settings_seconds": resettle,
             "top5": [(row["provider_code"], round(row["ao_stranded_pct"], 2), round(row["in_stranded_pct"], 2),
                       round(row["ao_shift_impact"]), round(row["in_cum_surplus_pct"], 2)) for row in screened[:5]]}
elif kind == "list_tac_trusts":
    from strandrisk.io.tac.reader import list_tac_trusts
    extra = {"rows": len(list_tac_trusts(paths))}
else:
    import pandas as pd
    n = 0
    for p in paths:
        n += len(pd.read_excel(p, sheet_name="All Data", engine=kind))
    extra = {"rows": n}
seconds = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM is this address space's peak; ru_maxrss would carry over the parent's from before exec
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_mb": hwm / 1024,
                  **extra}))
"""


def filler_codes(n: int) -> list[str]:
    codes = []
    if DICTIONARY.exists():
        with open(DICTIONARY, encoding="utf-8-sig", newline="") as fh:
            codes = sorted({r["SubCode"] for r in csv.DictReader(fh) if r["fy"] == f"{FY}-{(FY + 1) % 100:02d}"})
    codes = codes or [f"XYZ{i:04d}" for i in range(1000)]
    return [codes[i % len(codes)] for i in range(n)]


def generate(folder: Path) -> list[Path]:
    """The national pair: trusts of every kind (tac_fixtures.england_trusts), the published layout."""
    from tests.tac_fixtures import england_trusts, write_tac_workbook

    filler = filler_codes(max(0, ROWS_PER_TRUST - 100))
    ft = write_tac_workbook(folder / f"TAC_FTs_{FY}.xlsx", FY, england_trusts(FY, "foundation_trust", FT_TRUSTS, 1, "RF"),
                            filler_codes=filler, published=True)
    nhs = write_tac_workbook(folder / f"TAC_Trusts_{FY}.xlsx", FY, england_trusts(FY, "nhs_trust", NHS_TRUSTS, 2, "RN"),
                             filler_codes=filler, published=True)
    return [ft, nhs]


def measure(kind: str, paths: list[Path]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO / "desktop"))
    out = subprocess.run([sys.executable, "-c", MEASURE, kind, *map(str, paths)], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> list[tuple[str, dict]]:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        paths = generate(Path(tmp))
        gen = time.perf_counter() - t
        sizes = [p.stat().st_size / 1e6 for p in paths]
        from python_calamine import CalamineWorkbook

        rows = [CalamineWorkbook.from_path(str(p)).get_sheet_by_name("All Data").height - 1 for p in paths]
        print(f"generated {len(paths)} files in {gen:.0f} s: "
              + ", ".join(f"{p.name} {s:.1f} MB {r:,} rows" for p, s, r in zip(paths, sizes, rows)))
        load = os.getloadavg()[0]
        results = [("strandrisk screen (both files, end to end)", measure("screen", paths)),
                   ("  the same, All data read by calamine", measure("screen_cells", paths)),
                   ("strandrisk read_tac (both files)", measure("read_tac", paths)),
                   ("strandrisk list_tac_trusts (both)", measure("list_tac_trusts", paths)),
                   ("pandas.read_excel calamine (both)", measure("calamine", paths))]
        if os.environ.get("BENCH_TAC_OPENPYXL") == "1":
            results.append(("pandas.read_excel openpyxl (both)", measure("openpyxl", paths)))
    base = next(r for name, r in results if name.startswith("pandas.read_excel calamine"))
    print(f"{'measurement':44} {'seconds':>8} {'CPU s':>8} {'peak MB':>8} {'x faster':>9}")
    for name, r in results:
        print(f"{name:44} {r['seconds']:8.2f} {r['cpu_seconds']:8.2f} {r['peak_mb']:8.0f} "
              f"{base['seconds'] / r['seconds']:9.2f}")
    screen = results[0][1]
    print(f"screen: {screen['screened']} of {screen['rows']} trusts screened in both forms; first screen "
          f"{screen['first_seconds']:.2f} s; recomputed from the kept lines after a scenario change "
          f"{screen['rerun_seconds']:.3f} s, after a settings change {screen['settings_seconds']:.3f} s")
    same = results[1][1]["top5"] == screen["top5"]
    print(f"calamine reading gives the same top five: {same}")
    if not same:
        raise SystemExit("the two readings of All data disagree")
    print("top five (code, stranded % acute-only, integrated, shift impact acute-only, cum. surplus % integrated):")
    for t in screen["top5"]:
        print("  ", t)
    print(f"(load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores; "
          "CPU s is the process's own CPU time (both threads), wall seconds depend on the machine's other work)")
    return results


def test_tac_benchmark():
    results = run()
    assert results[0][1]["rows"] == FT_TRUSTS + NHS_TRUSTS


if __name__ == "__main__":
    if "--smoke" in sys.argv[1:]:
        FT_TRUSTS, NHS_TRUSTS, ROWS_PER_TRUST = 2, 2, 200
    found = run()[0][1]["rows"]
    raise SystemExit(0 if found == FT_TRUSTS + NHS_TRUSTS else
                     f"read_tac found {found} trusts, expected {FT_TRUSTS + NHS_TRUSTS}")
