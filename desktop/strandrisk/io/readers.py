"""Readers for untrusted spreadsheets: the format is chosen from the file's first bytes, not its name.

Every reader returns a ``RawWorkbook``: sheets of raw cell values (row lists starting at A1), with
hidden sheets marked. Zip packages are checked (entry count, sizes, compression ratio, duplicate
names) before any parser sees them, rows and columns are capped whatever the file declares, and
every failure is an ``UnreadableFile`` carrying one line for the user.
These functions run inside the import worker process (see ``worker.py``).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .values import NO_CACHED_VALUE, CellError

MAX_ROWS = 2_000_000
MAX_COLUMNS = 1_000
MAX_ZIP_ENTRIES = 10_000
MAX_UNCOMPRESSED = 1_500_000_000  # bytes, all entries together
MAX_ENTRY_RATIO = 200  # uncompressed / compressed for entries over 1 MB
MAX_CSV_BYTES = 800_000_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PASSWORD_MESSAGE = "is password-protected: remove the password in Excel (File > Info > Protect) and save again"


class UnreadableFile(Exception):
    """The file cannot be read at all; the message (without the file name) is one line for the user."""


HEAD_ROWS = 200  # rows looked at for the header and preview


@dataclass
class RawSheet:
    """One sheet's raw cells. ``rows`` holds every row (workbooks) or the first HEAD_ROWS (CSV, whose
    body is read column-wise by pandas' C parser once the header row is known)."""

    name: str
    rows: list
    hidden: str = ""  # "", "hidden" or "very hidden"
    notes: list = field(default_factory=list)
    csv_source: tuple | None = None  # (path, python encoding, delimiter) when the body is read later

    def head(self, n: int = HEAD_ROWS) -> list:
        return self.rows[:n]

    def columns_from(self, start: int, text_columns=()) -> list:
        """Cells from 0-based row ``start`` to the end, one array per column (object or float)."""
        if self.csv_source is not None:
            cols = _csv_columns(self, start, set(text_columns))
            if cols is not None:
                return cols
            self.rows = _csv_rows(*self.csv_source)
            self.csv_source = None
        body = self.rows[start:]
        if not body:
            return []
        width = len(body[0])
        if len(set(map(len, body))) == 1:  # calamine's rows are rectangular: one C-level copy
            grid = np.empty((len(body), width), dtype=object)
            grid[:] = body
            return [grid[:, j] for j in range(width)]
        out = []
        for col in itertools.zip_longest(*body, fillvalue=None):
            arr = np.empty(len(body), dtype=object)
            arr[:] = col
            out.append(arr)
        return out


@dataclass
class RawWorkbook:
    format: str  # xlsx, xlsm, xlsb, xls, ods, csv
    sheets: list
    date1904: bool = False
    notes: list = field(default_factory=list)


def sniff(path: Path) -> str:
    """'zip-xlsx', 'zip-ods', 'zip-xlsb', 'ole', 'csv' from the first bytes; UnreadableFile otherwise."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if not head:
        raise UnreadableFile("is empty (0 bytes): export the data again")
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        raise UnreadableFile("is an empty or split zip archive, not a workbook")
    if head.startswith(OLE_MAGIC):
        return "ole"
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype html", b"<table")) or b"<html" in text[:512].replace(b"\x00", b""):
        raise UnreadableFile("is a web page (HTML) saved with a spreadsheet name: open it in Excel and "
                             "save it as .xlsx")
    if text.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
            raise UnreadableFile("is an Excel 2003 XML spreadsheet: open it in Excel and save it as .xlsx")
        raise UnreadableFile("is an XML file, not a spreadsheet")
    if head.startswith((b"{\\rtf", b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff")):
        raise UnreadableFile("is not a spreadsheet (it looks like a document or picture)")
    if _looks_like_text(head):
        return "csv"
    raise UnreadableFile("is not a spreadsheet this program can read (.xlsx, .xlsm, .xls, .ods or .csv)")


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return True
    if head.count(b"\x00") > len(head) // 4:  # UTF-16 without a BOM: every other byte is zero
        return True
    if b"\x00" in head:
        return False
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control <= len(head) // 100


def read_workbook(path: Path) -> RawWorkbook:
    kind = sniff(path)
    if kind == "csv":
        return read_csv(path)
    if kind == "zip":
        fmt, date1904, _ = check_zip(path, scan=False)
        if fmt in ("xlsx", "xlsm"):
            # The error-cell scan decompresses the sheets again; zlib releases the GIL, so it runs
            # beside the reader instead of after it.
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=1) as pool:
                scan = pool.submit(_scan_errors, path)
                book = _read_calamine(path, fmt)
                date1904, errors = scan.result()
        else:
            book, errors = _read_calamine(path, fmt), {}
        book.date1904 = date1904
        if fmt == "xlsm":
            book.notes.append("macro-enabled workbook: macros were not run, only the saved values were read")
        _overlay_errors(book, errors)
        return book
    return _read_ole(path)


def _read_ole(path: Path) -> RawWorkbook:
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    if "EncryptedPackage".encode("utf-16-le") in head or "EncryptionInfo".encode("utf-16-le") in head:
        raise UnreadableFile(PASSWORD_MESSAGE)
    return _read_calamine(path, "xls")


def _read_calamine(path: Path, fmt: str) -> RawWorkbook:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
        metadata = wb.sheets_metadata
    except pc.PasswordError:
        raise UnreadableFile(PASSWORD_MESSAGE) from None
    except Exception as exc:  # noqa: BLE001 - every reader failure becomes one line
        raise UnreadableFile(_reader_message(fmt, exc)) from None
    sheets = []
    for meta in metadata:
        hidden = {"Hidden": "hidden", "VeryHidden": "very hidden"}.get(str(meta.visible).rsplit(".", 1)[-1], "")
        if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
            continue
        if hidden:
            sheets.append(RawSheet(meta.name, [], hidden))
            continue
        try:
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS + 1)
        except pc.PasswordError:
            raise UnreadableFile(PASSWORD_MESSAGE) from None
        except Exception as exc:  # noqa: BLE001
            raise UnreadableFile(_reader_message(fmt, exc, meta.name)) from None
        notes = []
        if len(rows) > MAX_ROWS:
            rows = rows[:MAX_ROWS]
            notes.append(f"only the first {MAX_ROWS:,} rows were read")
        if rows and max(len(rows[0]), len(rows[-1])) > MAX_COLUMNS:
            rows = [r[:MAX_COLUMNS] for r in rows]
            notes.append(f"only the first {MAX_COLUMNS:,} columns were read")
        sheets.append(RawSheet(meta.name, rows, "", notes))
    try:
        wb.close()
    except Exception:  # noqa: BLE001
        pass
    return RawWorkbook(fmt, sheets)


def _reader_message(fmt: str, exc: Exception, sheet: str = "") -> str:
    detail = " ".join(str(exc).split())[:160]
    where = f" (sheet '{sheet}')" if sheet else ""
    if "entity" in detail.lower() or "doctype" in detail.lower():
        return f"contains unsafe XML (entity declarations){where}: it was not read"
    if "limit" in detail.lower():
        return f"is too large or built to exhaust memory{where}: it was not read ({detail})"
    return (f"is damaged or not a real {fmt} file{where}: open it in Excel and save it again as .xlsx "
            f"({detail})")


# Zip packages ------------------------------------------------------------------------------------

def check_zip(path: Path, scan: bool = True):
    """Check a zip package before parsing; return (format, date1904, {sheet name: {(r, c): CellError}}).

    With scan=False the sheets are not decompressed and the third item is the list of sheet names.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(f"is a damaged zip package, not a readable workbook ({exc}): open it in Excel "
                             "and save it again") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise UnreadableFile(f"has {len(infos):,} parts inside, more than any real workbook: not read")
        seen = set()
        total = 0
        for info in infos:
            key = info.filename.replace("\\", "/").lower()
            if key in seen:
                raise UnreadableFile(f"contains the part '{info.filename}' twice (a sign of tampering): not read")
            seen.add(key)
            total += info.file_size
            if info.file_size > (1 << 20) and info.file_size > MAX_ENTRY_RATIO * max(1, info.compress_size):
                raise UnreadableFile("is compressed suspiciously well (a zip bomb?): not read")
            if info.flag_bits & 0x1:
                raise UnreadableFile(PASSWORD_MESSAGE)
        if total > MAX_UNCOMPRESSED:
            raise UnreadableFile(f"would expand to {total / 1e9:.1f} GB: too large to read")
        names = {i.filename.replace("\\", "/").lower(): i.filename for i in infos}
        if "mimetype" in names:
            mime = zf.read(names["mimetype"])[:100]
            if b"opendocument.spreadsheet" in mime:
                return "ods", False, {}
            raise UnreadableFile("is an OpenDocument file but not a spreadsheet (.ods)")
        if "xl/workbook.bin" in names:
            return "xlsb", False, {}
        if "xl/workbook.xml" not in names:
            if any(n.startswith("word/") for n in names):
                raise UnreadableFile("is a Word document, not a spreadsheet")
            raise UnreadableFile("is a zip archive, not a workbook: unzip it and choose the spreadsheet inside")
        fmt = "xlsm" if "xl/vbaproject.bin" in names else "xlsx"
        date1904, errors = _scan_xlsx(zf, names, scan)
    return fmt, date1904, errors


def _scan_errors(path: Path):
    with zipfile.ZipFile(path) as zf:
        names = {i.filename.replace("\\", "/").lower(): i.filename for i in zf.infolist()}
        return _scan_xlsx(zf, names, True)


_CELL_ERROR = re.compile(rb'<c\b([^>]*\bt="e"[^>]*)>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?<v>([^<]*)</v>')
_CELL_NOVALUE = re.compile(rb'<c\b([^>]*)>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>|<v>\s*</v>)?</c>')
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')


def _ref_to_index(col: bytes, row: bytes):
    c = 0
    for ch in col:
        c = c * 26 + ch - 64
    return int(row) - 1, c - 1


def _scan_xlsx(zf: zipfile.ZipFile, names: dict, scan: bool = True):
    """Find error cells and formulas without a saved value, which the fast reader shows as blank."""
    from defusedxml import ElementTree as SafeET

    try:
        wb_root = SafeET.fromstring(zf.read(names["xl/workbook.xml"]))
    except Exception as exc:  # noqa: BLE001 - defusedxml refusals and broken XML alike
        raise UnreadableFile(f"has a damaged or unsafe workbook part ({type(exc).__name__}): not read") from None
    date1904 = False
    targets = {}
    rels_name = names.get("xl/_rels/workbook.xml.rels")
    if rels_name:
        try:
            rels = SafeET.fromstring(zf.read(rels_name))
        except Exception as exc:  # noqa: BLE001
            raise UnreadableFile(f"has a damaged or unsafe part ({type(exc).__name__}): not read") from None
        for rel in rels:
            target = rel.get("Target", "").replace("\\", "/")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[rel.get("Id")] = target.lower()
    errors = {}
    sheet_names = []
    for el in wb_root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "workbookPr" and el.get("date1904") in ("1", "true"):
            date1904 = True
        if tag != "sheet":
            continue
        sheet_names.append(el.get("name"))
        if not scan:
            continue
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
        part = names.get(targets.get(rid, ""))
        if part is None:
            continue
        data = zf.read(part)
        found = {}
        if b't="e"' in data:
            for m in _CELL_ERROR.finditer(data):
                ref = _REF.search(m.group(1))
                if ref:
                    found[_ref_to_index(*ref.groups())] = CellError(m.group(2).decode("utf-8", "replace"))
        if b"<f" in data:
            for m in _CELL_NOVALUE.finditer(data):
                ref = _REF.search(m.group(1))
                if ref and b't="str"' not in m.group(1):
                    found[_ref_to_index(*ref.groups())] = NO_CACHED_VALUE
        if found:
            errors[el.get("name")] = found
        del data
    return date1904, (errors if scan else sheet_names)


def _overlay_errors(book: RawWorkbook, errors: dict) -> None:
    for sheet in book.sheets:
        for (r, c), err in errors.get(sheet.name, {}).items():
            if r < len(sheet.rows):
                row = sheet.rows[r]
                if c < len(row):
                    row[c] = err
                elif c < MAX_COLUMNS:
                    row.extend([""] * (c - len(row)))
                    row.append(err)


# CSV -----------------------------------------------------------------------------------------------

def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 with or without BOM, UTF-16 (BOM or zero bytes), else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), "UTF-8 with BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), "UTF-16"
    sample = data[:4096]
    if sample.count(b"\x00") > len(sample) // 4:
        enc = "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
        return data.decode(enc, "replace"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), "Windows-1252"


def sniff_delimiter(text: str) -> str:
    sample = "\n".join(text[:65536].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in ",;\t|"}
        return max(counts, key=counts.get) if any(counts.values()) else ","


_PY_ENCODING = {"UTF-8 with BOM": "utf-8-sig", "UTF-16": "utf-16", "UTF-8": "utf-8", "Windows-1252": "cp1252"}


def read_csv(path: Path) -> RawWorkbook:
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise UnreadableFile(f"is {size / 1e6:.0f} MB, too large to read as CSV")
    with open(path, "rb") as fh:
        sample = fh.read(1 << 18)
    text, encoding = decode_text(sample)
    if encoding in ("UTF-8", "Windows-1252") and len(sample) == (1 << 18):
        encoding = _utf8_or_cp1252(path)  # the whole file decides: a cut character ends the sample
    delimiter = sniff_delimiter(text)
    lines = text.splitlines(keepends=True)
    if len(sample) == (1 << 18) and lines:
        lines = lines[:-1]  # the last sampled line may be cut
    try:
        head = list(csv.reader(io.StringIO("".join(lines[:HEAD_ROWS]), newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UnreadableFile(f"is not a well-formed CSV file ({exc})") from None
    notes = [f"read as CSV, encoding {encoding}, delimiter {_delimiter_name(delimiter)}"]
    if any(len(r) > MAX_COLUMNS for r in head):
        raise UnreadableFile(f"has more than {MAX_COLUMNS:,} columns: not read as CSV")
    sheet = RawSheet(Path(path).stem, head, "", notes, (str(path), _PY_ENCODING[encoding], delimiter))
    if len(sample) < (1 << 18):
        sheet.rows = _csv_rows(*sheet.csv_source)
        sheet.csv_source = None
    return RawWorkbook("csv", [sheet])


def _utf8_or_cp1252(path: Path) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        try:
            for block in iter(lambda: fh.read(1 << 22), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "Windows-1252"
    return "UTF-8"


def _csv_rows(path: str, encoding: str, delimiter: str) -> list:
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        try:
            rows = []
            for row in csv.reader(fh, delimiter=delimiter):
                if len(rows) >= MAX_ROWS:
                    break
                rows.append(row[:MAX_COLUMNS])
        except csv.Error as exc:
            raise UnreadableFile(f"is not a well-formed CSV file ({exc})") from None
    return rows


def _csv_columns(sheet: RawSheet, start: int, text_columns: set):
    """The body through pandas' C parser; None when the file needs the tolerant reader instead."""
    import pandas as pd

    path, encoding, delimiter = sheet.csv_source
    width = max((len(r) for r in sheet.rows), default=0)
    if width == 0:
        return []
    try:
        df = pd.read_csv(path, sep=delimiter, header=None, skiprows=start, names=list(range(width)),
                         encoding=encoding, encoding_errors="replace", keep_default_na=False, na_values=[""],
                         skip_blank_lines=False, dtype={j: object for j in text_columns if j < width},
                         nrows=MAX_ROWS, engine="c", low_memory=False, quotechar='"')
    except (pd.errors.ParserError, ValueError, UnicodeError):
        return None
    return [df[j].to_numpy() for j in range(width)]


def _delimiter_name(d: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}.get(d, repr(d))
