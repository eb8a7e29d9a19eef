"""NHS England's published TAC data workbooks -> Providers and Cash balances for every trust.

Each year NHS England publishes two Trust Accounts Consolidation (TAC) data workbooks, one for NHS
trusts and one for NHS foundation trusts. Their ``All data`` sheet is a long table with one row per
trust and form cell (``OrganisationName, WorkSheetName, TableID, MainCode, RowNumber, SubCode,
Total``; 2021/22 used ``Organisation Name`` and ``Value number``), values in GBP thousands, and a
``List of Providers`` sheet gives each trust's ODS code, region and sector.

Only current-year MainCodes (``A..CY..``) are read; the SubCodes and how they add up to each figure
are in ``resources/tac/tac_subcodes.json`` (see ``tac_codes``), looked up per financial year.

Several files (both sectors, several years) are read together by passing a list of paths to
``read_tac``: the Providers register then holds each trust's latest year (the base year) and Cash
balances every year-end. Calling ``read_tac`` once per file and concatenating would repeat trusts.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
import itertools
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from ...core import schema
from ...core.inputs import Table, fy_label
from ...core.problems import ERROR, NOTE, WARNING, Problem, column_letter
from ..spreadsheets import matching
from . import codes as tac_codes
from .derive import COMMUNITY_ONLY_SHARE, INTEGRATED_SHARE
from .xlsx_scan import NotPlain, PlainSheet
from ..failures import CancelFn, ImportCancelled, ImportFailure, ProgressFn


ALL_DATA = "All data"
LIST_OF_PROVIDERS = "List of Providers"

# Suggested form from the community share of operating income: the screen's thresholds (COMMUNITY_ONLY_SHARE,
# INTEGRATED_SHARE, from derive.py).
MOSTLY_OTHER_SHARE = 0.25  # acute and community together below this: a mental health, ambulance or other trust

_CHUNK_ROWS = 65_536
_MAX_ZIP_ENTRIES = 10_000
_MAX_UNCOMPRESSED = 1_500_000_000
_MAX_ENTRY_RATIO = 200

# Roles in the All data long table (the headers of each role are in core/vocabulary.py TAC_HEADERS).
_REQUIRED_ROLES = ("org", "maincode", "subcode", "value")
_ROLE_WORDS = {"org": "organisation (ODS code from List of Providers)", "maincode": "MainCode (current year only)",
               "subcode": "SubCode", "value": "value (GBP 000)"}

_YEAR_TEXT = re.compile(r"(?<!\d)(20\d\d)\s*(?:[-/\u2013]|\s+to\s+)\s*(20)?(\d\d)(?!\d)")


def _norm_header(text) -> str:
    return re.sub(r"[^a-z0-9]+", "", str(text or "").lower())


def _norm_name(text) -> str:
    """Organisation names as the two sheets may spell them differently: case, '&', apostrophes, spaces."""
    text = str(text or "").lower().replace("\u2019", "'").replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9']+", " ", text).split())


def _norm_region(text) -> str:
    return " ".join(str(text or "").lower().replace("&", " and ").split())


def looks_like_tac(sheet_names: list[str]) -> bool:
    """A TAC data workbook has an 'All data' sheet and a 'List of Providers' sheet."""
    names = {_norm_header(s) for s in sheet_names}
    return _norm_header(ALL_DATA) in names and _norm_header(LIST_OF_PROVIDERS) in names


@dataclass
class TacSelection:
    """Which trusts to model. Empty lists mean no restriction; all given criteria must hold."""

    trusts: list[str] = field(default_factory=list)  # ODS codes
    regions: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)  # nhs_trust / foundation_trust
    years: list[int] = field(default_factory=list)  # financial years to read (start year: 2023 = 2023/24)

    def matches(self, trust: "TacTrust") -> bool:
        if self.trusts and trust.code not in {c.strip().upper() for c in self.trusts}:
            return False
        if self.regions and _norm_region(trust.region) not in {_norm_region(r) for r in self.regions}:
            return False
        if self.sectors and trust.sector not in {s.strip().lower() for s in self.sectors}:
            return False
        return True

    @property
    def is_empty(self) -> bool:
        return not (self.trusts or self.regions or self.sectors or self.years)


@dataclass
class TacTrust:
    """One trust found in the TAC files."""

    code: str
    name: str
    region: str = ""
    sector: str = ""  # nhs_trust or foundation_trust
    provider_type: str = ""  # the List of Providers' own description when it gives one (e.g. Acute)
    years: tuple[int, ...] = ()
    names: tuple[str, ...] = ()  # every name seen, oldest first (trusts rename)
    community_share: float | None = None  # community services income / operating income, base year
    acute_share: float | None = None
    suggested_form: str | None = None
    note: str = ""
    selected: bool = True
    status: str = ""  # screened / community_only / not_applicable / excluded (TAC_SCREEN.md section 4)
    reasons: list = field(default_factory=list)
    flags: list = field(default_factory=list)

    @property
    def latest_year(self) -> int | None:
        return max(self.years) if self.years else None


@dataclass
class TacImport:
    tables: dict[str, Table]
    problems: list[Problem] = field(default_factory=list)
    sheets: list = field(default_factory=list)  # io.load.SheetReport
    trusts: list[TacTrust] = field(default_factory=list)  # every trust found, selected or not
    years: list[int] = field(default_factory=list)  # financial years read (start years)
    base_year: int | None = None
    year_evidence: dict[str, str] = field(default_factory=dict)  # file -> how its year was found
    derivation: object = None  # derive.Derivation: every trust's status, form, flags and the rows' basis

    @property
    def selected_codes(self) -> list[str]:
        return [t.code for t in self.trusts if t.selected]


def suggest_form(community_share: float | None) -> str | None:
    if community_share is None or not np.isfinite(community_share):
        return None
    if community_share >= COMMUNITY_ONLY_SHARE:
        return "community_only"
    if community_share >= INTEGRATED_SHARE:
        return "integrated"
    return "acute_only"


# Reading one file ---------------------------------------------------------------------------------

@dataclass
class _FileData:
    """What one TAC file holds, already reduced to the lines StrandRisk uses."""

    file: str
    fy: int
    year_how: str
    orgs: list[str]  # organisation names as in All data
    figures: np.ndarray  # [org, measure] in register units (NaN: no line present)
    rows: np.ndarray  # [org, measure] 1-based All data row of the first line used (0: none)
    providers: dict[str, dict]  # normalised name -> {code, name, region, sector, provider_type}
    problems: list[Problem]
    header_map: dict[str, str]
    n_rows: int
    lines: np.ndarray | None = None  # [org, line] the definition's lines, the form's sign applied (NaN: absent)
    line_rows: np.ndarray | None = None  # [org, line] 1-based All data row (0: none)
    definition: object = None  # codes.YearDefinition


def _failure(message: str):
    return ImportFailure(message)


def _check_package(path: Path) -> None:
    """Refuse zip packages that would exhaust memory before any parser sees them."""
    if not path.exists():
        raise _failure(f"{path}: file not found")
    if not zipfile.is_zipfile(path):
        return  # .xls / .xlsb-less binary formats: calamine reads them with its own limits
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _failure(f"{path.name}: damaged zip package ({exc}): open it in Excel and save it again") from None
    if len(infos) > _MAX_ZIP_ENTRIES:
        raise _failure(f"{path.name}: has {len(infos):,} parts inside, more than any real workbook: not read")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > (1 << 20) and info.file_size > _MAX_ENTRY_RATIO * max(1, info.compress_size):
            raise _failure(f"{path.name}: is compressed suspiciously well (a zip bomb?): not read")
    if total > _MAX_UNCOMPRESSED:
        raise _failure(f"{path.name}: would expand to {total / 1e9:.1f} GB: too large to read")


def _open(path: Path):
    import python_calamine as pc

    _check_package(path)
    try:
        return pc.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - any reader failure is one line for the user
        detail = " ".join(str(exc).split())[:160]
        raise _failure(f"{path.name}: cannot be read as a workbook ({detail}): open it in Excel and save "
                       "it again as .xlsx") from None


def _sheet_name(wb, wanted: str) -> str | None:
    key = _norm_header(wanted)
    return next((s for s in wb.sheet_names if _norm_header(s) == key), None)


def _sheet_rows(wb, name: str, nrows: int) -> list[list]:
    return wb.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=nrows)


def _years_in_text(values: Iterable) -> Counter:
    found: Counter = Counter()
    for v in values:
        if not isinstance(v, str):
            continue
        for m in _YEAR_TEXT.finditer(v):
            start, end2 = int(m.group(1)), int(m.group(3))
            if (start + 1) % 100 == end2:
                found[start] += 1
    return found


def _read_providers(wb, path: Path, problems: list[Problem]) -> tuple[dict[str, dict], Counter]:
    """The List of Providers sheet: name -> code, region, sector. Also the years its title text names."""
    name = _sheet_name(wb, LIST_OF_PROVIDERS)
    rows = _sheet_rows(wb, name, 5000)
    header_at, cols = None, {}
    best = 0.0
    for i, row in enumerate(rows[:30]):  # a title and notes may sit above the header
        found, conf = matching.match_row(row, "tac_providers")
        roles = {role: j for j, role in found.items()}
        if "code" in roles and "name" in roles and sum(conf.values()) > best:
            best, header_at = sum(conf.values()), i
            cols = {role: roles.get(role) for role in ("code", "name", "region", "sector", "type")}
    title_years = _years_in_text(v for row in rows[: header_at or 10] for v in row)
    if header_at is None:
        raise _failure(f"{path.name}: sheet '{name}' has no header with an ODS code column (such as 'NHS code' or "
                       "'Organisation code') and a name column (such as 'Full name of Provider') in its first 30 rows")
    out: dict[str, dict] = {}
    for i, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        def cell(role):
            j = cols.get(role)
            v = row[j] if j is not None and j < len(row) else None
            return "" if v is None else str(v).strip()
        code, org = cell("code").upper(), cell("name")
        if not code and not org:
            continue
        if not code or not org:
            problems.append(Problem(WARNING, "a provider without an ODS code or a name: skipped", path.name, name,
                                    f"A{i}"))
            continue
        sector_text = cell("sector")
        kind_text = cell("type")
        out[_norm_name(org)] = {"code": code, "name": org, "region": cell("region"),
                                "sector": _vehicle(sector_text, org),
                                "provider_type": kind_text or ("" if _is_legal_form(sector_text) else sector_text)}
    return out, title_years


def _is_legal_form(sector_text: str) -> bool:
    text = sector_text.lower()
    return "foundation" in text or "trust" in text or text.strip() in ("ft", "fts")


def _vehicle(sector_text: str, org_name: str) -> str:
    """Foundation trusts say so in their name (and usually in the sector column); every other trust in
    the TAC files is an NHS trust. A sector column describing services (Acute, Community) is not used."""
    text = f"{sector_text} {org_name}".lower()
    return "foundation_trust" if "foundation" in text or sector_text.strip().lower() in ("ft", "fts") else "nhs_trust"


def _to_float(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Object array of cell values -> floats (NaN for blank) and a mask of text that is not a number."""
    out = np.full(len(values), np.nan)
    bad = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):  # only the few thousand rows already filtered to the lines used
        if v is None or v == "":
            continue
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[i] = float(v)
            continue
        try:
            out[i] = float(str(v).replace(",", "").strip())
        except ValueError:
            bad[i] = True
    return out, bad


def _find_header(rows, path: Path, name: str) -> tuple[int, dict[str, int], dict[str, str]]:
    """(index in ``rows`` of the header, role -> column, header text -> role) of the All data table."""
    for k, header in enumerate(rows):  # the header is the first row in every year seen; allow a title
        found, _ = matching.match_row(list(header or []), "tac_all_data")
        if all(r in found.values() for r in _REQUIRED_ROLES):
            return k, {role: j for j, role in found.items()}, {str(header[j]).strip(): role for j, role in found.items()}
    need = {"org": "OrganisationName", "maincode": "MainCode", "subcode": "SubCode", "value": "Total"}
    raise _failure(f"{path.name}: sheet '{name}' lacks the TAC column(s) "
                   f"{', '.join(need[m] for m in _REQUIRED_ROLES)}: is this a TAC data file as published?")


def _read_all_data(wb, path: Path, wanted: set[tuple[str, str]], cancel: CancelFn | None,
                   progress: Callable[[float], None]):
    """Stream the long table; keep only rows whose (MainCode, SubCode) is wanted.

    Returns the header mapping, the kept columns (org, maincode, subcode, raw value, 1-based row),
    every distinct SubCode in the file (for telling its year) and the row count. A workbook written
    as Excel writes it is read from its XML (``xlsx_scan``: only the kept rows become Python
    objects); any other is read by calamine cell by cell, with the same answer.
    """
    name = _sheet_name(wb, ALL_DATA)
    try:
        return _read_all_data_plain(path, name, wanted, cancel, progress)
    except NotPlain:
        return _read_all_data_cells(wb, path, name, wanted, cancel, progress)


def _read_all_data_plain(path: Path, name: str, wanted: set[tuple[str, str]], cancel: CancelFn | None,
                         progress: Callable[[float], None]):
    sheet = PlainSheet(path, name)
    try:
        head = sheet.head(10)
        try:
            k, roles, header_map = _find_header([values for _, values in head], path, name)
        except ImportFailure:
            raise NotPlain("no header found here: calamine looks and says why") from None
        cols = {"org": roles["org"], "main": roles["maincode"], "sub": roles["subcode"], "value": roles["value"]}
        table = sheet.long_table(head[k][0], cols, {m for m, _ in wanted}, {s for _, s in wanted}, cancel, progress)
    finally:
        sheet.close()
    keep = np.fromiter(((m, s) in wanted for m, s in zip(table.main, table.sub)), dtype=bool,
                       count=len(table.main))  # current-year MainCodes of each SubCode only

    def column(values):
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out[keep]

    kept = {"org": column(table.org), "main": column(table.main), "sub": column(table.sub),
            "value": column(table.value), "row": table.row[keep], "value_letter": column_letter(roles["value"])}
    subcodes = {s for s in table.subcodes if isinstance(s, str) and s}
    return header_map, kept, subcodes, table.n_rows


def _read_all_data_cells(wb, path: Path, name: str, wanted: set[tuple[str, str]], cancel: CancelFn | None,
                         progress: Callable[[float], None]):
    """calamine's rows in blocks; each block's SubCode column is tested against the wanted set with
    C-level iteration (``map`` of a set's ``__contains__`` into ``np.fromiter``), so there is no
    Python bytecode per row; only the rows kept are looked at one by one."""
    sheet = wb.get_sheet_by_name(name)
    total = max(1, sheet.height)
    rows_iter = sheet.iter_rows()
    head = list(islice(rows_iter, 10))
    k, roles, header_map = _find_header(head, path, name)
    skipped = k
    rows_iter = itertools.chain(head[k + 1:], rows_iter)
    j_org, j_main, j_sub, j_val = (roles[r] for r in _REQUIRED_ROLES)
    wanted_sub = {s for _, s in wanted}
    is_wanted = wanted_sub.__contains__
    get_sub = itemgetter(j_sub)
    kept_rows: list = []
    kept_at: list[np.ndarray] = []
    subcodes: set = set()
    n_rows = 0
    while True:
        if cancel is not None and cancel():
            raise ImportCancelled()
        chunk = list(islice(rows_iter, _CHUNK_ROWS))
        if not chunk:
            break
        sub = list(map(get_sub, chunk))
        subcodes.update(sub)
        idx = np.flatnonzero(np.fromiter(map(is_wanted, sub), dtype=bool, count=len(sub)))
        kept_rows.extend(chunk[i] for i in idx)
        kept_at.append(idx + n_rows + 2 + skipped)
        n_rows += len(chunk)
        progress(n_rows / total)
    del sheet, rows_iter
    at = np.concatenate(kept_at) if kept_at else np.empty(0, dtype=np.int64)
    main = np.array([r[j_main] for r in kept_rows], dtype=object)
    subs = np.array([r[j_sub] for r in kept_rows], dtype=object)
    keep = np.array([(m, s) in wanted for m, s in zip(main, subs)], dtype=bool)  # current-year MainCodes only
    kept = {"org": np.array([r[j_org] for r in kept_rows], dtype=object)[keep], "main": main[keep],
            "sub": subs[keep], "value": np.array([r[j_val] for r in kept_rows], dtype=object)[keep],
            "row": at[keep] if len(at) else at, "value_letter": column_letter(j_val)}
    subcodes = {s for s in subcodes if isinstance(s, str) and s}
    return header_map, kept, subcodes, n_rows


def _decide_year(path: Path, text_years: Counter, subcodes: set, problems: list[Problem]) -> tuple[int, str]:
    """The financial year a file holds: from its own text, else its SubCodes, else its file name."""
    by_codes = tac_codes.year_from_subcodes(subcodes)
    if text_years:
        ranked = text_years.most_common()
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            fy = ranked[0][0]
            if by_codes is not None and by_codes != fy:
                problems.append(Problem(WARNING, f"the sheet text says {fy_label(fy)} but the SubCodes look like "
                                                 f"{fy_label(by_codes)}: read as {fy_label(fy)}", path.name))
            return fy, "the year named in the workbook's text"
    if by_codes is not None:
        return by_codes, "the SubCodes used that year"
    named = _years_in_text([path.stem.replace("_", "-")])
    if not named:
        m = re.search(r"(?<!\d)(20\d\d)(\d\d)(?!\d)", path.stem)
        if m and (int(m.group(1)) + 1) % 100 == int(m.group(2)):
            named = Counter({int(m.group(1)): 1})
    if len(named) == 1:
        return next(iter(named)), "the file name"
    raise _failure(f"{path.name}: cannot tell which financial year this TAC file holds: keep NHS England's file "
                   "name (it names the year, e.g. 2023-24)")


def _read_file(path: Path, years_wanted: list[int], cancel, progress: Callable[[float], None]) -> _FileData | None:
    wb = _open(path)
    problems: list[Problem] = []
    try:
        if not looks_like_tac(wb.sheet_names):
            raise _failure(f"{path.name}: not a TAC data file (it needs 'All data' and 'List of Providers' sheets)")
        providers, title_years = _read_providers(wb, path, problems)
        for s in wb.sheet_names:
            if _norm_header(s) in (_norm_header(ALL_DATA), _norm_header(LIST_OF_PROVIDERS)):
                continue
            try:
                title_years.update(_years_in_text(v for row in _sheet_rows(wb, s, 40) for v in row))
            except Exception:  # noqa: BLE001 - a cover sheet that cannot be read gives no year evidence
                continue
        header_map, kept, subcodes, n_rows = _read_all_data(wb, path, tac_codes.all_keys(), cancel, progress)
    finally:
        try:
            wb.close()
        except Exception:  # noqa: BLE001
            pass
    fy, how = _decide_year(path, title_years, subcodes, problems)
    if years_wanted and fy not in years_wanted:
        return None
    definition = tac_codes.for_year(fy)
    if definition.substitute is not None:
        problems.append(Problem(WARNING, f"StrandRisk knows the TAC SubCodes of {tac_codes.known_range()}; "
                                         f"{fy_label(fy)} was read with those of {fy_label(definition.substitute)}: "
                                         "check the figures", path.name))
    figures, rows, orgs, lines, line_rows = _reduce(path, fy, definition, kept, problems)
    return _FileData(path.name, fy, how, orgs, figures, rows, providers, problems, header_map, n_rows, lines,
                     line_rows, definition)


def _reduce(path: Path, fy: int, definition, kept: dict, problems: list[Problem]):
    """Per organisation and measure: the sum of the weighted sizes of the lines present."""
    values, bad = _to_float(kept["value"])
    for i in np.flatnonzero(bad)[:5]:
        problems.append(Problem(WARNING, f"'{kept['value'][i]}' is not a number: left out", path.name, ALL_DATA,
                                f"{kept['value_letter']}{int(kept['row'][i])}"))
    keys = np.array([f"{m}|{s}" for m, s in zip(kept["main"], kept["sub"])], dtype=object)
    line_index = {k: i for i, k in enumerate(definition.line_keys)}
    lidx = np.array([line_index.get(k, -1) for k in keys], dtype=np.int64)
    org_names = np.array(["" if o is None else str(o).strip() for o in kept["org"]], dtype=object)
    named = np.flatnonzero(org_names != "")
    orgs, org_idx = np.unique(org_names[named].astype(str), return_inverse=True)
    lidx, values, at = lidx[named], values[named], kept["row"][named]
    n_org, n_line = len(orgs), len(definition.line_keys)
    # one value per organisation and line: the first row (TAC cells are unique by MainCode and SubCode)
    flat = org_idx * n_line + lidx
    order = np.flatnonzero((lidx >= 0) & ~np.isnan(values))
    _, first = np.unique(flat[order], return_index=True)
    pick = order[first]
    raw = np.full(n_org * n_line, np.nan)
    raw[flat[pick]] = values[pick]
    row_of = np.zeros(n_org * n_line, dtype=np.int64)
    row_of[flat[pick]] = at[pick]
    raw, row_of = raw.reshape(n_org, n_line), row_of.reshape(n_org, n_line)
    size = raw * definition.line_sign[None, :]
    signed = size.copy()
    flipped = size < 0
    if definition.in_measure is not None:
        flipped &= definition.in_measure[None, :]
    for j in np.flatnonzero(flipped.any(axis=0)):
        who = orgs[np.flatnonzero(flipped[:, j])]
        problems.append(Problem(WARNING, f"{definition.line_subcode[j]} ({definition.line_label[j]}) has the opposite "
                                         f"sign to the TAC form's expected sign for {len(who)} trust(s), e.g. {who[0]}: "
                                         "its size was used", path.name, ALL_DATA))
    size = np.abs(size)
    present = ~np.isnan(size)
    n_meas = len(definition.measures)
    figures = np.full((n_org, n_meas), np.nan)
    rows = np.zeros((n_org, n_meas), dtype=np.int64)
    for m in range(n_meas):
        for sel, weights in definition.measure_alternatives[m]:  # a handful of alternatives, not rows
            has = present[:, sel].any(axis=1) & np.isnan(figures[:, m])
            figures[has, m] = (np.nan_to_num(size[has][:, sel]) * weights[None, :]).sum(axis=1)
            first_row = np.where(present[:, sel], row_of[:, sel], np.iinfo(np.int64).max).min(axis=1)
            rows[has, m] = first_row[has]
    return figures, rows, [str(o) for o in orgs], signed, row_of


# Combining files and years ------------------------------------------------------------------------

def read_tac(path: Path | Sequence[Path], selection: TacSelection | None = None,
             progress: ProgressFn | None = None, cancel: CancelFn | None = None, settings=None) -> TacImport:
    """Read one TAC data file, or several at once (both sectors, several years), into model tables.

    settings: the screen's ``derive.ScreenSettings`` (defaults when None).
    """
    selection = selection or TacSelection()
    files = read_tac_files(path, selection, progress, cancel)
    result = combine_tac(files, selection, settings)
    if progress is not None:
        progress(1.0, "TAC data read")
    return result


def read_tac_files(path: Path | Sequence[Path], selection: TacSelection | None = None,
                   progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> list[_FileData]:
    """The files reduced to the lines StrandRisk reads (kept by the screen, so settings recompute fast)."""
    paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(p) for p in path]
    selection = selection or TacSelection()
    files: list[_FileData] = []
    for k, p in enumerate(paths):
        def step(fraction, k=k, p=p):
            if progress is not None:
                progress((k + 0.95 * fraction) / len(paths), f"Reading TAC data {p.name}")
        step(0.0)
        data = _read_file(p, list(selection.years), cancel, step)
        if data is not None:
            files.append(data)
    return files


def _year_accounts(f: _FileData, i: int, m_at: dict):
    """Trust i of one file as the derivation reads it."""
    from .derive import YearAccounts

    d = f.definition
    vals, rows = f.lines[i], f.line_rows[i]
    present = np.flatnonzero(~np.isnan(vals))
    lines = {d.line_subcode[j]: float(vals[j]) for j in present}
    line_rows = {d.line_subcode[j]: int(rows[j]) for j in present}
    uses: dict[str, list[str]] = {}
    for j, use in enumerate(d.line_use):
        if use:
            uses.setdefault(use, []).append(d.line_subcode[j])
    figures = {k: float(f.figures[i, j]) for k, j in m_at.items()}
    fig_rows = {k: int(f.rows[i, j]) for k, j in m_at.items()}
    return YearAccounts(f.fy, f.file, f.orgs[i], figures, fig_rows, lines, line_rows,
                        {u: tuple(c) for u, c in uses.items()}, d.substitute)


def combine_tac(files: list[_FileData], selection: TacSelection | None = None, settings=None) -> TacImport:
    """Files already read -> trusts, the derived input tables and the problems (see ``derive``)."""
    return _combine(files, selection or TacSelection(), settings)


def _combine(files: list[_FileData], selection: TacSelection, settings=None) -> TacImport:
    from ..spreadsheets.sheets import SheetReport

    measures = tac_codes.measure_keys()
    m_at = {k: i for i, k in enumerate(measures)}
    problems: list[Problem] = []
    sheets = []
    per_trust: dict[str, dict] = {}  # code -> info and {fy: (file, figures row, rows row, name)}
    unknown: Counter = Counter()
    for f in files:
        problems.extend(f.problems)
        for i, org in enumerate(f.orgs):
            info = f.providers.get(_norm_name(org))
            if info is None:
                unknown[(f.file, org)] += 1
                continue
            t = per_trust.setdefault(info["code"], {"info": info, "years": {}})
            if f.fy in t["years"]:
                problems.append(Problem(WARNING, f"{info['code']} appears twice for {fy_label(f.fy)} "
                                                 f"(also in {t['years'][f.fy][0]}): the first was used", f.file))
                continue
            t["years"][f.fy] = (f.file, f.figures[i], f.rows[i], org)
            t.setdefault("at", {})[f.fy] = (f, i)
            if f.fy >= max(t["years"]):
                t["info"] = info
    for file in sorted({file for file, _ in unknown}):
        orgs = sorted(org for f, org in unknown if f == file)
        problems.append(Problem(WARNING, f"{len(orgs)} organisation(s) in All data are not in List of Providers, so "
                                         f"have no ODS code and were left out: {'; '.join(orgs[:5])}"
                                         f"{' ...' if len(orgs) > 5 else ''}", file, ALL_DATA))

    trusts: list[TacTrust] = []
    for code in sorted(per_trust):
        t = per_trust[code]
        years = tuple(sorted(t["years"]))
        latest = t["years"][years[-1]]
        names = tuple(dict.fromkeys(t["years"][y][3] for y in years))
        fig = latest[1]
        income = fig[m_at["operating_income_gbp_k"]]
        comm = fig[m_at["community_income_gbp_k"]]
        acute = fig[m_at["acute_income_gbp_k"]]
        share = float(np.nan_to_num(comm) / income) if income and np.isfinite(income) and income > 0 else None
        acute_share = float(np.nan_to_num(acute) / income) if share is not None else None
        note = ""
        if share is not None and acute_share is not None and share + acute_share < MOSTLY_OTHER_SHARE:
            note = ("most income is neither acute nor community (mental health, ambulance or specialist?): "
                    "check the form")
        info = t["info"]
        trust = TacTrust(code, latest[3], info["region"], info["sector"], info["provider_type"], years, names,
                         share, acute_share, suggest_form(share), note)
        trust.selected = selection.matches(trust)
        trusts.append(trust)

    if selection.regions:
        known = {_norm_region(t.region) for t in trusts}
        for r in selection.regions:
            if _norm_region(r) not in known:
                regions = sorted({t.region for t in trusts if t.region})
                problems.append(Problem(WARNING, f"no trust is in region '{r}'; the regions are: "
                                                 f"{', '.join(regions) or 'none given'}"))
    if selection.trusts:
        known_codes = {t.code for t in trusts}
        missing = [c.strip().upper() for c in selection.trusts if c.strip().upper() not in known_codes]
        if missing:
            problems.append(Problem(WARNING, f"ODS code(s) not found in the TAC files: {', '.join(missing)}"))

    chosen = [t for t in trusts if t.selected]
    years = sorted({y for f in files for y in [f.fy]})
    base_year = max((t.latest_year for t in chosen), default=None)
    register = [t for t in chosen if t.latest_year == base_year]
    left = [t for t in chosen if t.latest_year != base_year]
    if left:
        problems.append(Problem(NOTE, f"{len(left)} trust(s) have no accounts for the base year "
                                      f"{fy_label(base_year)} (merged or dissolved), so they are not in the "
                                      f"register: {', '.join(t.code for t in left[:10])}"
                                      f"{' ...' if len(left) > 10 else ''}"))
    if files and not chosen:
        problems.append(Problem(ERROR, "no trust in the TAC files matches the chosen trusts, region or sector"))

    from .derive import TrustAccounts, derive

    accounts = []
    for t in register:
        by_year = {fy: _year_accounts(*per_trust[t.code]["at"][fy], m_at) for fy in t.years}
        accounts.append(TrustAccounts(t.code, t.name, t.region, t.sector, t.provider_type, by_year))
    derivation = derive(accounts, settings)
    providers = derivation.tables["providers"]
    by_code = {t.code: t for t in register}
    for screen in derivation.trusts:
        trust = by_code[screen.code]
        trust.status, trust.reasons, trust.flags = screen.status, list(screen.reasons), list(screen.flags)
    _blank_figure_warnings(accounts, derivation, m_at, problems)
    counts = Counter(t.status for t in derivation.trusts)
    if register:
        forms = Counter(t.form for t in derivation.trusts if t.status == "screened")
        problems.append(Problem(NOTE, f"{len(register)} trust(s) read from TAC data for {fy_label(base_year)}: "
                                      f"{counts.get('screened', 0)} modelled in both forms ("
                                      + ", ".join(f"{n} {k}" for k, n in sorted(forms.items())) +
                                      f"), {counts.get('community_only', 0)} community_only (cash and ratings "
                                      "only); community income moved from the register to Community budgets, "
                                      "and contracts derived from the income lines: check them on the Data page"))
    for status, words in (("not_applicable", "not modelled (not an acute trust)"),
                          ("excluded", "left out")):
        listed = [t for t in derivation.trusts if t.status == status]
        if listed:
            problems.append(Problem(NOTE, f"{len(listed)} trust(s) {words}: "
                                          + "; ".join(f"{t.code} ({', '.join(t.reasons)})" for t in listed[:10])
                                          + (" ..." if len(listed) > 10 else "")))
    for f in files:
        used_cols = {h: _ROLE_WORDS[r] for h, r in f.header_map.items() if r in _ROLE_WORDS}
        other_cols = [h for h, r in f.header_map.items() if r not in _ROLE_WORDS]
        sheets.append(SheetReport(f.file, ALL_DATA, "providers",
                                  int(sum(1 for c in providers.source_file if c == f.file)), 1, used_cols, other_cols,
                                  notes=[f"TAC data for {fy_label(f.fy)} (from {f.year_how}), {f.n_rows:,} rows, "
                                         f"{len(f.orgs)} organisations"]))
    for key in ("cash_balances", "block_contracts", "community_budgets"):
        table = derivation.tables[key]
        for f in files:
            n = int(sum(1 for c in table.source_file if c == f.file))
            if n or key == "cash_balances":
                sheets.append(SheetReport(f.file, ALL_DATA, key, n, 1, {h: _ROLE_WORDS[r] for h, r in
                                                                       f.header_map.items() if r in _ROLE_WORDS}, [],
                                          notes=[] if key == "cash_balances" else
                                          ["derived from the TAC06 income lines (see the TAC help page)"]))
    evidence = {f.file: f"{fy_label(f.fy)}, from {f.year_how}" for f in files}
    return TacImport(dict(derivation.tables), problems, sheets, trusts, years, base_year, evidence, derivation)


_REGISTER_MEASURES = ("operating_income_gbp_k", "operating_expenditure_gbp_k", "depreciation_gbp_k",
                      "interest_gbp_k", "pdc_dividend_gbp_k", "working_capital_gbp_k")


def _blank_figure_warnings(accounts: list, derivation, m_at: dict, problems: list[Problem]) -> None:
    """One warning per register figure that has no TAC line for some modelled trust."""
    kind = schema.PROVIDERS
    modelled = {t.code for t in derivation.trusts if t.modelled}
    for key in _REGISTER_MEASURES:
        blank = [a for a in accounts if a.code in modelled and np.isnan(a.base.figures[key])]
        if blank:
            col = kind.column(key)
            what = ("the model needs it" if col.required else "left blank" if col.default is None
                    else f"the model uses {col.default:g}")
            problems.append(Problem(WARNING, f"no TAC line for {col.label.lower()} of {len(blank)} trust(s), "
                                             f"e.g. {blank[0].code}: {what}", blank[0].base.file, ALL_DATA))


# The trust list alone, for pickers -----------------------------------------------------------------

def list_tac_trusts(path: Path | Sequence[Path]) -> list[TacTrust]:
    """Trusts named in the List of Providers sheets, without reading the long table (fast).

    Years, shares and the suggested form need the long table: they are filled by ``read_tac``.
    """
    paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(p) for p in path]
    found: dict[str, TacTrust] = {}
    for p in paths:
        wb = _open(p)
        try:
            if not looks_like_tac(wb.sheet_names):
                raise _failure(f"{p.name}: not a TAC data file (it needs 'All data' and 'List of Providers' sheets)")
            providers, _ = _read_providers(wb, p, [])
        finally:
            try:
                wb.close()
            except Exception:  # noqa: BLE001
                pass
        for info in providers.values():
            t = found.get(info["code"])
            if t is None:
                found[info["code"]] = TacTrust(info["code"], info["name"], info["region"], info["sector"],
                                               info["provider_type"], names=(info["name"],))
            elif info["name"] not in t.names:
                t.names = t.names + (info["name"],)
    return sorted(found.values(), key=lambda t: t.code)


__all__ = ["TacImport", "TacSelection", "TacTrust", "list_tac_trusts", "looks_like_tac", "read_tac", "suggest_form"]
