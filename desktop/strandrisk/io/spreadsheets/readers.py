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
XLSB_MESSAGE = ("is an Excel binary workbook (.xlsb), which StrandRisk does not read: open it in Excel and "
                "save it as .xlsx (File > Save As > Excel Workbook)")
TOO_LARGE = "is too large or damaged"
PASSWORD_MESSAGE = "is password-protected: remove the password in Excel (File > Info > Protect) and save again"


class UnreadableFile(Exception):
    """The file cannot be read at all; the message (without the file name) is one line for the user."""


DAMAGED_PACKAGE = ("is damaged: its zip package cannot be opened (cut short or altered); open it in Excel or "
                   "LibreOffice and save it again")


def read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    """One part of a zip package; a damaged part is one line for the user, never the zip module's words."""
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        if isinstance(exc, RuntimeError) and "password" in str(exc).lower():
            raise UnreadableFile(PASSWORD_MESSAGE) from None
        raise UnreadableFile(f"is damaged: the part '{name}' inside it cannot be unpacked; open it in Excel "
                             "or LibreOffice and save it again") from None
    except Exception:  # noqa: BLE001 - zlib.error and friends: the same answer
        raise UnreadableFile(f"is damaged: the part '{name}' inside it cannot be unpacked; open it in Excel "
                             "or LibreOffice and save it again") from None


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
    losses: list = field(default_factory=list)  # notes saying data were left out: warnings for the user

    def lose(self, text: str) -> None:
        """Record that rows or columns were left out (a note on the sheet and a warning)."""
        self.notes.append(text)
        self.losses.append(text)

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
        if fmt == "xlsb":
            raise UnreadableFile(XLSB_MESSAGE)
        if fmt == "ods":
            return read_ods(path)
        if fmt in ("xlsx", "xlsm"):
            # The scan (sheet extents, error cells) decompresses the sheets again; zlib and the reader
            # release the GIL, so it runs beside the reader instead of before it. On small packages it
            # runs first, so that its refusals come before the reader allocates anything; on large ones
            # a refusal ends the worker process at once (REFUSE_NOW) rather than wait for the reader.
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=1) as pool:
                scan = pool.submit(_scan_errors, path)
                if _sheet_bytes(path) < SCAN_FIRST_BYTES:
                    scan.result()
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
    check_xls_sizes(path)
    return _read_calamine(path, "xls")


def _read_calamine(path: Path, fmt: str) -> RawWorkbook:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
        metadata = wb.sheets_metadata
    except pc.PasswordError:
        raise UnreadableFile(PASSWORD_MESSAGE) from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a reader panic (pyo3 PanicException) is a BaseException
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
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - panics included, as above
            raise UnreadableFile(_reader_message(fmt, exc, meta.name)) from None
        raw = RawSheet(meta.name, rows, "")
        if len(rows) > MAX_ROWS:
            raw.rows = rows = rows[:MAX_ROWS]
            raw.lose(f"only the first {MAX_ROWS:,} rows were read")
        if rows and max(len(rows[0]), len(rows[-1])) > MAX_COLUMNS:
            raw.rows = [r[:MAX_COLUMNS] for r in rows]
            raw.lose(f"only the first {MAX_COLUMNS:,} columns were read")
        sheets.append(raw)
    try:
        wb.close()
    except Exception:  # noqa: BLE001
        pass
    return RawWorkbook(fmt, sheets)


def _reader_message(fmt: str, exc: BaseException, sheet: str = "") -> str:
    detail = _plain_detail(exc)
    where = f" (sheet '{sheet}')" if sheet else ""
    low = detail.lower()
    if "entity" in low or "doctype" in low:
        return f"contains unsafe XML (entity declarations){where}: it was not read"
    if "limit" in low or "memory" in low or "alloc" in low or "capacity" in low:
        return f"{TOO_LARGE}{where}: it asks for more cells or memory than any real workbook ({detail})"
    if type(exc).__name__ == "PanicException" or not detail:
        return (f"is damaged or not a real {fmt} file{where}: the reader could not make sense of it; open it "
                "in Excel and save it again as .xlsx")
    return (f"is damaged or not a real {fmt} file{where}: open it in Excel and save it again as .xlsx "
            f"({detail})")


_CLASS_NAME = re.compile(r"\b[A-Za-z_]*(?:Error|Exception|Panic)\b:?\s*|\[Errno -?\d+\]\s*")


def _plain_detail(exc: BaseException) -> str:
    """The reader's own words, one line, without exception class names or errno codes."""
    return _CLASS_NAME.sub("", " ".join(str(exc).split()))[:160].strip(" :()")


# Zip packages ------------------------------------------------------------------------------------

def check_zip(path: Path, scan: bool = True):
    """Check a zip package before parsing; return (format, date1904, {sheet name: {(r, c): CellError}}).

    With scan=False the sheets are not decompressed and the third item is the list of sheet names.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise UnreadableFile(DAMAGED_PACKAGE) from None
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
            mime = read_part(zf, names["mimetype"])[:100]
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


def _xml_words(exc: Exception) -> str:
    name = type(exc).__name__
    if name in ("EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden"):
        return "entity or document type declarations, refused for safety"
    return "broken XML"


SCAN_FIRST_BYTES = 8_000_000  # worksheet XML below this is scanned before the reader starts
REFUSE_NOW = None  # set in the worker process: send a refusal and end the process at once


def _sheet_bytes(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(i.file_size for i in zf.infolist() if i.filename.lower().startswith("xl/worksheets/"))


def _scan_errors(path: Path):
    try:
        with zipfile.ZipFile(path) as zf:
            names = {i.filename.replace("\\", "/").lower(): i.filename for i in zf.infolist()}
            return _scan_xlsx(zf, names, True)
    except UnreadableFile as exc:
        if REFUSE_NOW is not None:
            REFUSE_NOW(str(exc))
        raise


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
        wb_root = SafeET.fromstring(read_part(zf, names["xl/workbook.xml"]))
    except UnreadableFile:
        raise
    except Exception as exc:  # noqa: BLE001 - defusedxml refusals and broken XML alike
        raise UnreadableFile(f"has a damaged or unsafe workbook part ({_xml_words(exc)}): not read") from None
    date1904 = False
    targets = {}
    rels_name = names.get("xl/_rels/workbook.xml.rels")
    if rels_name:
        try:
            rels = SafeET.fromstring(read_part(zf, rels_name))
        except UnreadableFile:
            raise
        except Exception as exc:  # noqa: BLE001
            raise UnreadableFile(f"has a damaged or unsafe part ({_xml_words(exc)}): not read") from None
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
        _check_extent(zf, part, el.get("name"))
        data = read_part(zf, part)
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
        # No BOM: the zero byte of ASCII characters says which end comes first.
        little = sample[1::2].count(0) >= sample[0::2].count(0)
        return data.decode("utf-16-le" if little else "utf-16-be", "replace"), \
            "UTF-16 LE (no BOM)" if little else "UTF-16 BE (no BOM)"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), "Windows-1252"


SNIFF_LINE_CHARS = 1000  # the separator shows in a line's start; the standard sniffer's patterns are
# quadratic on long lines holding quotes (40,000 spaces took 35 s)


def sniff_delimiter(text: str) -> str:
    sample = "\n".join(line[:SNIFF_LINE_CHARS] for line in text[:65536].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in ",;\t|"}
        return max(counts, key=counts.get) if any(counts.values()) else ","


_PY_ENCODING = {"UTF-8 with BOM": "utf-8-sig", "UTF-16": "utf-16", "UTF-16 LE (no BOM)": "utf-16-le",
                "UTF-16 BE (no BOM)": "utf-16-be", "UTF-8": "utf-8", "Windows-1252": "cp1252"}


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


# Sheet extents of xlsx, checked before the reader allocates ---------------------------------------

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384  # XFD
MAX_GRID_CELLS = 10_000_000  # rows x columns the reader may lay out for one sheet at once
MAX_SHEET_CELLS = 10_000_000  # cells read from one sheet: about 1 GB in the reader at ~100 bytes a cell
_FAR_REF = re.compile(rb'r="(?:[A-Z]{3,}[0-9]|[A-Z]{0,3}[0-9]{7})')  # no leading \b: keeps re's fast prefix scan
_ANY_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)([0-9]+)"')


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _check_extent(zf: zipfile.ZipFile, part: str, sheet_name: str) -> None:
    """Refuse a sheet of more than MAX_SHEET_CELLS cells, with cell references beyond Excel's last cell
    (XFD1048576), or whose far-away cells would make the reader lay out more than MAX_GRID_CELLS cells:
    the fast reader allocates the whole rectangle from A1 to the farthest cell at once.

    Streamed in blocks; only references with a column of three letters or a row of seven digits are
    looked at first (an ordinary sheet has none), and only then every reference of that sheet.
    """
    far, cells = _first_pass(zf, part)
    sheet = f"sheet '{sheet_name}'"
    if cells > MAX_SHEET_CELLS:
        raise UnreadableFile(_too_many_cells(cells, sheet))
    if far:
        rows, cols, worst = _extent(zf, part)
        if rows > EXCEL_MAX_ROWS or cols > EXCEL_MAX_COLUMNS:
            raise UnreadableFile(f"{TOO_LARGE}: cell {worst} in {sheet} lies beyond Excel's last cell "
                                 "(XFD1048576), which no real workbook has; open it in Excel and save it again")
        if rows * cols > MAX_GRID_CELLS:
            raise UnreadableFile(f"{TOO_LARGE}: a value at cell {worst} in {sheet}, far outside the table, "
                                 f"would make it {rows:,} rows by {cols:,} columns; delete the stray cells "
                                 "and save it again")


def _chunks(zf: zipfile.ZipFile, name: str, size: int = 1 << 22):
    """The part's bytes in blocks that overlap by 64 bytes, so that no reference is cut in two."""
    try:
        with zf.open(name) as fh:
            tail = b""
            while True:
                block = fh.read(size)
                if not block:
                    return
                yield tail + block
                tail = block[-64:]
    except UnreadableFile:
        raise
    except Exception:  # noqa: BLE001 - zlib.error, BadZipFile, CRC: one line for the user
        raise UnreadableFile(f"is damaged: the part '{name}' inside it cannot be unpacked; open it in Excel or "
                             "LibreOffice and save it again") from None


def _first_pass(zf, name) -> tuple[bool, int]:
    """(whether any cell reference is far out, number of cells) of one sheet part."""
    far = False
    cells = 0
    for block in _chunks(zf, name):
        far = far or _FAR_REF.search(block) is not None
        cells += block.count(b"<c")  # cells, and the rare <col>/<cfRule>: close enough for a limit
    return far, cells


def _too_many_cells(cells: int, where: str) -> str:
    return (f"{TOO_LARGE}: {where} has {cells:,} cells, more than the {MAX_SHEET_CELLS:,} StrandRisk reads from "
            "one sheet (for example 500,000 rows of 20 columns); keep only the rows and columns it needs")


def _extent(zf, name):
    """(last row, last column, reference of the farthest cell) over every cell of one sheet part."""
    rows = cols = 0
    worst = ""
    for block in _chunks(zf, name):
        for m in _ANY_REF.finditer(block):
            r, c = int(m.group(2)), column_number(m.group(1).decode("ascii"))
            if r * max(c, 1) > rows * max(cols, 1) or r > EXCEL_MAX_ROWS or c > EXCEL_MAX_COLUMNS:
                worst = (m.group(1) + m.group(2)).decode("ascii")
            rows, cols = max(rows, r), max(cols, c)
    return rows, cols, worst


# OpenDocument spreadsheets --------------------------------------------------------------------------

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
MAX_REPEAT_COPIES = 1_000  # a row that holds data and says "repeat me" is read this many times at most
_EMPTY_ROW: list = []  # shared by every blank row laid out before a row with data (never mutated)


def read_ods(path: Path) -> RawWorkbook:
    """An .ods read as a stream: repeated rows and columns are counted, never laid out beyond the caps,
    and every cap or oddity is a note on its sheet (the fast reader drops a row repeated 0 times and
    rows after a long blank run without a word)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    with zipfile.ZipFile(path) as zf:
        names = {i.filename.replace("\\", "/").lower(): i.filename for i in zf.infolist()}
        manifest = names.get("meta-inf/manifest.xml")
        if manifest and b"encryption-data" in read_part(zf, manifest):
            raise UnreadableFile(PASSWORD_MESSAGE)
        if "content.xml" not in names:
            raise UnreadableFile("is damaged: it has no content part (content.xml); open it in LibreOffice or "
                                 "Excel and save it again")
        reader = _OdsReader()
        try:
            with zf.open(names["content.xml"]) as fh:
                for event, el in iterparse(fh, events=("start", "end")):
                    reader.feed(event, el)
        except UnreadableFile:
            raise
        except DefusedXmlException:
            raise UnreadableFile("contains unsafe XML (entity declarations): it was not read") from None
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - broken XML, zlib and CRC errors alike
            raise UnreadableFile("is damaged: its content part is not well-formed; open it in LibreOffice or "
                                 "Excel and save it again") from None
    return RawWorkbook("ods", reader.sheets)


class _OdsReader:
    """Builds RawSheets from iterparse events of content.xml; each row element is dropped once read."""

    def __init__(self):
        self.sheets: list[RawSheet] = []
        self.hidden_styles: set = set()
        self.stack: list = []
        self.sheet: RawSheet | None = None
        self.blank_run = 0  # blank rows seen since the last row with data, not laid out yet
        self.dropped = 0  # rows with data beyond MAX_ROWS

    def feed(self, event, el):
        if event == "start":
            self.stack.append(el)
            if el.tag == _TABLE + "table" and self.sheet is None:
                style = el.get(_TABLE + "style-name")
                self.sheet = RawSheet(el.get(_TABLE + "name") or f"Sheet{len(self.sheets) + 1}", [],
                                      "hidden" if style in self.hidden_styles else "")
                self.blank_run = self.dropped = self.cut_rows = self.extra_notes = self.cells = 0
            return
        self.stack.pop()
        tag = el.tag
        if tag == _STYLE + "style" and el.get(_STYLE + "family") == "table":
            props = el.find(_STYLE + "table-properties")
            if props is not None and props.get(_TABLE + "display") == "false":
                self.hidden_styles.add(el.get(_STYLE + "name"))
        elif tag == _TABLE + "table-row" and self.sheet is not None:
            if not self.sheet.hidden:
                self._row(el)
            self._drop(el)
        elif tag == _TABLE + "table" and self.sheet is not None and not any(
                e.tag == _TABLE + "table" for e in self.stack):
            if self.cut_rows:
                self.sheet.lose(f"only the first {MAX_COLUMNS:,} columns were read ({self.cut_rows:,} "
                                        "rows go further)")
            if self.dropped:
                self.sheet.lose(f"only the first {MAX_ROWS:,} rows were read: {self.dropped:,} more "
                                        "rows with data after them were not read")
            if self.extra_notes:
                self.sheet.lose(f"{self.extra_notes:,} more rows repeated in the file were capped "
                                        "the same way")
            self.sheets.append(self.sheet)
            self.sheet = None
            self._drop(el)

    def _note(self, text: str, loss: bool = False):
        if len(self.sheet.notes) >= 20:
            self.extra_notes += loss
        elif loss:
            self.sheet.lose(text)
        else:
            self.sheet.notes.append(text)

    def _drop(self, el):
        el.clear()
        if self.stack:
            try:
                self.stack[-1].remove(el)
            except ValueError:
                pass

    def _row(self, el):
        sheet = self.sheet
        row_no = len(sheet.rows) + self.blank_run + 1
        cells, cut = _ods_cells(el)
        repeat = _repeat(el.get(_TABLE + "number-rows-repeated"))
        if repeat == 0:
            repeat = 1
            if cells:
                self._note(f"row {row_no} says it is repeated 0 times (not valid): it was read once")
        if not cells:
            self.blank_run += repeat
            return
        self.cut_rows += cut * min(repeat, MAX_REPEAT_COPIES)
        room = MAX_ROWS - (len(sheet.rows) + self.blank_run)
        if room <= 0:
            self.dropped += repeat
            return
        sheet.rows.extend([_EMPTY_ROW] * self.blank_run)
        self.blank_run = 0
        copies = min(repeat, MAX_REPEAT_COPIES, room)
        self.cells += len(cells)  # a repeated row is one list shared by its copies
        if self.cells > MAX_SHEET_CELLS:
            raise UnreadableFile(_too_many_cells(self.cells, f"sheet '{sheet.name}'"))
        sheet.rows.extend([cells] * copies)
        if copies < repeat:
            why = (f"only the first {copies:,} copies were read" if copies == MAX_REPEAT_COPIES else
                   f"only {copies:,} fit within the first {MAX_ROWS:,} rows")
            self._note(f"row {row_no} is repeated {repeat:,} times in the file: {why}", loss=True)
            if copies == room:
                self.dropped += repeat - copies


def _repeat(text) -> int:
    try:
        return max(0, int(text)) if text is not None else 1
    except ValueError:
        return 1


def _ods_cells(row_el):
    """(cell values of one row, trailing blanks dropped; whether columns beyond MAX_COLUMNS were cut)."""
    cells: list = []
    blanks = 0
    cut = False
    for cell in row_el:
        if cell.tag not in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
            continue
        repeat = max(1, _repeat(cell.get(_TABLE + "number-columns-repeated")))
        value = _ods_value(cell)
        if value is None:
            blanks += repeat
            continue
        start = len(cells) + blanks
        if start >= MAX_COLUMNS:
            cut = True
            break
        cells.extend([None] * blanks)
        blanks = 0
        copies = min(repeat, MAX_COLUMNS - start)
        cells.extend([value] * copies)
        cut = cut or copies < repeat
    return cells, cut


def _ods_value(cell):
    import datetime as dt

    kind = cell.get(_OFFICE + "value-type")
    if cell.get(_CALCEXT + "value-type") == "error":
        return CellError(_ods_text(cell) or "#VALUE!")
    if kind in ("float", "percentage", "currency"):
        try:
            return float(cell.get(_OFFICE + "value"))
        except (TypeError, ValueError):
            return _ods_text(cell) or None
    if kind == "date":
        text = cell.get(_OFFICE + "date-value") or ""
        try:
            return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
        except ValueError:
            return _ods_text(cell) or None
    if kind == "boolean":
        return (cell.get(_OFFICE + "boolean-value") or "").lower() == "true"
    text = _ods_text(cell)
    return text if text else None


def _ods_text(cell) -> str:
    """The cell's paragraphs joined by line breaks; text:s spaces and tabs kept; comments left out."""
    paragraphs = []
    for p in cell:
        if p.tag in (_TEXT + "p", _TEXT + "h"):
            parts: list = []
            _collect(p, parts)
            paragraphs.append("".join(parts))
    return "\n".join(paragraphs)


def _collect(el, parts):
    if el.text:
        parts.append(el.text)
    for child in el:
        tag = child.tag
        if tag == _TEXT + "s":
            parts.append(" " * min(max(1, _repeat(child.get(_TEXT + "c"))), 1000))
        elif tag == _TEXT + "tab":
            parts.append("\t")
        elif tag == _TEXT + "line-break":
            parts.append("\n")
        elif tag != _OFFICE + "annotation":
            _collect(child, parts)
        if child.tail:
            parts.append(child.tail)


# Legacy .xls: the sizes a workbook declares, checked before the reader trusts them -----------------

_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
XLS_MAX_ROWS = 65_536
XLS_MAX_COLUMNS = 256


def check_xls_sizes(path: Path) -> None:
    """Refuse an .xls whose Workbook stream declares absurd sizes: a sheet's dimensions beyond what the
    format can hold (65,536 rows, 256 columns), or more shared strings than the stream has bytes. The
    fast reader reserves memory from such counts (gigabytes for 8 duplicated bytes). A container that
    cannot be walked is left to the reader, whose own errors say what is wrong."""
    data = path.read_bytes()
    stream = _cfb_stream(data, ("workbook", "book"))
    if stream is None or stream[:2] != b"\x09\x08":  # not a BIFF5/8 stream opening with BOF: not walked
        return
    pos = 0
    n = len(stream)
    while pos + 4 <= n:
        rec, size = int.from_bytes(stream[pos:pos + 2], "little"), int.from_bytes(stream[pos + 2:pos + 4], "little")
        body = stream[pos + 4:pos + 4 + size]
        if rec == 0x002F:  # FILEPASS: what follows is encrypted
            raise UnreadableFile(PASSWORD_MESSAGE)
        if rec == 0x0200 and size == 14:  # DIMENSIONS (BIFF8): first row, last row + 1, first col, last col + 1
            rows, cols = int.from_bytes(body[4:8], "little"), int.from_bytes(body[10:12], "little")
            if rows > XLS_MAX_ROWS or cols > XLS_MAX_COLUMNS:
                raise UnreadableFile(f"{TOO_LARGE}: a sheet declares {rows:,} rows by {cols:,} columns, more than "
                                     "an .xls file can hold (65,536 by 256); open it in Excel and save it as .xlsx")
        elif rec == 0x00FC and size >= 8:  # SST: total and distinct shared strings
            unique = int.from_bytes(body[4:8], "little")
            if unique > n:
                raise UnreadableFile(f"{TOO_LARGE}: it declares {unique:,} distinct texts in {n:,} bytes of "
                                     "workbook data, which cannot be; open it in Excel and save it as .xlsx")
        pos += 4 + size


DAMAGED_OLE = ("is damaged: the directory inside its container is broken (cut or altered); open it in Excel and "
               "save it as .xlsx")


def _cfb_stream(data: bytes, names: tuple[str, ...]) -> bytes | None:
    """One stream of an OLE compound file (the container of .xls), or None when it cannot be walked."""
    try:
        if len(data) < 512 or data[:8] != OLE_MAGIC:
            return None
        u16 = lambda o: int.from_bytes(data[o:o + 2], "little")  # noqa: E731
        u32 = lambda o: int.from_bytes(data[o:o + 4], "little")  # noqa: E731
        shift = u16(0x1E)
        if shift not in (9, 12):
            return None
        size = 1 << shift
        mini_size = 1 << u16(0x20)
        cutoff = u32(0x38)

        def sector(k: int) -> bytes:
            start = (k + 1) * size
            return data[start:start + size]

        fat_sectors = [u32(0x4C + 4 * i) for i in range(109)]
        difat, seen = u32(0x44), set()
        while difat not in (_ENDOFCHAIN, _FREESECT) and difat not in seen and len(seen) < 10_000:
            seen.add(difat)
            block = sector(difat)
            fat_sectors += [int.from_bytes(block[i:i + 4], "little") for i in range(0, size - 4, 4)]
            difat = int.from_bytes(block[size - 4:size], "little")
        fat = []
        for k in fat_sectors:
            if k in (_ENDOFCHAIN, _FREESECT) or (k + 2) * size > len(data) + size:
                continue
            block = sector(k)
            fat += [int.from_bytes(block[i:i + 4], "little") for i in range(0, len(block), 4)]

        def chain(first: int, table: list, read, limit: int) -> bytes:
            out, k, steps = [], first, 0
            while k < len(table) and steps < limit:
                out.append(read(k))
                k = table[k]
                steps += 1
            return b"".join(out)

        max_steps = len(data) // size + 2
        directory = chain(u32(0x30), fat, sector, max_steps)
        entries = []
        for off in range(0, len(directory) - 127, 128):
            e = directory[off:off + 128]
            name_len = int.from_bytes(e[64:66], "little")
            name = e[:max(0, min(64, name_len) - 2)].decode("utf-16-le", "replace").lower()
            entries.append((name, e[66], int.from_bytes(e[116:120], "little"), int.from_bytes(e[120:124], "little")))
        if not entries or entries[0][1] != 5:  # the first entry of every real container is its root
            raise UnreadableFile(DAMAGED_OLE)
        target = next((e for e in entries if e[1] == 2 and e[0] in names), None)
        if target is None:
            return None
        _, _, start, length = target
        if length > len(data):
            raise UnreadableFile(f"{TOO_LARGE}: its workbook part says it holds {length:,} bytes, in a file of "
                                 f"{len(data):,} bytes; open it in Excel and save it as .xlsx")
        if length >= cutoff:
            return chain(start, fat, sector, max_steps)[:length]
        root = entries[0]
        mini_stream = chain(root[2], fat, sector, max_steps)
        minifat_bytes = chain(u32(0x3C), fat, sector, max_steps)
        minifat = [int.from_bytes(minifat_bytes[i:i + 4], "little") for i in range(0, len(minifat_bytes), 4)]
        return chain(start, minifat, lambda k: mini_stream[k * mini_size:(k + 1) * mini_size],
                     len(mini_stream) // mini_size + 2)[:length]
    except (IndexError, ValueError):
        return None
