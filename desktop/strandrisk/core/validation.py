"""Checks across rows and tables: duplicates, references between kinds, shares adding to more than 1.

Pure: the io floor passes ``locate(table, row_index, column) -> (file, sheet, cell)`` so that each
problem names the cell the user must fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .inputs import ModelInputs, Table, cash_period_ends
from .labels import value_label
from .problems import ERROR, WARNING, Problem

Locate = Callable[[Table, int, str], tuple]


def _default_locate(table: Table, i: int, column: str) -> tuple:
    return str(table.source_file[i]), str(table.source_sheet[i]), f"row {table.source_row[i]}"


def _problem(severity, message, table, i, column, locate) -> Problem:
    file, sheet, cell = locate(table, i, column)
    return Problem(severity, message, file, sheet, cell)


@dataclass(frozen=True)
class Gap:
    """Something the model cannot run without: which input kind is missing, and what to do."""

    kind: str
    missing: str
    todo: str

    @property
    def advice(self) -> str:
        return f"{self.missing}: {self.todo}"


def model_gaps(inputs: ModelInputs, base_year: int | None = None) -> list[Gap]:
    """What the engine needs and the inputs lack. The one test behind `run` (compile_system raises on
    the first gap), `check`'s exit code and the app's Problems list: usable means no gaps and no errors."""
    gaps = []
    if inputs.providers.n_rows == 0:
        gaps.append(Gap("providers", "no providers", "add a Providers sheet with at least one provider "
                        "(provider code, operating income, operating expenditure)"))
    if base_year is None and not (~np.isnat(cash_period_ends(inputs.cash_balances))).any():
        if inputs.cash_balances.n_rows:
            todo = ("the base year comes from the latest balance, and no balance has a date: give each a "
                    "period end, or a financial year and month (or set the Base year (base_year) in the scenario)")
        else:
            todo = ("every modelled provider needs an opening cash balance, and the base year comes from the "
                    "latest one: add a Cash balances sheet with dates (or set the Base year (base_year) in the scenario)")
        gaps.append(Gap("cash_balances", "no cash balances with dates", todo))
    return gaps


def files_read(inputs: ModelInputs) -> str:
    """'the files read (a.xlsx: Providers, Cash balances; b.csv: nothing recognised)', for errors about the
    system as a whole."""
    if not inputs.sources:
        return "the inputs (no files were read)"
    parts = []
    for src in inputs.sources[:8]:
        used = ", ".join(src.sheets[:6]) + (" ..." if len(src.sheets) > 6 else "")
        parts.append(f"{src.file}: {used}, {src.rows_used:,} data rows" if src.sheets else
                     f"{src.file}: nothing recognised")
    more = f"; {len(inputs.sources) - 8} more files" if len(inputs.sources) > 8 else ""
    return f"the files read ({'; '.join(parts)}{more})"


def validate_inputs(inputs: ModelInputs, locate: Locate | None = None) -> list[Problem]:
    locate = locate or _default_locate
    out: list[Problem] = []
    prov = inputs.providers
    cash = inputs.cash_balances
    contracts = inputs.block_contracts
    community = inputs.community_budgets
    codes = prov["provider_code"]
    first_row: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code is None:
            continue
        if code in first_row:
            j = first_row[code]
            out.append(_problem(ERROR, f"provider {code} appears twice (also {prov.source_sheet[j]} row "
                                f"{prov.source_row[j]}): keep one row per provider", prov, i, "provider_code",
                                locate))
        else:
            first_row[code] = i
    known = set(first_row)

    if cash.n_rows:
        ends = cash_period_ends(cash)
        values = cash["cash_gbp_k"]
        raw_codes = cash["provider_code"]
        has_code = raw_codes != None  # noqa: E711 - elementwise
        no_date = has_code & np.isnat(ends)
        for i in np.flatnonzero(no_date)[:200]:
            out.append(_problem(ERROR, "this balance has no date: give a period end, or a financial "
                                "year and month", cash, i, "period_end", locate))
        usable = np.flatnonzero(has_code & ~np.isnat(ends))
        if usable.size:
            # Equal (code, month end) pairs have equal keys. Codes are numbered in order of first appearance
            # (not by Python's hash(), which is salted per process and made the problems differ run to run),
            # and the stable sort keeps rows in file order within a key.
            numbers: dict = {}
            code_no = np.fromiter((numbers.setdefault(c, len(numbers)) for c in raw_codes[usable].tolist()),
                                  dtype=np.int64, count=usable.size)
            days = ends[usable].astype(np.int64)
            span = np.int64(days.max() - days.min() + 1)
            key = code_no * span + (days - days.min())  # exact: no two (code, day) pairs share a key
            order = np.argsort(key, kind="stable")
            sorted_key = key[order]
            first_in_run = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
            run_start = np.maximum.accumulate(np.where(first_in_run, np.arange(key.size), 0))
            repeat = np.flatnonzero(~first_in_run)
            pairs = sorted(zip(usable[order[repeat]].tolist(), usable[order[run_start[repeat]]].tolist()))
            first_of = dict(pairs[:500])  # row -> the earlier row it repeats, in file order
            for i, j in first_of.items():
                same = values[i] == values[j] or (np.isnan(values[i]) and np.isnan(values[j]))
                msg = (f"cash for {raw_codes[i]} at {ends[i]} is given twice" +
                       (" with the same value: the copy is ignored" if same else
                        f" with different values ({values[j]:g} at {cash.source_sheet[j]} row "
                        f"{cash.source_row[j]}, {values[i]:g} here): keep the right one"))
                out.append(_problem(WARNING if same else ERROR, msg, cash, i, "cash_gbp_k", locate))
        if known:
            cash_codes = set(cash["provider_code"].tolist())
            unknown = sorted(c for c in cash_codes if c is not None and c not in known)
            for code in unknown[:50]:
                i = next(k for k, c in enumerate(cash["provider_code"]) if c == code)
                out.append(_problem(WARNING, f"cash balances for {code}, which is not on Providers: they are "
                                    "not used", cash, i, "provider_code", locate))

    cash_known = set(cash["provider_code"].tolist())
    for i in range(prov.n_rows):
        code = codes[i]
        if code is None or prov["form"][i] == "community_only":
            continue
        if cash.n_rows and code not in cash_known:
            out.append(_problem(ERROR, f"provider {code} has no cash balance: add its month-end cash on "
                                "Cash balances (the opening cash is needed)", prov, i, "provider_code", locate))
    read = files_read(inputs)
    nothing_recognised = bool(inputs.sources) and not any(src.sheets for src in inputs.sources)
    for gap in ([] if nothing_recognised else model_gaps(inputs)):  # each such file has its own error
        out.append(Problem(ERROR, f"{gap.missing} in {read}: {gap.todo}"))

    if contracts.n_rows:
        seen_lines: dict[tuple, int] = {}
        for i in range(contracts.n_rows):
            code = contracts["provider_code"][i]
            if known and code is not None and code not in known:
                out.append(_problem(ERROR, f"provider {code} is not on Providers: add it there or correct the "
                                    "code", contracts, i, "provider_code", locate))
            key = (contracts["contract_id"][i], code, contracts["service_line"][i])
            if None not in key:
                if key in seen_lines:
                    j = seen_lines[key]
                    out.append(_problem(ERROR, f"contract {key[0]} has the {value_label(key[2])} line for {code} "
                                        f"twice (also "
                                        f"row {contracts.source_row[j]}): merge the rows", contracts, i,
                                        "service_line", locate))
                else:
                    seen_lines[key] = i
            if contracts["baseline_activity"][i] == 0:
                out.append(_problem(ERROR, "baseline activity must be above 0: give the base-year units",
                                    contracts, i, "baseline_activity", locate))
            share = np.nansum([contracts["variable_share"][i], contracts["clawback_share"][i]])
            if share > 1:
                out.append(_problem(ERROR, f"variable share and clawback share add to {share:g}, more than 1: "
                                    "correct them", contracts, i, "clawback_share", locate))
            start, end = contracts["start_fy"][i], contracts["end_fy"][i]
            if not np.isnan(start) and not np.isnan(end) and end < start:
                out.append(_problem(ERROR, "end year is before start year: correct one of them", contracts, i,
                                    "end_fy", locate))

    if community.n_rows:
        seen_ids: dict = {}
        for i in range(community.n_rows):
            sid = community["service_id"][i]
            if sid is not None:
                if sid in seen_ids:
                    out.append(_problem(ERROR, f"service {sid} appears twice: give each service its own id",
                                        community, i, "service_id", locate))
                seen_ids.setdefault(sid, i)
            acute = community["acute_provider_code"][i]
            if known and acute is not None and acute not in known:
                out.append(_problem(ERROR, f"acute provider {acute} is not on Providers: add it there or correct "
                                    "the code", community, i, "acute_provider_code", locate))
            holder = community["holder_provider_code"][i]
            if known and holder is not None and holder not in known:
                out.append(_problem(WARNING, f"holder provider {holder} is not on Providers: that is fine for "
                                    "a provider outside the system, otherwise correct it", community, i,
                                    "holder_provider_code", locate))
            start_share = community["outcomes_share_start"][i]
            cap = community["outcomes_share_cap"][i]
            if not np.isnan(start_share) and not np.isnan(cap) and start_share > cap > 0:
                out.append(_problem(WARNING, "outcomes share start is above its cap: the cap applies",
                                    community, i, "outcomes_share_start", locate))
            start, end = community["start_fy"][i], community["end_fy"][i]
            if not np.isnan(start) and not np.isnan(end) and end < start:
                out.append(_problem(ERROR, "end year is before start year: correct one of them", community, i,
                                    "end_fy", locate))
    return out
