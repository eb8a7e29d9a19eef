"""One trust's published accounts -> the four input tables (TAC_SCREEN.md sections 1 to 4).

The TAC reader reduces each file to register figures and the screen's lines (codes.py); this module
turns them, for every trust, into a register row (acute services only, with the trust's own cost
mix), cash balances, derived Block contracts and derived Community budgets, and decides which
trusts are modelled in which form, which are listed only, and what is flagged. Every derived row
says which file, trust and SubCodes it came from (``basis``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ...core import schema
from ...core.inputs import Table, fy_label
from ...core.labels import SCREEN_STATUS_LABELS

DERIVED_SHEET = "All data"  # derived rows point at the All data row of their main line

# TAC_SCREEN.md section 4
COMMUNITY_ONLY_SHARE = 0.60
INTEGRATED_SHARE = 0.10
MIN_ACUTE_SHARE = 0.25
NOT_ACUTE_SECTORS = ("mental health", "ambulance")
ADD_UP_TOLERANCE = 0.005
PRIOR_YEAR_RANGE = (0.75, 1.33)
KAPPA_RANGE = (0.85, 1.10)
COVID_YEARS = (2020, 2021)

# section 1 and 2 fallbacks
BUILT_IN_POD_WEIGHTS = {"elective": 0.22, "non_elective": 0.45, "outpatients": 0.20, "a_and_e": 0.08, "other": 0.05}
BUILT_IN_FIRST_OUTPATIENT_SHARE = 0.35
COMMUNITY_RATIO_FALLBACK = 0.25
COMMUNITY_KAPPA_FALLBACK = 0.98
PEER_COMMUNITY_SHARE = (0.10, 0.60)
UNIT_PRICE_GBP = 1000.0  # activity in "£ units": baseline activity is the value in £000

STATUSES = ("screened", "community_only", "not_applicable", "excluded")
assert set(STATUSES) == set(SCREEN_STATUS_LABELS)

@dataclass(frozen=True)
class ScreenSettings:
    """TAC_SCREEN.md section 6: what the accounts do not say."""

    fixed_term_years: int = 1
    elective_variable_rate: float = 0.75
    emergency_variable_rate: float = 0.20
    community_ratio: float | None = None  # None: the peer median of the files

    def to_dict(self) -> dict:
        return {"fixed_term_years": self.fixed_term_years, "elective_variable_rate": self.elective_variable_rate,
                "emergency_variable_rate": self.emergency_variable_rate,
                "community_ratio": "peer median" if self.community_ratio is None else self.community_ratio}

    @classmethod
    def from_dict(cls, data: dict) -> "ScreenSettings":
        known = {"fixed_term_years", "elective_variable_rate", "emergency_variable_rate", "community_ratio"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown screen setting(s) {', '.join(unknown)}; the settings are "
                             f"{', '.join(sorted(known))}")
        ratio = data.get("community_ratio")
        if isinstance(ratio, str):
            if ratio.strip().lower() not in ("peer", "peer median", ""):
                raise ValueError("community_ratio is a number or 'peer median'")
            ratio = None
        out = cls(int(data.get("fixed_term_years", 1)), float(data.get("elective_variable_rate", 0.75)),
                  float(data.get("emergency_variable_rate", 0.20)), None if ratio is None else float(ratio))
        if out.fixed_term_years < 0:
            raise ValueError("fixed_term_years must be 0 or more")
        for name in ("elective_variable_rate", "emergency_variable_rate"):
            if not 0 <= getattr(out, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        if out.community_ratio is not None and out.community_ratio < 0:
            raise ValueError("community_ratio must be 0 or more")
        return out


@dataclass
class YearAccounts:
    """One trust's accounts for one year, as the reader reduced them."""

    fy: int
    file: str
    org: str  # the name in All data
    figures: dict[str, float]  # register measure -> value (NaN: no line)
    rows: dict[str, int]  # register measure -> All data row
    lines: dict[str, float]  # SubCode -> signed value (the form's sign applied), present lines only
    line_rows: dict[str, int]
    uses: dict[str, tuple[str, ...]]  # use -> SubCodes of that use this year
    substitute: int | None = None  # the known year whose codes were used (a year beyond the dictionary)

    def line(self, subcode: str) -> float:
        """A line's value, negative values counted as 0 (the caller flags them)."""
        return max(0.0, self.lines.get(subcode, 0.0))

    def use(self, use: str) -> float:
        return sum(self.line(c) for c in self.uses.get(use, ()))

    def present(self, use: str) -> tuple[str, ...]:
        return tuple(c for c in self.uses.get(use, ()) if c in self.lines)


@dataclass
class TrustAccounts:
    code: str
    name: str
    region: str
    sector: str  # nhs_trust / foundation_trust
    provider_type: str  # the List of Providers' service description, when it has one
    years: dict[int, YearAccounts]

    @property
    def base(self) -> YearAccounts:
        return self.years[max(self.years)]


@dataclass
class TrustScreen:
    """What the screen decided for one trust."""

    code: str
    name: str
    region: str
    sector: str
    provider_type: str
    status: str
    form: str | None  # acute_only / integrated when screened, community_only, else None
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    derived: dict = field(default_factory=dict)
    user_rows: list[str] = field(default_factory=list)  # input kinds where the user's own rows replaced these

    @property
    def modelled(self) -> bool:
        return self.status in ("screened", "community_only")


@dataclass
class Derivation:
    tables: dict[str, Table]
    basis: dict[str, list[str]]  # kind -> per row: the SubCodes (and file) behind it
    trusts: list[TrustScreen]
    settings: ScreenSettings
    peers: dict  # the peer figures used: community ratio, community kappa, pod weights and where they came from

    def trust(self, code: str) -> TrustScreen | None:
        return next((t for t in self.trusts if t.code == code), None)


# Peers --------------------------------------------------------------------------------------------

_POD_USES = (("elective", "acute_pod_elective"), ("non_elective", "acute_pod_non_elective"),
             ("outpatients_first", "acute_pod_outpatients_first"),
             ("outpatients_follow_up", "acute_pod_outpatients_follow_up"), ("a_and_e", "acute_pod_a_and_e"))


def _pod_shares(y: YearAccounts) -> dict[str, float] | None:
    """A 2019-20 trust's own point-of-delivery shares of its acute contract income."""
    values = {k: y.use(u) for k, u in _POD_USES}
    total = sum(values.values())
    if total <= 0:
        return None
    return {k: v / total for k, v in values.items()}


def _built_in_pod() -> dict[str, float]:
    w = dict(BUILT_IN_POD_WEIGHTS)
    op = w.pop("outpatients")
    return {"elective": w["elective"], "non_elective": w["non_elective"],
            "outpatients_first": op * BUILT_IN_FIRST_OUTPATIENT_SHARE,
            "outpatients_follow_up": op * (1 - BUILT_IN_FIRST_OUTPATIENT_SHARE),
            "a_and_e": w["a_and_e"], "other": w["other"]}


def _national_pod(trusts: list[TrustAccounts]) -> dict[str, float] | None:
    shares = [s for t in trusts if 2019 in t.years for s in [_pod_shares(t.years[2019])] if s]
    if not shares:
        return None
    med = {k: float(np.median([s[k] for s in shares])) for k, _ in _POD_USES}
    total = sum(med.values())
    return {k: v / total for k, v in med.items()} if total > 0 else None


def acute_contract_income(y: YearAccounts) -> float:
    if y.fy <= 2019:
        return sum(y.use(u) for _, u in _POD_USES)
    erf = y.use("acute_erf") if y.fy in (2021, 2022) else 0.0
    return y.use("acute_api_variable") + y.use("acute_api_fixed") + erf


def _income(y: YearAccounts) -> float:
    return float(np.nan_to_num(y.figures.get("operating_income_gbp_k", np.nan)))


def _community_share(y: YearAccounts) -> float | None:
    income = _income(y)
    return y.use("community") / income if income > 0 else None


# Cost mix -----------------------------------------------------------------------------------------

def cost_mix(y: YearAccounts) -> tuple[float, float, float, float, list[str]] | None:
    """(variable, semi-fixed, fixed shares of the pool, pool, flags); None without cost lines."""
    flags = []
    drugs = y.use("cost_drugs")
    hcd = y.use("high_cost_drugs")
    bank_agency = y.use("staff_bank_agency")
    variable = y.use("cost_variable") + drugs - min(drugs, hcd) + bank_agency
    staff = max(0.0, y.use("cost_staff") - bank_agency)
    wte_total = y.use("wte_total")
    admin = y.use("wte_admin_estates") / wte_total if wte_total > 0 else 0.0
    admin = min(1.0, admin)
    semi = staff * (1 - admin) + y.use("cost_semi_fixed")
    fixed = staff * admin + y.use("cost_fixed")
    total = y.use("cost_total")
    classified = (y.use("cost_variable") + drugs + y.use("cost_staff") + y.use("cost_semi_fixed")
                  + y.use("cost_fixed") + y.use("cost_left_out"))
    if total > 0 and total - classified > ADD_UP_TOLERANCE * total:
        fixed += total - classified
        flags.append(f"operating expenditure lines not classed by the screen ({total - classified:,.0f}) "
                     "counted as fixed cost")
    pool = variable + semi + fixed
    if pool <= 0:
        return None
    return variable / pool, semi / pool, fixed / pool, pool, flags


# Status ------------------------------------------------------------------------------------------

def _flags_of_year(t: TrustAccounts, y: YearAccounts) -> list[str]:
    flags = []
    signed = {c for u, codes in y.uses.items() if u not in ("cost_left_out",) for c in codes}
    negative = sorted(c for c in signed if y.lines.get(c, 0.0) < 0)
    if negative:
        flags.append(f"negative line(s) counted as 0: {', '.join(negative)}")
    total = y.use("patient_care_total")
    income_lines = sum(y.use(u) for u in ("acute_pod_elective", "acute_pod_non_elective",
                                          "acute_pod_outpatients_first", "acute_pod_outpatients_follow_up",
                                          "acute_pod_a_and_e", "acute_api_variable", "acute_api_fixed", "acute_erf",
                                          "high_cost_drugs", "other_income", "community", "mental_health",
                                          "ambulance"))
    if total > 0 and abs(income_lines - total) > ADD_UP_TOLERANCE * total:
        flags.append(f"income lines ({income_lines:,.0f}) do not add up to INC0350 ({total:,.0f})")
    patient = y.lines.get("SCI0100A")
    if total > 0 and patient and abs(total - patient) > ADD_UP_TOLERANCE * patient:
        flags.append(f"INC0350 ({total:,.0f}) does not match SCI0100A ({patient:,.0f})")
    prior = t.years.get(y.fy - 1)
    if prior is not None and _income(prior) > 0:
        ratio = _income(y) / _income(prior)
        if not PRIOR_YEAR_RANGE[0] <= ratio <= PRIOR_YEAR_RANGE[1]:
            flags.append(f"income is {ratio:.2f} times the prior year's (merger or part year?)")
    if y.fy in COVID_YEARS:
        flags.append(f"COVID base year ({fy_label(y.fy)}: block and system envelope income)")
    if y.substitute is not None:
        flags.append(f"{fy_label(y.fy)} is beyond the SubCode dictionary: read with {fy_label(y.substitute)}'s codes")
    return flags


def _status(t: TrustAccounts, y: YearAccounts) -> tuple[str, str | None, list[str]]:
    income = _income(y)
    spend = float(np.nan_to_num(y.figures.get("operating_expenditure_gbp_k", np.nan)))
    cash = y.figures.get("cash_gbp_k", np.nan)
    kind = (t.provider_type or "").lower()
    if income <= 0 or spend <= 0:
        return "excluded", None, ["operating income or expenditure is blank or zero"]
    community = y.use("community") / income
    if "community" in kind or community >= COMMUNITY_ONLY_SHARE:
        if np.isnan(cash):
            return "excluded", None, ["no cash line (CCE0080 or BAL1240)"]
        why = "community sector" if "community" in kind else f"community share {community:.0%}"
        return "community_only", "community_only", [f"{why}: cash and ratings only"]
    acute = acute_contract_income(y) + y.use("high_cost_drugs") + y.use("other_income")
    for word in NOT_ACUTE_SECTORS:
        if word in kind:
            return "not_applicable", None, [f"{word} sector"]
    if acute / income < MIN_ACUTE_SHARE:
        return "not_applicable", None, [f"acute income is {acute / income:.0%} of income (under "
                                        f"{MIN_ACUTE_SHARE:.0%})"]
    reasons = []
    if np.isnan(cash):
        reasons.append("no cash line (CCE0080 or BAL1240)")
    if acute_contract_income(y) <= 0:
        reasons.append("no acute contract income")
    if reasons:
        return "excluded", None, reasons
    form = "integrated" if community >= INTEGRATED_SHARE else "acute_only"
    return "screened", form, [f"community share {community:.0%}: {form.replace('_', '-')}"]


# The derivation ------------------------------------------------------------------------------------

class _Rows:
    """Rows of one input table as they are derived, with their basis."""

    def __init__(self, kind):
        self.kind = kind
        self.cols: dict[str, list] = {c: [] for c in kind.names}
        self.file: list[str] = []
        self.row: list[int] = []
        self.basis: list[str] = []

    def add(self, values: dict, file: str, row: int, basis: str) -> None:
        for c in self.cols:
            self.cols[c].append(values.get(c))
        self.file.append(file)
        self.row.append(int(row))
        self.basis.append(basis)

    def table(self) -> Table:
        from ...core.inputs import as_array

        n = len(self.file)
        cols = {c: as_array(self.kind.column(c).type, v) for c, v in self.cols.items()}
        sheet = np.empty(n, dtype=object)
        sheet[:] = [DERIVED_SHEET] * n
        return Table(self.kind, cols, source_file=np.array(self.file, dtype=object), source_sheet=sheet,
                     source_row=np.array(self.row, dtype=np.int64))


def _codes(codes) -> str:
    return "+".join(codes) if codes else "-"


def derive(trusts: list[TrustAccounts], settings: ScreenSettings | None = None) -> Derivation:
    """Every trust's status, form, flags and derived input rows (TAC_SCREEN.md sections 1 to 4)."""
    settings = settings or ScreenSettings()
    national = _national_pod(trusts)
    status = {}
    for t in trusts:
        status[t.code] = _status(t, t.base)
    # peers: trusts of the files holding 10-60% community income, and the community trusts
    ratios, community_kappas = [], []
    for t in trusts:
        y = t.base
        share = _community_share(y)
        st = status[t.code][0]
        acute = acute_contract_income(y)
        if st == "screened" and share is not None and PEER_COMMUNITY_SHARE[0] <= share < PEER_COMMUNITY_SHARE[1] \
                and acute > 0:
            ratios.append(y.use("community") / acute)
        if st == "community_only":
            community_kappas.append(_kappa(y))
    peer_ratio = float(np.median(ratios)) if ratios else COMMUNITY_RATIO_FALLBACK
    ratio = settings.community_ratio if settings.community_ratio is not None else peer_ratio
    peer_kappa = float(np.median(community_kappas)) if community_kappas else COMMUNITY_KAPPA_FALLBACK
    peers = {"community_ratio": ratio,
             "community_ratio_source": ("setting" if settings.community_ratio is not None else
                                        f"median of {len(ratios)} trust(s) with 10-60% community income"
                                        if ratios else "built-in fallback"),
             "community_delivery_cost_ratio": peer_kappa,
             "community_delivery_cost_ratio_source": (f"median of {len(community_kappas)} community trust(s)"
                                                      if community_kappas else "built-in fallback"),
             "pod_weights_source": "national median of the 2019-20 file" if national else "built-in weights"}

    providers, cash = _Rows(schema.PROVIDERS), _Rows(schema.CASH_BALANCES)
    contracts, budgets = _Rows(schema.BLOCK_CONTRACTS), _Rows(schema.COMMUNITY_BUDGETS)
    out = []
    for t in trusts:
        y = t.base
        st, form, reasons = status[t.code]
        flags = _flags_of_year(t, y)
        screen = TrustScreen(t.code, t.name, t.region, t.sector, t.provider_type, st, form, reasons, flags)
        out.append(screen)
        screen.derived = _derived_basics(y)
        if not screen.modelled:
            continue
        kappa = _kappa(y)
        if st == "screened" and not KAPPA_RANGE[0] <= kappa <= KAPPA_RANGE[1]:
            flags.append(f"cost/income ratio {kappa:.2f} outside {KAPPA_RANGE[0]:.2f}-{KAPPA_RANGE[1]:.2f}")
        _cash_rows(cash, t)
        if st == "community_only":
            _register_row(providers, t, y, "community_only", 0.0, kappa, None)
            continue
        mix = cost_mix(y)
        if mix is not None:
            flags.extend(mix[4])
        community = y.use("community")
        _register_row(providers, t, y, form, community, kappa, mix)
        weights, source = _weights_for(t, national)
        if y.fy > 2019 and source != "own 2019-20 lines":
            flags.append(f"{source} used to split acute contract income by point of delivery")
        screen.derived["pod_weights"] = source
        _contract_rows(contracts, t, y, weights, settings)
        wouldbe = _budget_rows(budgets, t, y, form, community, kappa, ratio, peer_kappa, peers)
        screen.derived["community_budget_gbp_k"] = wouldbe
        if mix is not None:
            screen.derived.update(variable_share=mix[0], semi_fixed_share=mix[1], fixed_share=mix[2])
    tables = {"providers": providers.table(), "cash_balances": cash.table(),
              "block_contracts": contracts.table(), "community_budgets": budgets.table()}
    basis = {"providers": providers.basis, "cash_balances": cash.basis, "block_contracts": contracts.basis,
             "community_budgets": budgets.basis}
    return Derivation(tables, basis, out, settings, peers)


def _kappa(y: YearAccounts) -> float:
    income = _income(y)
    spend = float(np.nan_to_num(y.figures.get("operating_expenditure_gbp_k", np.nan)))
    return spend / income if income > 0 and spend > 0 else 1.0


def _derived_basics(y: YearAccounts) -> dict:
    income = _income(y)
    acute = acute_contract_income(y)
    return {"base_year": fy_label(y.fy), "operating_income_gbp_k": income,
            "operating_expenditure_gbp_k": float(np.nan_to_num(y.figures.get("operating_expenditure_gbp_k", np.nan))),
            "kappa": _kappa(y), "acute_contract_income_gbp_k": acute,
            "api_variable_share": (y.use("acute_api_variable") / acute if y.fy >= 2023 and acute > 0 else None),
            "community_income_gbp_k": y.use("community"),
            "community_share": _community_share(y),
            "opening_cash_gbp_k": None if np.isnan(y.figures.get("cash_gbp_k", np.nan)) else y.figures["cash_gbp_k"]}


def _weights_for(t: TrustAccounts, national) -> tuple[dict[str, float], str]:
    own = _pod_shares(t.years[2019]) if 2019 in t.years else None
    if own:
        return own, "own 2019-20 lines"
    if national:
        return national, "national median weights of the 2019-20 file"
    return _built_in_pod(), "built-in weights"


def _register_row(rows: _Rows, t: TrustAccounts, y: YearAccounts, form: str, community: float, kappa: float, mix):
    f = y.figures
    income = _income(y)
    spend = float(f["operating_expenditure_gbp_k"])
    values = {"provider_code": t.code, "provider_name": t.name, "form": form,
              "operating_income_gbp_k": income - community,
              "operating_expenditure_gbp_k": spend - kappa * community,
              "vehicle": t.sector or "nhs_trust"}
    for key in ("depreciation_gbp_k", "interest_gbp_k", "pdc_dividend_gbp_k", "working_capital_gbp_k"):
        v = f.get(key, np.nan)
        values[key] = None if np.isnan(v) else float(v)
    if mix is not None:
        values["variable_share"], values["semi_fixed_share"] = mix[0], mix[1]
    basis = "SCI0100A+SCI0110A, SCI0125A"
    if community:
        basis += f" less community {_codes(y.present('community'))} (moved to Community budgets)"
    if mix is not None:
        basis += "; cost mix from TAC08/TAC09"
    rows.add(values, y.file, y.rows.get("operating_income_gbp_k", 0), f"{y.file}: {t.code} {basis}")


def _cash_rows(rows: _Rows, t: TrustAccounts) -> None:
    for fy in sorted(t.years):
        y = t.years[fy]
        v = y.figures.get("cash_gbp_k", np.nan)
        if np.isnan(v):
            continue
        code = "CCE0080" if "CCE0080" in y.lines else "BAL1240 (no CCE0080)"
        rows.add({"provider_code": t.code, "period_end": np.datetime64(dt.date(fy + 1, 3, 31), "D"), "cash_gbp_k": v},
                 y.file, y.rows.get("cash_gbp_k", 0), f"{y.file}: {t.code} {code}")


def _contract_rows(rows: _Rows, t: TrustAccounts, y: YearAccounts, w: dict, s: ScreenSettings) -> None:
    fy = y.fy
    lines: list[tuple[str, str, float, str, float | None, str]] = []  # id, line, value, type, variable share, basis

    def split(total: float, parts: dict[str, float], kind, cid, basis, variable=None):
        norm = sum(parts.values())
        if total <= 0 or norm <= 0:
            return
        for line, weight in parts.items():
            if weight > 0:
                lines.append((cid, line, total * weight / norm, kind(line) if callable(kind) else kind,
                              variable(line) if callable(variable) else variable, basis))

    first, follow = w.get("outpatients_first", 0.0), w.get("outpatients_follow_up", 0.0)
    if fy <= 2019:
        for key, use in _POD_USES:
            v = y.use(use)
            line = "outpatients" if key.startswith("outpatients") else key
            if v > 0:
                blended = line == "non_elective"
                lines.append((f"TAC-{t.code}-{key.upper()}", line, v, "blended" if blended else "activity",
                              s.emergency_variable_rate if blended else None, _codes(y.present(use))))
    elif fy >= 2023:
        split(y.use("acute_api_variable"), {"elective": w["elective"], "outpatients": first}, "activity",
              f"TAC-{t.code}-APIV", _codes(y.present("acute_api_variable")))
        split(y.use("acute_api_fixed"), {"outpatients": follow, "non_elective": w["non_elective"],
                                          "a_and_e": w["a_and_e"], "other": w.get("other", 0.0)}, "block",
              f"TAC-{t.code}-APIF", _codes(y.present("acute_api_fixed")))
    else:
        parts = {"elective": w["elective"], "non_elective": w["non_elective"], "outpatients": first + follow,
                 "a_and_e": w["a_and_e"], "other": w.get("other", 0.0)}
        if fy == 2022:
            split(y.use("acute_api_fixed"), parts, lambda line: "blended" if line == "elective" else "block",
                  f"TAC-{t.code}-API", _codes(y.present("acute_api_fixed")),
                  lambda line: s.elective_variable_rate if line == "elective" else None)
            erf = y.use("acute_erf")
            if erf > 0:
                lines.append((f"TAC-{t.code}-ERF", "elective", erf, "activity", None, _codes(y.present("acute_erf"))))
        else:
            split(y.use("acute_api_fixed"), parts, "block", f"TAC-{t.code}-BLOCK", _codes(y.present("acute_api_fixed")))
            erf = y.use("acute_erf") if fy == 2021 else 0.0
            if erf > 0:
                lines.append((f"TAC-{t.code}-ERF", "elective", erf, "block", None, _codes(y.present("acute_erf"))))
    for cid, line, value, kind, variable, basis in lines:
        in_term_block = kind == "block"
        row = min((y.line_rows[c] for c in basis.split("+") if c in y.line_rows), default=0)
        rows.add({"contract_id": cid, "provider_code": t.code, "commissioner": "Commissioners (from TAC)",
                  "service_line": line, "payment_type": kind, "annual_value_gbp_k": value,
                  "baseline_activity": value, "unit_price_gbp": UNIT_PRICE_GBP, "start_fy": fy,
                  "end_fy": fy + s.fixed_term_years if in_term_block else None,
                  "variable_share": variable, "rebase_at_renewal": True},
                 y.file, row, f"{y.file}: {t.code} {basis} ({fy_label(fy)})")


def _budget_rows(rows: _Rows, t, y, form, community, kappa, ratio, peer_kappa, peers) -> float:
    """The community budgets of one screened trust; returns the would-be budget (0 when none)."""
    if community > 0:
        rows.add({"service_id": f"TAC-{t.code}-COMMUNITY", "service_name": f"{t.name}: community services held",
                  "commissioner": "Commissioners (from TAC)", "holder_provider_code": t.code,
                  "acute_provider_code": t.code, "payment_type": "block", "annual_budget_gbp_k": community,
                  "delivery_cost_ratio": kappa, "activity_avoided_per_gbp_m": 0.0},
                 y.file, max((y.line_rows.get(c, 0) for c in y.present("community")), default=0),
                 f"{y.file}: {t.code} {_codes(y.present('community'))}; delivery cost ratio = the trust's "
                 "cost/income ratio")
    wouldbe = 0.0
    if form == "acute_only":
        wouldbe = max(0.0, ratio * acute_contract_income(y) - community)
        if wouldbe > 0:
            rows.add({"service_id": f"TAC-{t.code}-WOULDBE", "service_name": f"{t.name}: would-be community budget",
                      "commissioner": "Commissioners (from TAC)", "holder_provider_code": None,
                      "acute_provider_code": t.code, "payment_type": "capitated", "annual_budget_gbp_k": wouldbe,
                      "delivery_cost_ratio": peer_kappa, "activity_avoided_per_gbp_m": 0.0},
                     y.file, y.rows.get("operating_income_gbp_k", 0),
                     f"{y.file}: {t.code} {ratio:.3f} x acute contract income less community income "
                                f"(ratio: {peers['community_ratio_source']}; delivery cost ratio: "
                                f"{peers['community_delivery_cost_ratio_source']})")
    return wouldbe


# A user's own rows replace the derived rows of that trust -----------------------------------------

_OWNER_COLUMNS = {"providers": ("provider_code",), "cash_balances": ("provider_code",),
                  "block_contracts": ("provider_code",),
                  "community_budgets": ("acute_provider_code", "holder_provider_code")}


def replace_with_user_rows(derived: dict[str, Table], user: dict[str, list[Table]]) -> tuple[dict[str, Table],
                                                                                              dict[str, list[str]]]:
    """Per input kind: the derived rows of trusts the user's own rows cover are dropped.

    Returns the kept derived tables and, per kind, the trusts whose derived rows were replaced.
    """
    kept, replaced = {}, {}
    for key, table in derived.items():
        users = user.get(key, [])
        own = set()
        for u in users:
            for col in _OWNER_COLUMNS[key]:
                own |= {str(c) for c in u[col] if c}
        if not own or table.n_rows == 0:
            kept[key] = table
            continue
        owners = table[_OWNER_COLUMNS[key][0]]
        drop = np.isin(owners.astype(str), list(own))
        kept[key] = table.take(np.flatnonzero(~drop))
        if drop.any():
            replaced[key] = sorted(set(owners[drop].astype(str)))
    return kept, replaced


__all__ = ["Derivation", "ScreenSettings", "STATUSES", "TrustAccounts", "TrustScreen",
           "YearAccounts", "acute_contract_income", "cost_mix", "derive", "replace_with_user_rows"]
