"""The fault campaign of issue 17 ("never lose work"): the default test run's experiments, many times over.

Run: python tests/benchmarks/fault_campaign.py [--kills 100] [--report-kills 40] [--damaged all] [--seed 17]

Experiments, each with its trials and outcomes (figures go in RESULTS.md, "Never lose work (issue 17)"):
- kills during saves: a forked child saves a project / the JSON results / the Excel report in a loop and is
  killed with SIGKILL at a random moment; the target must be the old or the new file and open, and no
  temp file may be left after the next start's sweep (tests/fault_harness.py);
- full disk: every writer against a stub that fails with ENOSPC after N bytes, N drawn at random, and a
  real 1 MB tmpfs when mount is permitted: the old file kept, no temp file, "disk is full";
- read-only targets: 0444 files through --json, --out and template --force: refused, untouched;
- damaged projects: every generated damaged project (tests/damaged_projects.py) through `strandrisk run`:
  exit code, one line, no traceback or exception name, never "unexpected problem"; a damaged saved
  simulation must not stop the project from opening (exit 0, a plain note per simulation left out).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests import damaged_projects, fault_harness  # noqa: E402

BAD_WORDS = ("Traceback", "TypeError", "OverflowError", "ValueError", "KeyError", "unexpected problem", "Error -3")


def kills(args, work: Path) -> list[str]:
    rows = []
    rng = random.Random(args.seed)
    for kind in fault_harness.KINDS:
        trials = args.report_kills if kind == "report" else args.kills
        t = time.perf_counter()
        out = fault_harness.kill_during_saves(kind, work / "kills", trials, rng)
        rows.append(f"| kill during {kind} save | {out.trials} | old or new and valid {out.old_or_new}, corrupt "
                    f"{out.corrupt}; temp file beside the target before the sweep {out.left_before_sweep}, scratch "
                    f"folder with files {out.scratch_left}; anything left after the sweep {out.stray_after_sweep} | {time.perf_counter() - t:.0f} s |")
        for note in out.notes[:5]:
            rows.append(f"|  | | {note} | |")
    return rows


def _write_with_room(name: str, target: Path, room: int) -> str:
    """One write through a file that fails with ENOSPC after ``room`` bytes; the outcome in words."""
    import builtins

    writers = _writers()
    real_open = builtins.open

    def fake_open(file, mode="r", *a, **kw):
        fh = real_open(file, mode, *a, **kw)
        if any(c in mode for c in "wax+") and Path(str(file)).name.startswith(".~"):
            return fault_harness._FullDisk(fh, room)
        return fh

    from strandrisk.io.failures import describe_failure

    target.write_bytes(b"the old file")
    builtins.open, io.open = fake_open, fake_open
    try:
        writers[name](target)
        outcome = "written"
    except Exception as exc:  # noqa: BLE001 - the message is the finding
        text = describe_failure(exc, f"saving {name}")
        outcome = "disk is full" if "disk is full" in text else f"other: {text[:80]}"
    finally:
        builtins.open, io.open = real_open, real_open
    if outcome != "written" and target.read_bytes() != b"the old file":
        outcome = "OLD FILE LOST"
    if any(p.name.startswith(".~") for p in target.parent.iterdir()):
        outcome += " + temp file left"
    return outcome


def _writers():
    from strandrisk.io.project.project_file import save_project
    from strandrisk.io.report.results_json import write_json
    from strandrisk.io.report.workbook import write_report
    from strandrisk.io.spreadsheets.template import write_template

    s = fault_harness.sample()
    return {"P.strandrisk": lambda p: save_project(s.projects[0], p),
            "results.json": lambda p: write_json(s.documents[0], p),
            "Report.xlsx": lambda p: write_report(s.result, p, imported=s.imported),
            "Template.xlsx": write_template}


def full_disk(args, work: Path) -> list[str]:
    rows = []
    rng = random.Random(args.seed)
    folder = work / "full"
    folder.mkdir(parents=True, exist_ok=True)
    for name, write in _writers().items():
        write(folder / f"size-{name}")  # a full write's size: the room drawn runs up to 1.2 times it
        size = (folder / f"size-{name}").stat().st_size
        (folder / f"size-{name}").unlink()
        outcomes = Counter(_write_with_room(name, folder / name, rng.randrange(0, int(size * 1.2)))
                           for _ in range(args.full_trials))
        rows.append(f"| disk full (stub, room 0 to 1.2 x {size:,} bytes) {name} | {sum(outcomes.values())} | "
                    + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) + " | |")
    rows.append(_real_tmpfs(work))
    return rows


def _real_tmpfs(work: Path) -> str:
    mount_point = work / "tmpfs"
    mount_point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return f"| disk full (real 1 MB tmpfs) | 0 | not run: mount refused ({done.stderr.strip()[:60]}) | |"
    from strandrisk.io.failures import describe_failure

    outcomes = Counter()
    try:
        writers = _writers()
        for name in ("P.strandrisk", "results.json", "Report.xlsx"):
            target = mount_point / name
            writers[name](target)
            old = target.read_bytes()
            filler = mount_point / "filler"
            for keep in (0, 512, 4096, 16384):
                with open(filler, "wb") as fh:
                    fh.write(b"\0" * max(0, shutil.disk_usage(mount_point).free - keep))
                try:
                    writers[name](target)
                    outcome = "written" if keep else "written with no room?"
                except Exception as exc:  # noqa: BLE001
                    outcome = "disk is full" if "disk is full" in describe_failure(exc, "saving") else "other"
                    if target.read_bytes() != old:
                        outcome = "OLD FILE LOST"
                if any(p.name.startswith(".~") for p in mount_point.iterdir()):
                    outcome += " + temp file left"
                outcomes[outcome] += 1
                old = target.read_bytes()
                filler.unlink()
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)
    return (f"| disk full (real 1 MB tmpfs, 3 writers x 4 fills) | {sum(outcomes.values())} | "
            + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) + " | |")


def read_only(args, work: Path) -> list[str]:
    from strandrisk.cli import main

    folder = work / "readonly"
    folder.mkdir(parents=True, exist_ok=True)
    outcomes = Counter()
    cases = [(["run", "--sample", "--simulations", "0", "--json"], "r.json"),
             (["run", "--sample", "--simulations", "0", "--out"], "r.xlsx"), (["template", "--force"], "t.xlsx")]
    for argv, name in cases:
        path = folder / name
        path.write_bytes(b"read-only")
        os.chmod(path, 0o444)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(argv[:1] + [str(path)] + argv[1:] if argv[0] == "template" else argv + [str(path)])
        untouched = path.read_bytes() == b"read-only"
        outcomes[f"exit {code}, {'untouched' if untouched else 'REPLACED'}, "
                 f"{'says read-only' if 'read-only' in err.getvalue() else 'other message'}"] += 1
    return [f"| read-only target (--json, --out, template --force) | {sum(outcomes.values())} | "
            + ", ".join(f"{k} {v}" for k, v in outcomes.items()) + " | |"]


def damaged(args, work: Path) -> list[str]:
    from strandrisk.cli import main

    rng = random.Random(args.seed)
    doc = damaged_projects.sample_document()
    items = damaged_projects.structural(doc, rng, 200)
    items += damaged_projects.values(doc, rng, None if args.damaged == "all" else int(args.damaged))
    rows = []
    t = time.perf_counter()
    for label, group in (("damaged project: broken zip / compressed data / JSON", [i for i in items if i.structural]),
                         ("damaged project: one damaged value in a valid project", [i for i in items if not i.structural])):
        codes, bad = Counter(), []
        for item, path in damaged_projects.write_all(work / "damaged", group):
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = main(["run", str(path), "--saved-data", "--simulations", "0"])
            text = err.getvalue()
            lines = [line for line in text.splitlines() if line.strip()]
            codes[code] += 1
            if len(lines) > 1 or any(w in text for w in BAD_WORDS) or (item.structural and code != 2):
                bad.append(f"{item.name}: {text.strip()[:100]}")
        rows.append(f"| {label} | {sum(codes.values())} | "
                    + ", ".join(f"exit {k}: {v}" for k, v in sorted(codes.items()))
                    + f"; traceback, exception name or more than one line: {len(bad)} | |")
        rows += [f"|  | | {b} | |" for b in bad[:5]]
    codes, bad = Counter(), []
    sims = damaged_projects.simulation_values(damaged_projects.sample_with_simulations(work / "simulated.strandrisk"))
    if args.damaged != "all" and int(args.damaged) < len(sims):
        sims = rng.sample(sims, int(args.damaged))
    for item, path in damaged_projects.write_all(work / "damaged-simulations", sims):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["run", str(path), "--saved-data", "--simulations", "0"])
        text = err.getvalue()
        codes[code] += 1
        lines = [line for line in text.splitlines() if line.strip()]
        if code != 0 or not all(line.startswith("note: ") for line in lines) or any(w in text for w in BAD_WORDS):
            bad.append(f"{item.name}: exit {code} {text.strip()[:100]}")
    rows.append("| damaged project: one damaged value in its saved simulations (must open, simulation dropped with "
                f"a note) | {sum(codes.values())} | " + ", ".join(f"exit {k}: {v}" for k, v in sorted(codes.items()))
                + f"; not opened, or a line that is not a plain note: {len(bad)} | |")
    rows += [f"|  | | {b} | |" for b in bad[:5]]
    rows.append(f"| (damaged projects took {time.perf_counter() - t:.0f} s) | | | |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100, help="kills per kind (project, json)")
    parser.add_argument("--report-kills", type=int, default=40, help="kills during report exports")
    parser.add_argument("--full-trials", type=int, default=40, help="stubbed full-disk writes per writer")
    parser.add_argument("--damaged", default="all", help="damaged-value projects: 'all' or a number")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--smoke", action="store_true",
                        help="a few trials of each experiment, the same code (the default tests run it)")
    args = parser.parse_args()
    if args.smoke:
        args.kills, args.report_kills, args.full_trials, args.damaged = 3, 1, 2, "10"
    with tempfile.TemporaryDirectory(prefix="strandrisk-faults-") as tmp:
        work = Path(tmp)
        rows = ["| experiment | trials | outcomes | time |", "| --- | ---: | --- | ---: |"]
        for part in (kills, full_disk, read_only, damaged):
            rows += part(args, work)
            print("\n".join(rows[-3:]), file=sys.stderr, flush=True)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
