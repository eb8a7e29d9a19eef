"""The All data sheet read straight from the workbook's XML, keeping only the rows of the lines StrandRisk uses.

A year's two TAC files hold about 1.6 million All data rows, of which the screen uses a few tens of
thousands. calamine parses every cell of the sheet and hands each one to Python, which was most of the
screen's time. NHS England's files are written as Excel writes: every text cell is a number into the
shared strings table and every cell carries its reference (``<c r="F2" t="s"><v>283</v></c>``). In
that form one regular expression per block of the sheet, run in C, finds the rows whose MainCode
and SubCode cells hold the shared-string numbers of wanted codes; only those rows become Python
objects. Every SubCode cell is also counted, so the file's year can still be told from its SubCodes.

A workbook in any other form (text written inline or by formulas, cells without references, a
SubCode column holding something other than shared text, .xls, .xlsb, .ods) raises ``NotPlain``
and the caller reads it with calamine, cell by cell, exactly as before: the answer is the same, only
slower.
"""

from __future__ import annotations

import queue
import re
import threading
import zipfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

import numpy as np

from ...core.problems import column_letter
from ..failures import CancelFn, ImportCancelled

_BLOCK = 1 << 23  # bytes of sheet XML per block (the text of about 30,000 rows)
_QUEUE_BLOCKS = 3  # blocks unpacked ahead by the unpacking thread (zlib runs without the GIL)
MAX_SHARED_STRINGS_BYTES = 200_000_000

_ROW_HEAD = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_ROW = re.compile(rb'<row\b([^>]*?)(?:/>|>(.*?)</row>)', re.S)
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb'<c\b([^>/]*)(?:/>|>(.*?)</c>)', re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_CELL_TYPE = re.compile(rb'\bt="(\w+)"')
_VALUE = re.compile(rb'<v>([^<]*)</v>')
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SKIP = rb'(?:<c [^>/]*(?:/>|>.*?</c>))*?'  # any cells of the same row (a cell never holds "<c ")


class NotPlain(Exception):
    """The workbook is not in the plain form this reader handles: read it cell by cell instead."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _unescape(text: str) -> str:
    """Excel writes control characters in shared strings as _xHHHH_."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


@dataclass
class LongTable:
    """The kept rows of a long table, in sheet order, and what the whole table holds."""

    org: list  # cell values as calamine gives them: str, float, bool, "" when blank
    main: list
    sub: list
    value: list
    row: np.ndarray  # 1-based sheet row of each kept row
    subcodes: set  # every text in the SubCode column
    n_rows: int  # rows below the header


class PlainSheet:
    """One sheet of an .xlsx/.xlsm package, opened for reading its XML directly."""

    def __init__(self, path: Path, sheet_name: str):
        from defusedxml import ElementTree as SafeET

        if Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
            raise NotPlain("not an Office Open XML workbook")
        self.path = Path(path)
        try:
            self.zf = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise NotPlain(str(exc)) from None
        try:
            self.names = {i.filename.replace("\\", "/").lower(): i.filename for i in self.zf.infolist()}
            workbook = self._workbook_part()
            root = SafeET.fromstring(self._read(workbook))
            rid = None
            for el in root.iter():
                if _local(el.tag) == "sheet" and el.get("name") == sheet_name:
                    rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            rels = self._rels(workbook)
            target = rels.get(rid)
            if target is None:
                raise NotPlain(f"sheet '{sheet_name}' not found in the package")
            self.sheet_part = self._part(target)
            self.sheet_size = self.zf.getinfo(self.sheet_part).file_size
            strings = next((t for t in rels.values() if t.lower().endswith("sharedstrings.xml")), None)
            self.strings = self._shared_strings(self._part(strings)) if strings else []
        except NotPlain:
            self.close()
            raise
        except Exception as exc:  # noqa: BLE001 - anything odd in the package: calamine reads it and says why
            self.close()
            raise NotPlain(str(exc)) from None

    # ---------------------------------------------------------------------------------- the package
    def close(self) -> None:
        try:
            self.zf.close()
        except Exception:  # noqa: BLE001
            pass

    def _read(self, name: str) -> bytes:
        return self.zf.read(name)

    def _part(self, target: str) -> str:
        key = target.replace("\\", "/").lstrip("/").lower()
        if key not in self.names:
            raise NotPlain(f"part {target} missing")
        return self.names[key]

    def _workbook_part(self) -> str:
        from defusedxml import ElementTree as SafeET

        rels = self.names.get("_rels/.rels")
        if rels:
            for rel in SafeET.fromstring(self._read(rels)):
                if rel.get("Type", "").endswith("/officeDocument"):
                    return self._part(rel.get("Target", ""))
        return self._part("xl/workbook.xml")

    def _rels(self, part: str) -> dict[str, str]:
        """Relationship id -> target part path of one part's relationships."""
        from defusedxml import ElementTree as SafeET

        folder = PurePosixPath(part).parent
        name = self.names.get(f"{folder}/_rels/{PurePosixPath(part).name}.rels".lower())
        if name is None:
            return {}
        out = {}
        for rel in SafeET.fromstring(self._read(name)):
            target = rel.get("Target", "").replace("\\", "/")
            if rel.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath(folder, target))
            parts: list[str] = []
            for p in path.split("/"):  # resolve "../"
                if p == "..":
                    if parts:
                        parts.pop()
                elif p not in ("", "."):
                    parts.append(p)
            out[rel.get("Id")] = "/".join(parts)
        return out

    def _shared_strings(self, part: str) -> list[str]:
        from defusedxml.ElementTree import iterparse

        if self.zf.getinfo(part).file_size > MAX_SHARED_STRINGS_BYTES:
            raise NotPlain("shared strings table too large for this reader")
        out: list[str] = []
        with self.zf.open(part) as fh:
            for _, el in iterparse(fh, events=("end",)):
                if _local(el.tag) != "si":
                    continue
                texts = []
                for child in el:
                    name = _local(child.tag)
                    if name == "t":
                        texts.append(child.text or "")
                    elif name == "r":  # rich text runs (phonetic runs, rPh, are not text)
                        texts.extend(t.text or "" for t in child if _local(t.tag) == "t")
                out.append(_unescape("".join(texts)))
                el.clear()
        return out

    def _blocks(self, cancel: CancelFn | None):
        """The sheet XML in blocks cut after a row's end, unpacked on a thread (zlib releases the GIL)."""
        blocks: queue.Queue = queue.Queue(_QUEUE_BLOCKS)
        stop = threading.Event()

        def hand_over(item) -> None:
            while not stop.is_set():
                try:
                    blocks.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        def unpack():
            try:
                with self.zf.open(self.sheet_part) as fh:
                    while not stop.is_set():
                        block = fh.read(_BLOCK)
                        hand_over(block)
                        if not block:
                            return
            except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                hand_over(exc)

        worker = threading.Thread(target=unpack, name="tac-unpack", daemon=True)
        worker.start()
        tail = b""
        done = 0
        try:
            while True:
                if cancel is not None and cancel():
                    raise ImportCancelled()
                block = blocks.get()
                if isinstance(block, BaseException):
                    raise NotPlain(f"the sheet cannot be unpacked ({block})")
                done += len(block)
                if not block:
                    if tail.strip():
                        yield tail, done
                    return
                data = tail + block
                cut = data.rfind(b"</row>")
                if cut < 0:
                    tail = data
                    continue
                cut += len(b"</row>")
                tail = data[cut:]
                yield data[:cut], done
        finally:
            stop.set()
            worker.join()

    # ---------------------------------------------------------------------------------- cells
    def _cell_value(self, attrs: bytes, body: bytes | None):
        """One cell as calamine gives it: shared text, a number, a boolean, an error's text, or "" (blank)."""
        if body is None:
            return ""
        m = _VALUE.search(body)
        if m is None:
            if b"<is>" in body:
                raise NotPlain("inline text")
            return ""
        v = m.group(1)
        t = _CELL_TYPE.search(attrs)
        kind = t.group(1) if t else b"n"
        if kind == b"s":
            return self.strings[int(v)]
        if kind == b"n":
            try:
                return float(v)
            except ValueError:
                return v.decode("utf-8", "replace")
        if kind == b"b":
            return v.strip() == b"1"
        if kind in (b"str", b"inlineStr"):
            raise NotPlain("text written by a formula or inline")
        return _unescape(v.decode("utf-8", "replace"))

    def head(self, n: int) -> list[tuple[int, list]]:
        """The first ``n`` rows holding cells: (1-based row, values by column)."""
        data = b""
        with self.zf.open(self.sheet_part) as fh:
            while data.count(b"</row>") < n:
                block = fh.read(1 << 16)
                if not block:
                    break
                data += block
        out = []
        for m in _ROW.finditer(data):
            r = _ROW_NUMBER.search(m.group(1))
            if r is None:
                raise NotPlain("a row without its number")
            values: list = []
            for c in _CELL.finditer(m.group(2) or b""):
                ref = _CELL_REF.search(c.group(1))
                if ref is None:
                    raise NotPlain("a cell without its reference")
                j = _column_index(ref.group(1).decode())
                values.extend([None] * (j + 1 - len(values)))
                values[j] = self._cell_value(c.group(1), c.group(2))
            if any(v is not None for v in values):
                out.append((int(r.group(1)), values))
                if len(out) >= n:
                    break
        return out

    # ---------------------------------------------------------------------------------- the long table
    def long_table(self, header_row: int, cols: dict[str, int], mains: set[str], subs: set[str],
                   cancel: CancelFn | None = None, progress: Callable[[float], None] | None = None) -> LongTable:
        """Rows below ``header_row`` whose MainCode is in ``mains`` and SubCode in ``subs``.

        cols: column index of "org", "main", "sub" and "value". A kept row's organisation and value
        are read whatever they hold (blank too), as calamine gives them.
        """
        letters = {role: column_letter(j).encode() for role, j in cols.items()}
        wanted = self._wanted_rows(cols, letters, mains, subs)
        org_cell = re.compile(rb'<c r="' + letters["org"] + rb'\d+"([^>/]*)(?:/>|>(.*?)</c>)', re.S)
        every_sub = re.compile(rb'<c r="' + letters["sub"] + rb'\d+"(?:[^>/]*?\bt="s"[^>/]*><v>(\d+)</v>|)')
        strings = self.strings
        org, main, sub, value, rows = [], [], [], [], []
        sub_ids: set = set()
        last_row = header_row
        begin = None
        with closing(self._blocks(cancel)) as blocks:
            for data, done in blocks:
                _check_plain(data)
                begin = 0 if begin is not None else _after_row(data, header_row)
                sub_ids.update(every_sub.findall(data, begin))  # b"": a SubCode cell that is not shared text
                for m in (wanted.finditer(data, begin) if wanted is not None else ()):
                    start = data.rfind(b"<row", 0, m.start())
                    rows.append(_row_number(data, start))
                    cell = org_cell.search(data, start, data.find(b"</row>", m.end()))
                    org.append("" if cell is None else self._cell_value(cell.group(1), cell.group(2)))
                    main.append(strings[int(m.group("main"))])
                    sub.append(strings[int(m.group("sub"))])
                    value.append("" if m.group("vattr") is None else self._cell_value(m.group("vattr"),
                                                                                        m.group("vbody")))
                last = data.rfind(b"<row")
                if last >= 0:
                    last_row = max(last_row, _row_number(data, last))
                if progress is not None:
                    progress(min(1.0, done / max(1, self.sheet_size)))
        if b"" in sub_ids:
            raise NotPlain("SubCode cells that are not plain shared text")
        return LongTable(org, main, sub, value, np.array(rows, dtype=np.int64),
                         {strings[int(i)] for i in sub_ids}, last_row - header_row)

    def _wanted_rows(self, cols: dict[str, int], letters: dict[str, bytes], mains: set[str],
                     subs: set[str]) -> re.Pattern | None:
        """One pattern for a row's MainCode, SubCode and value cells, in the sheet's column order, the
        codes as their shared-string numbers (None when no wanted code is in the table)."""
        ids = {"main": self._ids(mains), "sub": self._ids(subs)}
        if not ids["main"] or not ids["sub"]:
            return None
        pieces = {role: rb'<c r="' + letters[role] + rb'\d+"[^>/]*?\bt="s"[^>/]*><v>(?P<' + role.encode() + rb'>'
                  + b"|".join(ids[role]) + rb')</v></c>' for role in ("main", "sub")}
        pieces["value"] = rb'<c r="' + letters["value"] + rb'\d+"(?P<vattr>[^>/]*)(?:/>|>(?P<vbody>.*?)</c>)'
        pattern = b""
        for k, role in enumerate(sorted(("main", "sub", "value"), key=lambda r: cols[r])):
            piece = (_SKIP if k else b"") + pieces[role]
            pattern += rb"(?:" + piece + rb")?" if role == "value" else piece  # a blank value has no cell
        return re.compile(pattern, re.S)

    def _ids(self, texts: set[str]) -> list[bytes]:
        """The shared-string numbers of the given texts."""
        return [str(i).encode() for i, s in enumerate(self.strings) if s in texts]


def _row_number(data: bytes, start: int) -> int:
    head = _ROW_HEAD.match(data, start)
    if head is None:
        raise NotPlain("a row without its number")
    return int(head.group(1))


def _after_row(data: bytes, row: int) -> int:
    """Where the given row ends in the sheet's first block (the header is in its first rows)."""
    m = re.search(rb'<row\b[^>]*?\br="' + str(row).encode() + rb'"', data)
    end = data.find(b"</row>", m.end()) if m else -1
    if end < 0:
        raise NotPlain("the header row is not where it was found")
    return end + len(b"</row>")


_NO_REFERENCE = re.compile(rb'<c(?! r=")[ >]')
_OTHER_TEXT = re.compile(rb't="(?:str|inlineStr)"')


def _check_plain(data: bytes) -> None:
    """Text only as shared strings, and every cell with its reference first (else a row could be missed)."""
    if _OTHER_TEXT.search(data) is not None:
        raise NotPlain("text written inline or by formulas")
    if _NO_REFERENCE.search(data) is not None:
        raise NotPlain("cells without their reference")


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


__all__ = ["LongTable", "NotPlain", "PlainSheet"]
