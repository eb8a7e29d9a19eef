"""Damaged project files, generated from a saved sample project: broken zips and compressed data, broken
JSON, and damaged values inside a valid project (wrong types, huge numbers, NaN, negative counts, text
versions...). Used by tests/test_damaged_projects.py and tests/benchmarks/fault_campaign.py."""

from __future__ import annotations

import copy
import json
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

MEMBER = "project.json"

BAD_VALUES = (None, "text", "2", "", -1, 0, 10**30, -(10**30), 1e308, float("nan"), float("inf"), True, [], {},
              [1, 2], {"a": 1}, 2.5)


@dataclass
class Damaged:
    name: str       # what was damaged, e.g. "tables.providers.columns.cash_gbp_k[0] = 1e+30"
    data: bytes     # the file's bytes
    structural: bool  # the zip or the JSON is broken (the answer must be "damaged"/"not a project", exit 2)


def sample_document() -> dict:
    """A saved sample project's document (the file format's JSON), with two scenarios and a mapping."""
    from strandrisk.io.project import project_file as pj
    from strandrisk.io.spreadsheets.load import load_sample
    from strandrisk.io.spreadsheets.sample_scenarios import sample_scenarios

    imported = load_sample()
    scenarios = {name: dict(sc, name=name) for name, sc in sample_scenarios().items()}
    project = pj.Project(imported.inputs, scenarios, next(iter(scenarios)), None,
                         [], False, "0.1.0")
    return pj.to_document(project)


def pack(doc_or_text, member: str = MEMBER) -> bytes:
    text = doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text, allow_nan=True)
    return pack_bytes(text.encode("utf-8"), member)


def pack_bytes(data: bytes, member: str = MEMBER) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, data)
    return buf.getvalue()


def _paths(doc, rng: random.Random, prefix=(), depth=0, max_list=3):
    """Paths to values in the document (the first elements of each list, every key of each dict)."""
    yield prefix
    if depth > 6:
        return
    if isinstance(doc, dict):
        for key in doc:
            yield from _paths(doc[key], rng, prefix + (key,), depth + 1, max_list)
    elif isinstance(doc, list) and doc:
        picks = sorted({0, len(doc) - 1, rng.randrange(len(doc))})[:max_list]
        for i in picks:
            yield from _paths(doc[i], rng, prefix + (i,), depth + 1, max_list)


def _set(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _label(path, value) -> str:
    where = ".".join(str(p) for p in path) or "(document)"
    return f"{where} = {value!r}"[:160]


def structural(doc: dict, rng: random.Random, count: int) -> list[Damaged]:
    """Broken zips, broken compressed data and broken JSON."""
    good = pack(doc)
    text = json.dumps(doc)
    out = [Damaged("empty file", b"", True), Damaged("not a zip", b"hello, this is not a project", True),
           Damaged("zip without project.json", pack(doc, "other.json"), True),
           Damaged("JSON cut short", pack(text[: len(text) // 2]), True),
           Damaged("JSON deeply nested", pack("[" * 100_000 + "]" * 100_000), True),
           Damaged("JSON not UTF-8", pack_bytes(b"\xff\xfe" + text.encode("utf-16-le")), True),
           Damaged("JSON a list", pack([1, 2, 3]), True),
           Damaged("JSON huge integer", pack('{"format": "strandrisk-project", "format_version": 1' + "0" * 5000 + "}"),
                   True)]
    info = zipfile.ZipFile(__import__("io").BytesIO(good)).infolist()[0]
    data_start = info.header_offset + 30 + len(info.filename.encode())
    data_end = data_start + info.compress_size
    for _ in range(count):
        kind = rng.choice(("truncate", "flip", "zero"))
        blob = bytearray(good)
        if kind == "truncate":
            cut = rng.randrange(1, len(good))
            out.append(Damaged(f"file cut at byte {cut} of {len(good)}", bytes(blob[:cut]), True))
            continue
        pos = rng.randrange(data_start, data_end)
        if kind == "flip":
            blob[pos] ^= 1 << rng.randrange(8)
        else:
            blob[pos:pos + 64] = b"\0" * len(blob[pos:pos + 64])
        if _reads_as(bytes(blob), good):
            continue  # a bit deflate ignores (the last byte's padding): the project is not damaged at all
        out.append(Damaged(f"compressed data {kind} at byte {pos}", bytes(blob), True))
    return out


def _reads_as(blob: bytes, good: bytes) -> bool:
    """True when the mutated package still unpacks to exactly the original project."""
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf, zipfile.ZipFile(io.BytesIO(good)) as original:
            return all(zf.read(n) == original.read(n) for n in original.namelist())
    except Exception:  # noqa: BLE001 - any failure to unpack means the damage is real
        return False


def values(doc: dict, rng: random.Random, count: int | None = None) -> list[Damaged]:
    """One damaged value each, inside an otherwise valid project."""
    paths = list(_paths(doc, rng))
    cases = [(p, v) for p in paths for v in BAD_VALUES]
    cases += [(("format_version",), v) for v in ("1", " 1", "one", 1.0, 99, "99")]
    if count is not None and count < len(cases):
        cases = rng.sample(cases, count)
    out = []
    for path, value in cases:
        mutated = copy.deepcopy(doc)
        if path:
            _set(mutated, path, value)
        else:
            mutated = value
        out.append(Damaged(_label(path, value), pack(mutated), False))
    return out


def write_all(folder: Path, items: list[Damaged]) -> list[tuple[Damaged, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, item in enumerate(items):
        path = folder / f"damaged{i:05d}.strandrisk"
        path.write_bytes(item.data)
        written.append((item, path))
    return written


def sample_with_simulations(path: Path, simulations: int = 1000) -> bytes:
    """The sample saved as a project with both its scenarios simulated (the bytes of the file)."""
    from strandrisk.workspace import Workspace

    ws = Workspace()
    ws.sample_task().run()
    for name in list(ws.scenarios):
        ws.switch_scenario(name)
        ws.simulation_task(simulations).run()
    ws.save(path)
    ws.close()
    return Path(path).read_bytes()


def simulation_values(project: bytes, rng: random.Random | None = None) -> list[Damaged]:
    """A saved project with simulations (its bytes), with one damaged value in the list of saved simulations
    each; the simulations' arrays kept as they are. Such a project must always open (a damaged simulation
    is left out with a note)."""
    import io

    with zipfile.ZipFile(io.BytesIO(project)) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    doc = json.loads(parts[MEMBER])
    rng = rng or random.Random(21)
    out = []
    for path in _paths(doc["simulations"], rng, ("simulations",), max_list=2):
        for value in BAD_VALUES:
            mutated = copy.deepcopy(doc)
            _set(mutated, path, value)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(MEMBER, json.dumps(mutated, allow_nan=True))
                for name, data in parts.items():
                    if name != MEMBER:
                        zf.writestr(name, data, compress_type=zipfile.ZIP_STORED)
            out.append(Damaged(_label(path, value), buf.getvalue(), False))
    return out
