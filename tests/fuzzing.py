"""Seeded mutation fuzzing of `strandrisk check` (issue 14), shared by the default test and the campaign.

Seeds: the built-in sample workbook, the blank template, CSV exports of the sample's sheets, and files
of ../shared/corpus when present (read, never copied). Each case is one mutated file, checked with
`strandrisk check` in this process (the file itself is read in the usual worker process, with its
memory and time limits). A case passes when the exit code is 0, 1 or 2, nothing printed is a
traceback or names an exception class, the answer came within the reader's time limit, and the
reader processes stayed under the memory limit; and when `check` exits 0, `run` on the same file
exits 0 with finite figures.

Mutations are of three sorts: bytes (flip, duplicate a block, cut, insert, zero), structure (edit a
part inside an .xlsx/.ods package: far cell references, huge repeats, broken XML, absurd values) and
cells (CSV values such as nan, 1e308, a long run of spaces, 45000 in a year column, UTF-16).
"""

from __future__ import annotations

import contextlib
import csv
import io
import random
import re
import sys
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
CLASS_NAME = re.compile(r"\b[A-Za-z_]*(?:Error|Exception)\b|BadZipFile|\[Errno|Traceback|PanicException")
CORPUS_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".xlsb")
ODD_VALUES = ("nan", "NaN", "inf", "-inf", "#N/A", "1e308", "-1e308", "45000", "2025.5", "0000/01",
              "9999-12-31", "31/12/1899", "", " ", "£1,234", "(1,234)", "30%", "TRUE", "\u00a0",
              "North" + " " * 40_000 + "moor", "x" * 5000, "=1/0", '"', "\x00")


@dataclass
class Seed:
    name: str
    data: bytes
    suffix: str


@dataclass
class Outcome:
    case: str
    code: int
    seconds: float
    output: str
    problems: list = field(default_factory=list)


def make_seeds(tmp: Path, corpus_limit: int | None = None, sample_weight: int = 12) -> list[Seed]:
    """The sample, the template, CSV exports of the sample's sheets, and corpus spreadsheets. The
    sample comes sample_weight times: it is the one seed `check` can call usable, whose mutations
    then go through `run` as well."""
    from openpyxl import load_workbook

    from strandrisk.io.spreadsheets.load import sample_paths
    from strandrisk.io.spreadsheets.template import write_template

    seeds = [Seed(p.name, p.read_bytes(), p.suffix) for p in sample_paths()] * sample_weight
    template = write_template(tmp / "template.xlsx")
    seeds.append(Seed("template.xlsx", template.read_bytes(), ".xlsx"))
    wb = load_workbook(sample_paths()[0], read_only=True, data_only=True)
    for ws in wb.worksheets:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for row in ws.iter_rows(values_only=True):
            writer.writerow(["" if v is None else v for v in row])
        seeds.append(Seed(f"{ws.title}.csv", buf.getvalue().encode("utf-8"), ".csv"))
    wb.close()
    if CORPUS.is_dir():
        files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES
                       and p.stat().st_size < 2_000_000)
        for p in files[:corpus_limit]:
            seeds.append(Seed(str(p.relative_to(CORPUS)), p.read_bytes(), p.suffix.lower()))
    return seeds


# Mutations -----------------------------------------------------------------------------------------

def mutate_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if not data:
        return b"\x00", "empty->nul"
    b = bytearray(data)
    op = rng.choice(("flip", "dup8", "cut", "insert", "zero", "truncate"))
    i = rng.randrange(len(b))
    if op == "flip":
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif op == "dup8":
        b[i:i] = b[i:i + 8]
    elif op == "cut":
        del b[i:i + rng.randint(1, 64)]
    elif op == "insert":
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    elif op == "zero":
        b[i:i + 8] = bytes(min(8, len(b) - i))
    else:
        del b[i:]
    return bytes(b), f"{op}@{i}"


_XML_EDITS = (
    (rb'r="([A-Z]+)(\d+)"', lambda m, rng: b'r="' + rng.choice((b"ZZZZ", b"XFD", b"AAA", b"A")) + m.group(2) + b'"'),
    (rb'r="([A-Z]+)(\d+)"', lambda m, rng: b'r="' + m.group(1) + rng.choice((b"1048576", b"99999999", b"0")) + b'"'),
    (rb"<v>([^<]*)</v>", lambda m, rng: b"<v>" + rng.choice((b"1e308", b"nan", b"inf", b"-1e308", b"45000",
                                                               b"9.99e99", b"", b"x")) + b"</v>"),
    (rb'number-(rows|columns)-repeated="(\d+)"',
     lambda m, rng: b"number-" + m.group(1) + b'-repeated="' + rng.choice((b"0", b"2000000", b"999999999")) + b'"'),
    (rb"<table:table-row>", lambda m, rng: b'<table:table-row table:number-rows-repeated="'
     + rng.choice((b"0", b"2000000", b"1048577")) + b'">'),
    (rb"</row>", lambda m, rng: b""),
    (rb"<t>([^<]*)</t>", lambda m, rng: b"<t>" + rng.choice(ODD_VALUES).encode("utf-8", "replace")
     .replace(b"<", b"").replace(b"&", b"") + b"</t>"),
)


def mutate_package(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Edit one XML part of a zip package (a sheet or content.xml), then zip it again."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zin:
            parts = [(i, zin.read(i.filename)) for i in zin.infolist()]
    except Exception:  # noqa: BLE001 - a corpus file that is not a good zip: mutate its bytes
        return mutate_bytes(rng, data)
    targets = [k for k, (i, _) in enumerate(parts) if i.filename.endswith(".xml") and
               ("worksheets/" in i.filename or i.filename == "content.xml" or "sharedStrings" in i.filename)]
    if not targets:
        return mutate_bytes(rng, data)
    k = rng.choice(targets)
    info, part = parts[k]
    pattern, edit = rng.choice(_XML_EDITS)
    matches = list(re.finditer(pattern, part))
    what = pattern.decode()[:18]
    if matches:
        m = rng.choice(matches)
        part = part[:m.start()] + edit(m, rng) + part[m.end():]
    else:
        i = rng.randrange(max(1, len(part)))
        part = part[:i] + part[i + rng.randint(1, 40):]
        what = "cut xml"
    parts[k] = (info, part)
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        warnings.simplefilter("ignore")  # corpus packages with a part named twice stay that way
        for i, d in parts:
            zout.writestr(i.filename, d, zipfile.ZIP_STORED if i.filename == "mimetype" else zipfile.ZIP_DEFLATED)
    return out.getvalue(), f"{info.filename}:{what}"


def mutate_csv(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    text = data.decode("utf-8", "replace")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return mutate_bytes(rng, data)
    if len(rows) < 2 or not rows[1]:
        return mutate_bytes(rng, data)
    op = rng.choice(("cell", "cell", "cell", "utf16", "header", "rows"))
    if op == "cell":
        r = rng.randrange(1, len(rows))
        c = rng.randrange(len(rows[r])) if rows[r] else 0
        value = rng.choice(ODD_VALUES)
        if rows[r]:
            rows[r][c] = value
        what = f"cell {r},{c}={value[:12]!r}"
    elif op == "header":
        c = rng.randrange(len(rows[0]))
        rows[0][c] = rng.choice(ODD_VALUES)
        what = f"header {c}"
    elif op == "rows":
        rows = rows[:1] + rows[1:] * rng.randint(2, 50)
        what = "rows repeated"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    out = buf.getvalue()
    if op == "utf16":
        codec = rng.choice(("utf-16-le", "utf-16-be", "utf-16"))
        return out.encode(codec), f"encoded {codec}"
    return out.encode("utf-8"), what


def mutate(rng: random.Random, seed: Seed) -> tuple[bytes, str]:
    roll = rng.random()
    if seed.suffix == ".csv" and roll < 0.7:
        return mutate_csv(rng, seed.data)
    if seed.data[:4] == b"PK\x03\x04" and roll < 0.6:
        return mutate_package(rng, seed.data)
    return mutate_bytes(rng, seed.data)


# Running ---------------------------------------------------------------------------------------------

def check_file(path: Path, command: str = "check") -> tuple[int, str, float]:
    """`strandrisk check PATH` (or run) in this process: (exit code, everything printed, seconds)."""
    from strandrisk.cli import main

    buf = io.StringIO()
    started = time.monotonic()
    argv = [command, str(path)] + (["--simulations", "0"] if command == "run" else [])
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        code = main(argv)
    return code, buf.getvalue(), time.monotonic() - started


_NOT_FINITE = re.compile(r"(?<![A-Za-z])(-?inf|nan)(?![A-Za-z])", re.I)


def judge_run(outcome: Outcome, code: int, output: str) -> None:
    """What `check` called usable, `run` must run on, to finite figures (nothing absurd accepted)."""
    if code != 0:
        outcome.problems.append(f"check said usable but run exited {code}: {output.strip()[-160:]}")
    elif _NOT_FINITE.search(output):
        outcome.problems.append("run printed a figure that is not finite")


def judge(case: str, code: int, output: str, seconds: float) -> Outcome:
    out = Outcome(case, code, seconds, output)
    if code not in (0, 1, 2):
        out.problems.append(f"exit code {code}")
    hit = CLASS_NAME.search(output)
    if hit:
        out.problems.append(f"names an exception: {hit.group(0)!r}")
    if "unexpected" in output:
        out.problems.append("unexpected error")
    if "took longer than" in output:
        out.problems.append("the reader hit its time limit")
    return out


def children_peak_mb() -> float | None:
    """Largest resident size of any finished reader process so far (Linux reports kB); None on Windows,
    which has no getrusage (its reader's memory limit is tested by tests/test_reader_limits.py)."""
    if sys.platform == "win32":
        return None
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_cases(seeds: list[Seed], n: int, seed: int, tmp: Path, on_case=None) -> list[Outcome]:
    """n seeded mutations spread over the seeds; each written to tmp and checked."""
    rng = random.Random(seed)
    outcomes = []
    for k in range(n):
        base = seeds[k % len(seeds)]
        data, how = mutate(rng, base)
        path = tmp / f"case{k % 7}{base.suffix}"
        path.write_bytes(data)
        code, output, seconds = check_file(path)
        outcome = judge(f"{k}: {base.name} {how}", code, output, seconds)
        if code == 0:
            run_code, run_output, _ = check_file(path, "run")
            judge_run(outcome, run_code, run_output)
        outcomes.append(outcome)
        if on_case is not None:
            on_case(outcome)
    return outcomes
