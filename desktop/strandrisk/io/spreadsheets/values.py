"""Reading the values finance teams type: '£1,234', '(1,234)', '30%', '2025/26', 'M1', 'Apr-25', Yes/No.

Each ``parse_*`` function takes one raw cell value (what a reader returned: str, float, int, bool,
date, datetime or None) and returns the canonical python value or None for blank, raising
``ValueError`` with a message that says what is wrong. ``parse_column`` does a whole column at once:
numbers in bulk through numpy, falling back to one cell at a time only for text.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from ...core import schema
from ...core.inputs import FLOAT_TYPES, fy_of_date
from ...core.labels import value_label

ERROR_TEXTS = frozenset({"#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#N/A", "#NUM!", "#NULL!", "#SPILL!",
                         "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!",
                         "#BUSY!", "#N/A!"})


class CellError(str):
    """An Excel error value (#REF!, #DIV/0!...) or a formula with no saved result."""


NO_CACHED_VALUE = CellError("formula with no saved result")

MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
MONTHS.update({"sept": 9, "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7,
               "august": 8, "september": 9, "october": 10, "november": 11, "december": 12})

_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_FY = re.compile(r"^(?:fy\s*)?(\d{4}|\d{2})\s*[/\-\u2013_ ]\s*(\d{4}|\d{2})$", re.I)
_FY_SINGLE = re.compile(r"^(?:fy\s*)?(\d{4})$", re.I)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_UK_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$")
_NAMED_DATE = re.compile(r"^(?:(\d{1,2})[\s\-/]*)?([a-z]{3,9})[\s\-/,']*(\d{4}|\d{2})$", re.I)
_MONTH_CODE = re.compile(r"^(?:m|month|p|period)\s*[-.]?\s*0?(\d{1,2})"
                         r"(?:\s*(?:[-\u2013:(]\s*)?([a-z]{3,9})\.?\s*\)?)?$", re.I)  # 'M-12', 'Month 1 (Apr)'
_ISO_SLASH_DATE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")  # 2026/03/31: the year first is unambiguous
_FY_SUFFIX = re.compile(r"^(.+?)\s*(?:fy|financial year)$", re.I)  # '2025-26 FY'
_YEAR_ENDING = re.compile(r"^(?:year\s+end(?:ing|ed)?|y/e|ye\b)\s*:?\s*(.+)$", re.I)  # 'YE 31/03/2026'

_MONTH_FY = re.compile(r"^(?:m|month|p|period)\s*0?(\d{1,2})\s*[,\- ]?\s*(.+)$", re.I)

EXCEL_1900 = dt.date(1899, 12, 30)
EXCEL_1904 = dt.date(1904, 1, 1)


def is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (
        isinstance(raw, float) and raw != raw)


def _check_error(raw) -> None:
    if raw is NO_CACHED_VALUE:
        raise ValueError("the cell holds a formula with no saved result: open the file in Excel and save it "
                         "(so the result is stored), or type the value")
    if isinstance(raw, CellError):
        raise ValueError(f"the cell holds the error {raw}: fix the formula in the source file, or type the value")
    if isinstance(raw, str) and raw.strip().upper() in ERROR_TEXTS:
        raise ValueError(f"the cell holds the error {raw.strip()}: fix the formula in the source file, "
                         "or type the value")


def parse_number(raw):
    """'£1,234', '-£1,234', '(1,234)', '1 234', '30%' -> float. None for blank."""
    _check_error(raw)
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        raise ValueError(f"expected a number, found {raw}")
    if isinstance(raw, (int, float)):
        v = float(raw)
    elif isinstance(raw, (dt.date, dt.timedelta)):
        raise ValueError(f"expected a number, found the date {raw}")
    else:
        text = _SPACES.sub("", str(raw))
        neg = False
        if text.startswith("(") and text.endswith(")"):
            neg, text = True, text[1:-1]
        if text.endswith("-") and len(text) > 1:  # ledger exports: '1,234-'
            neg, text = not neg, text[:-1]
        if text.startswith(("-", "\u2212")):
            neg, text = not neg, text[1:]
        elif text.startswith("+"):
            text = text[1:]
        text = text.replace("£", "").replace(",", "")
        if text.startswith(("-", "\u2212")):  # '£-1,234'
            neg, text = not neg, text[1:]
        pct = text.endswith("%")
        if pct:
            text = text[:-1]
        if not _NUMBER.match(text):
            raise ValueError(f"'{raw}' is not a number")
        v = float(text)
        if pct:
            v /= 100.0
        if neg:
            v = -v
    if v != v or v in (float("inf"), float("-inf")):
        raise ValueError(f"'{raw}' is not a finite number")
    return v


def parse_bool(raw):
    _check_error(raw)
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in ("yes", "y", "true", "t", "1", "on"):
        return True
    if text in ("no", "n", "false", "f", "0", "off"):
        return False
    raise ValueError(f"'{raw}' is not Yes or No")


def _year(text: str) -> int:
    """'26' -> 2026; four digits as written ('0000' stays 0, and is then out of range)."""
    return 2000 + int(text) if len(text) <= 2 else int(text)


def parse_fy(raw, date1904: bool = False):
    """'2025/26', '2025-26', 'FY2025/26', '2025/2026', '25/26', 2025, a date -> start year (2025).

    A number is a year or nothing: never a date serial, whether it comes as a number (xlsx) or as
    text (CSV), so 45000 or 2025.5 are errors. The year range is checked with the other limits.
    """
    _check_error(raw)
    if is_blank(raw):
        return None
    if isinstance(raw, dt.datetime):
        return float(fy_of_date(raw.date()))
    if isinstance(raw, dt.date):
        return float(fy_of_date(raw))
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _fy_number(raw)
    text = _SPACES.sub(" ", str(raw)).strip()
    if _NUMBER.match(text):
        return _fy_number(float(text), raw)
    m = _FY.match(text)
    if m:
        a, b = m.group(1), m.group(2)
        start = _year(a)
        end = int(b)
        if (len(b) == 4 and end == start + 1) or (len(b) == 2 and (start + 1) % 100 == end):
            return float(start)
        raise ValueError(f"'{raw}' is not a financial year: the second year must follow the first, "
                         "as in 2025/26")
    m = _FY_SINGLE.match(text)
    if m:
        return float(m.group(1))
    m = _FY_SUFFIX.match(text)
    if m and not _FY_SUFFIX.match(m.group(1)):
        try:
            return parse_fy(m.group(1), date1904)
        except ValueError:
            raise ValueError(f"'{raw}' is not a financial year like 2025/26") from None
    m = _YEAR_ENDING.match(text)
    if m:  # 'Year ending March 2026': a financial year ends on 31 March, any other end is no NHS year
        try:
            end = parse_date(m.group(1), date1904)
        except ValueError:
            end = None
        if end is None or (end.month, end.day) != (3, 31):
            raise ValueError(f"'{raw}' is not a financial year: a year ending on 31 March is, as in "
                             "'Year ending March 2026' or 2025/26")
        return float(fy_of_date(end))
    try:
        return float(fy_of_date(parse_date(text, date1904)))
    except ValueError:
        pass
    raise ValueError(f"'{raw}' is not a financial year like 2025/26")


def _fy_number(value: float, raw=None):
    if value == value and float(value).is_integer() and 1000 <= value <= 9999:
        return float(value)
    raise ValueError(f"'{value if raw is None else raw}' is not a financial year like 2025/26 (a number here is "
                     "read as a year such as 2025, never as a date)")


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse_date(raw, date1904: bool = False):
    """Excel serials (1900 or 1904 system), ISO text, UK dd/mm/yyyy (never month-first), 'Mar-26'."""
    _check_error(raw)
    if is_blank(raw):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if not 1 <= raw < 2958466:
            raise ValueError(f"'{raw}' is not a date")
        return (EXCEL_1904 if date1904 else EXCEL_1900) + dt.timedelta(days=int(raw))
    text = _SPACES.sub(" ", str(raw)).strip()
    try:
        m = _ISO_DATE.match(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _UK_DATE.match(text)
        if m:
            return dt.date(_year(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = _ISO_SLASH_DATE.match(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _NAMED_DATE.match(text)
        if m and m.group(2).lower() in MONTHS:
            month = MONTHS[m.group(2).lower()]
            year = _year(m.group(3))
            if m.group(1):
                return dt.date(year, month, int(m.group(1)))
            return _month_end(year, month)
    except ValueError:
        raise ValueError(f"'{raw}' is not a real date") from None
    if _NUMBER.match(text):
        return parse_date(float(text), date1904)
    raise ValueError(f"'{raw}' is not a date: write it as dd/mm/yyyy or yyyy-mm-dd")


def parse_month(raw):
    """'M1'..'M12', 1..12, 'Month 3', 'Apr' or 'April' -> 1..12 (1 is April)."""
    _check_error(raw)
    if is_blank(raw):
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if float(raw).is_integer() and 1 <= raw <= 12:
            return float(raw)
        raise ValueError(f"'{raw}' is not a month: use M1 (April) to M12 (March)")
    if isinstance(raw, (dt.date, dt.datetime)):
        return float((raw.month - 4) % 12 + 1)
    text = _SPACES.sub(" ", str(raw)).strip()
    m = _MONTH_CODE.match(text)
    if m and 1 <= int(m.group(1)) <= 12:
        named = m.group(2)
        if named is not None:  # 'M12 - March': the name must agree with the number, or it is no guess
            if named.lower() not in MONTHS or (MONTHS[named.lower()] - 4) % 12 + 1 != int(m.group(1)):
                raise ValueError(f"'{raw}' is not a month: the month number and name disagree "
                                 "(M1 is April, M12 is March)")
        return float(m.group(1))
    if text.isdigit() and 1 <= int(text) <= 12:
        return float(text)
    low = text.lower()
    if low in MONTHS:
        return float((MONTHS[low] - 4) % 12 + 1)
    raise ValueError(f"'{raw}' is not a month: use M1 (April) to M12 (March)")


def month_header_period_end(raw, date1904: bool = False):
    """A wide-cash column header as a month-end date: 'Apr-25', 'M1 2025/26', a real date. Else None,
    also for a date outside the plausible years (schema.PLAUSIBLE), which is then no month column."""
    try:
        end = _month_header(raw, date1904)
    except ValueError:
        return None
    rule = schema.PLAUSIBLE[schema.DATE]
    return end if end is not None and rule.low <= end.year <= rule.high else None


def _month_header(raw, date1904: bool):
    if is_blank(raw) or isinstance(raw, bool):
        return None
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return _month_end(raw.year, raw.month)
    if isinstance(raw, (int, float)):
        if 30000 <= raw <= 80000:  # an Excel date serial in the header row
            d = parse_date(raw, date1904)
            return _month_end(d.year, d.month)
        return None
    text = _SPACES.sub(" ", str(raw)).strip()
    m = _MONTH_FY.match(text)
    if m and 1 <= int(m.group(1)) <= 12:
        try:
            fy = int(parse_fy(m.group(2)))
        except ValueError:
            return None
        month = int(m.group(1))
        cal = (month + 2) % 12 + 1
        return _month_end(fy + (1 if month >= 10 else 0), cal)
    m = _NAMED_DATE.match(text)
    if m and m.group(2).lower() in MONTHS:
        try:
            d = parse_date(text, date1904)
        except ValueError:
            return None
        return _month_end(d.year, d.month)
    m = _ISO_DATE.match(text) or _UK_DATE.match(text)
    if m:
        try:
            d = parse_date(text, date1904)
        except ValueError:
            return None
        return _month_end(d.year, d.month)
    return None


def _norm_enum(text: str) -> str:
    return _SPACES.sub(" ", text.strip().lower())


def parse_enum(col: schema.Column, raw):
    _check_error(raw)
    if is_blank(raw):
        return None
    text = _norm_enum(str(raw))
    for candidate in (text, text.replace("_", " "), text.replace("-", " "), text.replace(" ", "_")):
        if candidate in col.allowed:
            return candidate
        hit = col.value_synonyms.get(candidate)
        if hit is not None and hit in col.allowed:
            return hit
    raise ValueError(f"'{raw}' is not one of {', '.join(value_label(a) for a in col.allowed)}")


def parse_text(raw):
    _check_error(raw)
    if is_blank(raw):
        return None
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (dt.datetime, dt.date)):
        return raw.isoformat()
    return _SPACES.sub(" ", str(raw)).strip()


def parse_code(raw):
    text = parse_text(raw)
    return None if text is None else text.replace(" ", "").upper()


def parse_value(col: schema.Column, raw, scale: float = 1.0, date1904: bool = False):
    """One cell of a canonical column; money scaled to GBP thousands by the header's unit."""
    t = col.type
    if t == schema.FY:
        return parse_fy(raw, date1904)
    if t == schema.MONTH:
        return parse_month(raw)
    if t in FLOAT_TYPES:
        v = parse_number(raw)
        if v is None:
            return None
        if t == schema.MONEY:
            v *= scale
        if t == schema.SHARE and isinstance(raw, str) and not raw.strip().endswith("%") and scale != 1.0:
            v *= scale
        return v
    if t == schema.DATE:
        return parse_date(raw, date1904)
    if t == schema.BOOL:
        return parse_bool(raw)
    if t == schema.ENUM:
        return parse_enum(col, raw)
    if t == schema.CODE:
        return parse_code(raw)
    return parse_text(raw)


class _Bad:
    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


_EPOCH = dt.date(1970, 1, 1)


def parse_column(col: schema.Column, values, scale: float = 1.0, date1904: bool = False):
    """A whole column: (numpy array of the column's type, [(index, message)] for bad cells).

    Numbers go through numpy in bulk; other columns parse each distinct value once, so a million
    rows of a few hundred provider codes or month ends cost a dictionary look-up per row. Values
    outside the column's plausible range (``schema.value_range``) are bad cells and left blank.
    """
    arr, bad = _parse_column(col, values, scale, date1904)
    return arr, _outside_limits(col, arr, bad)


def _outside_limits(col: schema.Column, arr: np.ndarray, bad: list) -> list:
    limits = schema.value_range(col)
    if limits is None or not len(arr):
        return bad
    low, high = limits
    if arr.dtype.kind == "M":
        days = arr.astype(np.int64)
        lo_day = (dt.date(int(low), 1, 1) - _EPOCH).days
        hi_day = (dt.date(int(high), 12, 31) - _EPOCH).days
        out = np.flatnonzero(~np.isnat(arr) & ((days < lo_day) | (days > hi_day)))
        words = schema.PLAUSIBLE[schema.DATE].words
        for i in out:
            bad.append((int(i), f"{arr[i]} is not a plausible date here: dates run from {words}"))
    elif arr.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            out = np.flatnonzero(~np.isnan(arr) & ((arr < low) | (arr > high)))
        for i in out:
            bad.append((int(i), _limit_message(col, float(arr[i]), low, high)))
    else:
        return bad
    if len(out):
        arr[out] = np.datetime64("NaT") if arr.dtype.kind == "M" else np.nan
        bad.sort(key=lambda item: item[0])
    return bad


def _limit_message(col: schema.Column, v: float, low: float, high: float) -> str:
    rule = schema.PLAUSIBLE[col.type]
    if col.type == schema.FY:
        return f"{int(v) if v.is_integer() else v:g} is not a plausible financial year: use {rule.words}"
    if col.type == schema.MONEY and not rule.low <= v <= rule.high:
        return f"{v:,.0f} (£000) is outside what a trust's accounts can hold ({rule.words}): check the value and its unit"
    side = f"below {low:g}, the least" if v < low else f"above {high:g}, the most"
    extra = " (shares are fractions: 30% is 0.3)" if col.type == schema.SHARE and v > high else ""
    return f"{v:g} is {side} this column allows{extra}: correct it"


def _parse_column(col: schema.Column, values, scale: float = 1.0, date1904: bool = False):
    n = len(values)
    bad: list[tuple[int, str]] = []
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        if col.type in FLOAT_TYPES and col.type not in (schema.FY, schema.MONTH):
            arr = values.astype(float, copy=True)
            inf = np.flatnonzero(np.isinf(arr))
            for i in inf:
                bad.append((int(i), f"'{arr[i]}' is not a finite number"))
            arr[inf] = np.nan
            if col.type == schema.MONEY and scale != 1.0:
                arr *= scale
            return arr, bad
        values = values.astype(object)
    if col.type in FLOAT_TYPES and col.type not in (schema.FY, schema.MONTH):
        lst = values.tolist() if isinstance(values, np.ndarray) else list(values)
        kinds = set(map(type, lst))
        # Text goes cell by cell: numpy would read the text 'nan' or 'inf' as a number (a blank).
        if bool not in kinds and not any(issubclass(k, str) for k in kinds):
            try:
                arr = np.array(lst, dtype=float)
                if not np.isinf(arr).any():
                    if col.type == schema.MONEY and scale != 1.0:
                        arr *= scale
                    return arr, bad
            except (ValueError, TypeError):
                pass
    codes, uniques = factorize(values)
    parsed = []
    bad_u = []
    for k, u in enumerate(uniques):
        try:
            parsed.append(parse_value(col, u, scale, date1904))
        except ValueError as exc:
            parsed.append(None)
            bad_u.append((k, str(exc)))
        except TypeError:
            parsed.append(None)
            bad_u.append((k, f"'{u}' cannot be read"))
    if bad_u:
        message = dict(bad_u)
        rows = np.flatnonzero(np.isin(codes, list(message)))
        bad = [(int(i), message[int(codes[i])]) for i in rows]
    if col.type in FLOAT_TYPES:
        table = np.array([np.nan if v is None else v for v in parsed], dtype=float)
        return table[codes] if n else np.zeros(0), bad
    if col.type == schema.DATE:
        nat = np.iinfo(np.int64).min
        table = np.array([nat if v is None else (v - _EPOCH).days for v in parsed], dtype=np.int64)
        return (table[codes] if n else np.zeros(0, dtype=np.int64)).view("datetime64[D]"), bad
    table = np.empty(len(parsed), dtype=object)
    table[:] = parsed
    return (table[codes] if n else np.empty(0, dtype=object)), bad


def factorize(values):
    """(int codes per value, list of distinct values). Uses pandas' C hash table when pandas is loaded
    already (the CSV path), else a dictionary: workbooks do not pay pandas' import time."""
    import sys

    n = len(values)
    if "pandas" in sys.modules and n > 1000:
        import pandas as pd

        arr = values if isinstance(values, np.ndarray) else np.array(values, dtype=object)
        codes, uniques = pd.factorize(arr, use_na_sentinel=False)
        return codes, list(uniques)
    lst = values.tolist() if isinstance(values, np.ndarray) else list(values)
    uniques = list(dict.fromkeys(lst))
    index = {u: i for i, u in enumerate(uniques)}
    codes = np.fromiter(map(index.__getitem__, lst), dtype=np.int64, count=n)
    return codes, uniques
