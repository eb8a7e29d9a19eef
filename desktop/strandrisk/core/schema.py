"""The one definition of every input kind: columns, types, units, defaults, allowed values, help.

Templates, header mapping, value parsing, validation, the app's help and the report's Inputs sheet
are all derived from these tables; nothing else lists the columns. How finance teams word the
headers and values of these columns is kept beside this file, in ``vocabulary.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICE_LINES = ("elective", "non_elective", "outpatients", "a_and_e", "community", "other")
FORMS = ("acute_only", "integrated", "community_only")
MODELLED_FORMS = ("acute_only", "integrated")
VEHICLES = ("foundation_trust", "nhs_trust", "new_entity")
CONTRACT_PAYMENT_TYPES = ("activity", "block", "blended", "capitated")
COMMUNITY_PAYMENT_TYPES = ("block", "capitated")

# Column value types. Money is always held in GBP thousands once read.
TEXT = "text"
CODE = "code"  # an ODS-style code: trimmed, upper-cased
MONEY = "money_gbp_k"
NUMBER = "number"
COUNT = "count"  # activity units: non-negative
SHARE = "share"  # 0..1; "30%" reads as 0.3
BOOL = "bool"
FY = "financial_year"  # held as the start year: 2025 means 2025/26
DATE = "date"
MONTH = "month"  # M1 (April) .. M12 (March), held as 1..12
ENUM = "enum"
YEARS = "years"  # a count of years (may be fractional for ramps)


@dataclass(frozen=True)
class Plausible:
    """The values any column of one type can hold; outside them a value is an error naming its cell."""

    low: float
    high: float
    words: str  # the range in the user's words, for the help, the template and the messages


MONEY_LIMIT_GBP_K = 50_000_000  # £50bn: over ten times the income of the largest trust

# Plausibility limits, one per value type (dates and financial years as calendar / start years). A
# column's own minimum and maximum narrow them; ``value_range`` gives the range that applies.
PLAUSIBLE = {
    MONEY: Plausible(-MONEY_LIMIT_GBP_K, MONEY_LIMIT_GBP_K,
                     "-£50bn to £50bn (±50,000,000 in £000): more than any trust's accounts hold"),
    NUMBER: Plausible(-1e9, 1e9, "a finite number within ±1,000,000,000"),
    COUNT: Plausible(0, 1e9, "0 to 1,000,000,000: activity and populations are positive and finite"),
    SHARE: Plausible(0, 1, "0 to 1 (0% to 100%)"),
    YEARS: Plausible(0, 100, "0 to 100 years"),
    MONTH: Plausible(1, 12, "M1 (April) to M12 (March)"),
    FY: Plausible(2000, 2100, "2000/01 to 2100/01"),
    DATE: Plausible(2000, 2100, "1 January 2000 to 31 December 2100"),
}


def value_range(col: "Column") -> tuple[float, float] | None:
    """(lowest, highest) plausible value of a column: its type's limits narrowed by its own."""
    rule = PLAUSIBLE.get(col.type)
    if rule is None:
        return None
    low = rule.low if col.minimum is None else max(rule.low, col.minimum)
    high = rule.high if col.maximum is None else min(rule.high, col.maximum)
    return low, high


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str
    unit: str = ""
    required: bool = False
    default: object = None
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""

    @property
    def value_synonyms(self) -> dict[str, str]:
        """Words meaning each allowed value (kept in ``vocabulary.py``): word -> allowed value."""
        from .vocabulary import VALUE_SET_OF_COLUMN, VALUES

        words = VALUES.get(VALUE_SET_OF_COLUMN.get(self.name, ""), {})
        return {w: value for value, phrases in words.items() for w in phrases if value in self.allowed}

    @property
    def header(self) -> str:
        """The template header: friendly label with its unit."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


@dataclass(frozen=True)
class InputKind:
    key: str
    sheet: str
    columns: tuple[Column, ...]
    help: str
    example: dict[str, object]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


_CODE_HELP = "ODS-style code of 3 to 5 letters or digits, e.g. RXX or ZX1."

PROVIDERS = InputKind(
    key="providers",
    sheet="Providers",
    help=(
        "The provider register: one row per NHS trust in the system, with its base-year income and "
        "expenditure for acute services (leave out services listed on Community budgets)."
    ),
    example={
        "provider_code": "ZX1", "provider_name": "Example Hospitals NHS Foundation Trust",
        "form": "acute_only", "operating_income_gbp_k": 500000, "operating_expenditure_gbp_k": 495000,
        "depreciation_gbp_k": 15000, "capital_expenditure_gbp_k": 18000, "interest_gbp_k": 1000,
        "pdc_dividend_gbp_k": 6000, "loan_repayment_gbp_k": 2000, "working_capital_gbp_k": None,
        "vehicle": "foundation_trust", "variable_share": None, "semi_fixed_share": None,
    },
    columns=(
        Column("provider_code", "Provider code", CODE, required=True,
               help=_CODE_HELP),
        Column("provider_name", "Provider name", TEXT,
               help="Name shown in tables and reports."),
        Column("form", "Organisational form", ENUM, default="acute_only", allowed=FORMS,
               help="acute_only, integrated (acute plus community) or community_only. Every provider "
                    "that is not community_only is modelled in both forms."),
        Column("operating_income_gbp_k", "Operating income", MONEY, "£000", required=True,
               minimum=0, help="Base-year operating income of acute services."),
        Column("operating_expenditure_gbp_k", "Operating expenditure", MONEY, "£000", required=True,
               minimum=0, help="Base-year operating expenditure of acute services."),
        Column("depreciation_gbp_k", "Depreciation", MONEY, "£000", default=0.0,
               minimum=0, help="Depreciation and amortisation; added back to cash each year."),
        Column("capital_expenditure_gbp_k", "Capital expenditure", MONEY, "£000",
               minimum=0, help="Capital spent from own cash each year. Blank means equal to depreciation."),
        Column("interest_gbp_k", "Interest payable", MONEY, "£000", default=0.0,
               minimum=0, help="Interest payable; used in capital service cover."),
        Column("pdc_dividend_gbp_k", "PDC dividend", MONEY, "£000", default=0.0,
               minimum=0, help="Public dividend capital dividend; used in capital service cover."),
        Column("loan_repayment_gbp_k", "Loan repayment", MONEY, "£000", default=0.0,
               minimum=0, help="Loan principal repaid each year."),
        Column("working_capital_gbp_k", "Working capital", MONEY, "£000",
               help="Current assets less inventories less current liabilities, base year. Optional: "
                    "enables the regulator-style liquidity metric."),
        Column("vehicle", "Legal vehicle", ENUM, default="foundation_trust", allowed=VEHICLES,
               help="foundation_trust, nhs_trust or new_entity (a new entity pays VAT on subcontracts)."),
        Column("variable_share", "Variable cost share", SHARE, "share of cost",
               help="Optional: the provider's own share of acute cost that moves with activity, for "
                    "example from its accounts. The scenario's shares by service line are scaled to it. "
                    "Blank: the scenario's shares."),
        Column("semi_fixed_share", "Semi-fixed cost share", SHARE, "share of cost",
               help="Optional: the provider's own share of acute cost that moves in steps (wards, teams). "
                    "The scenario's shares by service line are scaled to it. Blank: the scenario's shares."),
    ),
)

CASH_BALANCES = InputKind(
    key="cash_balances",
    sheet="Cash balances",
    help=(
        "Month-end cash balances per provider. Give either the period end date, or the financial year "
        "and month. The latest balance on or before 31 March of the base year is the opening cash."
    ),
    example={"provider_code": "ZX1", "period_end": "2026-03-31", "financial_year": None, "month": None,
             "cash_gbp_k": 42000},
    columns=(
        Column("provider_code", "Provider code", CODE, required=True,
               help=_CODE_HELP),
        Column("period_end", "Period end", DATE,
               help="Month-end date of the balance (dd/mm/yyyy). Or give financial year and month."),
        Column("financial_year", "Financial year", FY,
               help="Financial year such as 2025/26, used with Month when there is no period end."),
        Column("month", "Month", MONTH,
               help="M1 (April) to M12 (March), used with Financial year."),
        Column("cash_gbp_k", "Cash balance", MONEY, "£000", required=True,
               help="Cash and cash equivalents at the period end."),
    ),
)

BLOCK_CONTRACTS = InputKind(
    key="block_contracts",
    sheet="Block contracts",
    help=(
        "Commissioner contracts, one row per contract line. A contract is every row with the same "
        "contract id; a block contract covering elective and non-elective lines is a super block."
    ),
    example={
        "contract_id": "C1", "provider_code": "ZX1", "commissioner": "Example ICB",
        "service_line": "non_elective", "payment_type": "block", "annual_value_gbp_k": 200000,
        "baseline_activity": 80000, "unit_price_gbp": None, "start_fy": "2025/26", "end_fy": "2027/28",
        "activity_ceiling": 84000, "marginal_rate": 0.3, "variable_share": None, "clawback_share": 0.02,
        "rebase_at_renewal": True,
    },
    columns=(
        Column("contract_id", "Contract id", TEXT, required=True,
               help="Identifies the contract; rows sharing it form one contract."),
        Column("provider_code", "Provider code", CODE, required=True,
               help=_CODE_HELP),
        Column("commissioner", "Commissioner", TEXT,
               help="Who pays: ICB, NHS England specialised commissioning, local authority."),
        Column("service_line", "Service line", ENUM, required=True, allowed=SERVICE_LINES,
               help="elective, non_elective, outpatients, a_and_e, community or other."),
        Column("payment_type", "Payment type", ENUM, required=True, allowed=CONTRACT_PAYMENT_TYPES,
               help="activity (paid per unit), block (fixed sum), blended (fixed plus variable) or "
                    "capitated (population budget)."),
        Column("annual_value_gbp_k", "Annual value", MONEY, "£000", required=True, minimum=0,
               help="Base-year value of the line."),
        Column("baseline_activity", "Baseline activity", COUNT, "units a year", required=True,
               minimum=0,
               help="Base-year activity in the contract currency (spells, attendances, contacts); above 0."),
        Column("unit_price_gbp", "Unit price", NUMBER, "£ per unit", minimum=0,
               help="Price per unit in pounds. Blank means annual value x 1000 / baseline activity."),
        Column("start_fy", "Start year", FY,
               help="First financial year of the contract, e.g. 2025/26."),
        Column("end_fy", "End year", FY,
               help="Last financial year of the term. Blank means open-ended."),
        Column("activity_ceiling", "Activity ceiling", COUNT, "units a year", minimum=0,
               help="Units a year paid in full; above it only the marginal rate is paid. Blank: none."),
        Column("marginal_rate", "Marginal rate", SHARE, "share of price", default=0.0,
               minimum=0, maximum=1,
               help="Share of the unit price paid for units above the ceiling."),
        Column("variable_share", "Variable share", SHARE, "share", default=0.5, minimum=0, maximum=1,
               help="Blended lines only: share of the price paid on activity above or below baseline."),
        Column("clawback_share", "Clawback share", SHARE, "share of value", default=0.0,
               minimum=0, maximum=1,
               help="Share of the year's value that is clawed back if the contract's targets are missed."),
        Column("rebase_at_renewal", "Rebase at renewal", BOOL, default=True,
               help="Yes: after the term a block is reset each year to last year's activity at price."),
    ),
)

COMMUNITY_BUDGETS = InputKind(
    key="community_budgets",
    sheet="Community budgets",
    help=(
        "Community services that avoid acute activity: one row per service, with the acute provider "
        "whose activity it avoids and the budget that moves with it."
    ),
    example={
        "service_id": "S1", "service_name": "Example frailty service", "commissioner": "Example ICB",
        "holder_provider_code": None, "acute_provider_code": "ZX1", "affected_service_line": "non_elective",
        "payment_type": "capitated", "annual_budget_gbp_k": 30000, "population": None,
        "outcomes_share_start": 0.05, "outcomes_share_step": 0.05, "outcomes_share_cap": 0.25,
        "delivery_cost_ratio": 0.97, "activity_avoided_per_gbp_m": 40, "ramp_years": 3,
        "start_fy": "2025/26", "end_fy": None,
    },
    columns=(
        Column("service_id", "Service id", TEXT, required=True,
               help="Identifies the service."),
        Column("service_name", "Service name", TEXT,
               help="Name shown in tables and reports."),
        Column("commissioner", "Commissioner", TEXT,
               help="Who holds the budget today."),
        Column("holder_provider_code", "Holder provider code", CODE,
               help="Today's provider of the service. May be blank."),
        Column("acute_provider_code", "Acute provider code", CODE, required=True,
               help="The acute provider whose activity the service avoids."),
        Column("affected_service_line", "Affected service line", ENUM, default="non_elective",
               allowed=SERVICE_LINES, help="The acute service line whose activity falls."),
        Column("payment_type", "Payment type", ENUM, default="block", allowed=COMMUNITY_PAYMENT_TYPES,
               help="block or capitated; both are paid alike in the model, the type is reported."),
        Column("annual_budget_gbp_k", "Annual budget", MONEY, "£000", required=True, minimum=0,
               help="Base-year budget of the service."),
        Column("population", "Population", COUNT, "people", minimum=0,
               help="Population covered; informative."),
        Column("outcomes_share_start", "Outcomes share start", SHARE, "share", default=0.0,
               minimum=0, maximum=1,
               help="Share of the budget tied to outcomes in year 1."),
        Column("outcomes_share_step", "Outcomes share step", SHARE, "share a year", default=0.0,
               minimum=0, maximum=1,
               help="Yearly increase in the outcomes-linked share."),
        Column("outcomes_share_cap", "Outcomes share cap", SHARE, "share", default=0.0,
               minimum=0, maximum=1,
               help="The most the outcomes-linked share can reach."),
        Column("delivery_cost_ratio", "Delivery cost ratio", NUMBER, "cost / budget", default=1.0,
               minimum=0, maximum=5,
               help="Cost of delivering the service per pound of budget."),
        Column("activity_avoided_per_gbp_m", "Activity avoided per £1m", NUMBER, "units a year per £1m",
               default=0.0, minimum=0,
               help="Acute units avoided a year per £1m of budget at full effect."),
        Column("ramp_years", "Ramp years", YEARS, "years", default=3.0, minimum=0, maximum=30,
               help="Years to reach full effect (the return-on-investment lag); 0 means at once."),
        Column("start_fy", "Start year", FY,
               help="First financial year of the service."),
        Column("end_fy", "End year", FY,
               help="Last financial year of the service. Blank means it continues."),
    ),
)

INPUT_KINDS: tuple[InputKind, ...] = (PROVIDERS, CASH_BALANCES, BLOCK_CONTRACTS, COMMUNITY_BUDGETS)
KINDS_BY_KEY = {k.key: k for k in INPUT_KINDS}
KINDS_BY_SHEET = {k.sheet: k for k in INPUT_KINDS}
