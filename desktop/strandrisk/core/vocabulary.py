"""How finance teams word headers and values: the vocabulary the header matcher reads (data only).

This sits beside ``schema.py`` and is the one place these words are kept; the matcher
(``io/spreadsheets/matching.py``), the value parser and the help page (``io/helptext.py``) all read it.

- ``CONCEPTS``: phrases that mean the same thing anywhere in a header (``cap`` ~ ``ceiling`` ~
  ``limit``). Each phrase on the right is rewritten to the concept word on the left before headers
  are compared, so a column's own phrases only need one wording of each concept.
- ``SPELLING``: American (and other) spellings rewritten to the British one.
- ``HEADERS``: per input kind, per column, the phrases a header of that column is made of. The
  canonical name and the template label always count too.
- ``VALUES``: per set of allowed values, the words finance teams use for each value.
- ``TAC_HEADERS``: the columns of NHS England's TAC data workbooks, read by the same matcher.
"""

from __future__ import annotations

# concept word -> phrases meaning it (phrases are lower case words; '&' is already 'and')
CONCEPTS: dict[str, tuple[str, ...]] = {
    "odscode": ("ods code", "ods org code", "ods organisation code", "ods", "nhs code", "nhs ods code",
                "org code", "organisation code", "trust code", "provider code", "org id"),
    "id": ("ref", "reference", "no", "number", "identifier", "code", "key", "num"),
    "contract": ("sla", "service level agreement", "agreement", "contract line", "schedule"),
    "ceiling": ("cap", "capped", "limit", "threshold", "max", "maximum", "ceiling level", "upper limit"),
    "price": ("tariff", "tariff price", "unit cost", "rate per unit", "unit rate", "unit tariff", "cost per unit",
              "price per unit", "average tariff", "rate per activity"),
    "pod": ("point of delivery", "service line", "activity type", "service setting", "setting",
            "activity category", "service category", "category of activity", "activity group", "category"),
    "budget": ("allocation", "funding", "budget value", "envelope"),
    "clawback": ("withhold", "withheld", "at risk", "value at risk", "risk share", "cquin at risk", "claw back",
                 "holdback", "retention"),
    "rebase": ("rebasing", "rebased", "reset", "re base", "re basing", "rebase at renewal",
               "reset at renewal", "rebase on renewal"),
    "commissioner": ("icb", "ccg", "purchaser", "payer", "funder", "integrated care board", "commissioning",
                     "commissioning organisation", "commissioning body", "paying organisation", "paid by",
                     "funding body", "funding organisation", "paying body", "purchasing organisation"),
    "expenditure": ("costs", "cost", "spend", "expenses", "expense", "opex", "outgoings", "op exp",
                    "operating exp"),
    "income": ("revenue", "turnover", "receipts"),
    "operating": ("op", "opg"),
    "capex": ("cap ex", "capital expenditure", "capital spend", "capital programme", "capital investment",
              "capital additions", "capital"),
    "depreciation": ("depn", "dep", "depreciation amortisation", "d and a", "amortisation"),
    "interest": ("interest payable", "finance cost", "interest expense", "interest paid"),
    "pdc": ("public dividend capital", "pdc dividend", "dividend", "public dividend capital dividend"),
    "cash": ("cash and cash equivalent", "cash equivalent", "cash at bank", "bank balance", "bank"),
    "date": ("as at", "period ending", "month ending", "balance date", "reporting date", "month end",
             "as of"),
    "start": ("first", "from", "commencement", "go live", "begin", "commence", "start from", "effective from",
              "starting", "begins"),
    "end": ("last", "final", "to", "expiry", "expire", "until", "ending", "termination", "finish", "ends", "end by"),
    "annual": ("per annum", "pa", "p a", "a year", "per year", "each year", "yearly"),
    "year": ("fy", "financial year", "fin year", "finyear", "yr", "fiscal year"),
    "activity": ("volume", "activity volume", "units", "unit", "spell", "attendance", "contact", "episode",
                 "admission", "activity level"),
    "baseline": ("plan", "planned", "base", "base line", "baseline plan", "contracted", "contract plan"),
    "marginal": ("marginal tariff", "over ceiling", "above ceiling", "over performance", "overperformance",
                 "excess", "above cap", "over cap"),
    "variable": ("variable element", "variable elements", "variable portion", "variable part"),
    "payment": ("funding model", "payment model", "contract model", "commissioning model", "funding mechanism",
                "funding type", "payment type", "payment basis", "payment mechanism", "payment method", "contract type",
                "currency", "basis", "payment model", "contract basis", "funding basis", "contract form"),
    "form": ("service model", "care model", "delivery model", "organisation model", "operating model",
             "organisational form", "organisation type", "org type", "provider type", "trust type",
             "type of organisation", "organisation form", "type", "model as", "modelled as", "modelling as",
             "to be modelled as", "type of trust", "type of provider", "trust model", "provider model"),
    "vehicle": ("legal", "legal type", "legal structure", "legal vehicle", "legal form", "legal status", "ft status", "foundation trust status",
                "ft or nhs trust", "ft nhs trust", "legal entity", "vehicle type", "sector", "status",
                "trust status", "entity type"),
    "name": ("title", "description", "desc"),
    "outcome": ("outcome linked", "outcomes linked", "outcome based", "outcome related", "results based",
                "outcome weighted", "performance linked", "linked to outcome"),
    "step": ("uplift", "annual uplift", "annual step", "yearly step", "step up", "increment", "annual increase", "yearly increase",
             "increase per year", "step per year", "glide path"),
    "ramp": ("ramp up", "years to full effect", "years to full impact", "years to full benefit",
             "time to full effect", "time to full impact", "time to full benefit", "years to maturity",
             "lag", "roi lag", "ramp period",
             "phasing", "phase in", "payback lag", "lead time"),
    "population": ("resident", "residents covered", "people covered", "resident population",
                   "population served", "covered population", "registered population", "list size", "weighted population", "capitation population",
                   "patients covered", "population covered", "head count", "headcount"),
    "avoided": ("avoid", "avoidance", "saved", "prevented", "reduction", "deflected", "diverted"),
    "ratio": ("cost to deliver ratio", "multiplier", "factor", "as % of", "as a % of", "as share of",
              "as a share of", "as percentage of", "as a percentage of", "as proportion of", "relative to"),
    "fulleffect": ("to full effect", "to full impact", "to full benefit", "to full savings", "to maturity",
                   "full effect", "full impact", "full benefit"),
    "holder": ("held by", "holding organisation", "holder organisation", "current provider", "current holder", "incumbent", "incumbent provider", "existing provider",
               "lead provider", "holding provider", "delivered by", "provided by", "host provider"),
    "affected": ("impacted", "affecting", "targeted", "acute pod affected", "affected acute pod"),
    "repayment": ("principal repayment", "repaid", "repay", "principal", "amortisation of loan",
                  "debt service"),
    "loan": ("debt", "borrowing", "borrowings", "dh loan", "loans"),
    "workingcapital": ("working cap", "working capital", "net current assets", "wc", "net current asset", "net working capital"),
    "closing": ("at end of period", "at period end", "at end of month", "at month end", "at end of year",
                "at year end", "end of period", "close", "balance", "month end balance", "end balance", "closing position"),
}

# alternative spellings -> the spelling used in the vocabulary
SPELLING: dict[str, str] = {
    "organization": "organisation", "organizational": "organisational", "organizations": "organisations",
    "amortization": "amortisation", "program": "programme", "programs": "programmes", "center": "centre",
    "labor": "labour", "rebasing": "rebase", "capitalization": "capitalisation", "utilization": "utilisation",
    "authorization": "authorisation", "authorized": "authorised", "authorizations": "authorisations",
    "fulfil": "fulfill", "enrol": "enroll", "analyze": "analyse", "modeled": "modelled",
    "defense": "defence", "license": "licence",
    # abbreviations finance teams write
    "mth": "month", "mnth": "month", "pop": "population", "deprec": "depreciation", "int": "interest",
    "org": "organisation", "orgs": "organisation", "amort": "amortisation", "yr": "year",
    "yrs": "year", "svc": "service", "serv": "service",
}

# Words that carry no meaning in a header (dropped after the concepts are found).
STOP_WORDS = ("of", "the", "a", "an", "and", "for", "in", "on", "by", "with", "or", "all", "our", "its", "at",
              "gbp", "sterling", "nhs", "amount", "figure", "s")

# Words kept as a column's type hint rather than its meaning: a header 'Clawback %' names a share.
SHARE_WORDS = ("percent", "percentage", "pct", "proportion", "prop", "per cent", "share")
FLAG_WORDS = ("y n", "yes no", "true false", "flag", "indicator", "tick", "ind")

HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "providers": {
        "provider_code": ("provider odscode", "odscode", "provider", "provider id", "organisation id", "id"),
        "provider_name": ("provider name", "trust name", "organisation name", "organisation", "org name",
                          "name", "full name", "trust"),
        "form": ("form", "organisational form", "provider form", "service form", "operating model"),
        "operating_income_gbp_k": ("operating income", "income", "total operating income", "total income",
                                   "income from operations", "patient care income"),
        "operating_expenditure_gbp_k": ("operating expenditure", "expenditure", "total operating expenditure",
                                        "total expenditure", "operating expenditure before depreciation"),
        "depreciation_gbp_k": ("depreciation",),
        "capital_expenditure_gbp_k": ("capex", "capex plan", "planned capex", "capex funded internally"),
        "interest_gbp_k": ("interest",),
        "pdc_dividend_gbp_k": ("pdc",),
        "loan_repayment_gbp_k": ("loan repayment", "repayment", "loan principal repaid", "repayment loan"),
        "working_capital_gbp_k": ("working capital",),
        "vehicle": ("vehicle", "ft", "foundation trust"),
        "variable_share": ("variable cost share", "variable cost", "variable share", "variable cost ratio",
                           "variable share cost", "share cost variable", "variable cost expenditure"),
        "semi_fixed_share": ("semi fixed cost share", "semi fixed cost", "semi fixed share", "semifixed cost",
                             "stepped cost", "step fixed cost", "semi fixed share cost", "stepped cost expenditure"),
    },
    "cash_balances": {
        "provider_code": ("provider odscode", "odscode", "provider", "provider id", "trust id",
                          "organisation id", "id"),
        "period_end": ("period end", "date", "period end date", "month end date", "end date", "period date",
                       "balance period end"),
        "financial_year": ("year", "financial year", "year id"),
        "month": ("month", "period", "month id", "fin month", "financial month", "period id", "month year"),
        "cash_gbp_k": ("cash", "cash balance", "closing cash", "balance", "closing cash balance",
                       "cash position", "closing"),
    },
    "block_contracts": {
        "contract_id": ("contract id", "contract", "contract name", "id", "contract line id"),
        "provider_code": ("provider odscode", "odscode", "provider", "provider id", "trust id",
                          "organisation id"),
        "commissioner": ("commissioner", "commissioner name", "commissioning body", "commissioning organisation"),
        "service_line": ("pod", "service", "line", "hrg chapter", "specialty group"),
        "payment_type": ("payment",),
        "annual_value_gbp_k": ("acv", "annual value", "contract value", "annual contract value", "value",
                               "baseline value", "contract sum", "contract income", "annual income",
                               "income", "baseline contract value", "contract value annual"),
        "baseline_activity": ("baseline activity", "activity", "baseline", "activity baseline",
                              "contracted activity", "activity plan"),
        "unit_price_gbp": ("unit price", "price", "price per unit", "average price", "price per activity",
                           "average unit price"),
        "start_fy": ("start year", "start", "contract start", "start date", "start financial year"),
        "end_fy": ("end year", "end", "contract end", "end date", "end financial year"),
        "activity_ceiling": ("activity ceiling", "ceiling", "activity ceiling level"),
        "marginal_rate": ("marginal rate", "marginal", "marginal rate share", "marginal price share",
                          "marginal share", "marginal payment rate"),
        "variable_share": ("variable share", "variable", "variable rate"),
        "clawback_share": ("clawback share", "clawback"),
        "rebase_at_renewal": ("rebase", "rebase flag", "rebase renewal"),
    },
    "community_budgets": {
        "service_id": ("service id", "scheme id", "id", "project id", "initiative id", "programme id"),
        "service_name": ("service name", "scheme name", "name", "project name", "initiative name",
                         "service", "scheme", "initiative", "project", "programme", "programme name"),
        "commissioner": ("commissioner", "commissioner name", "budget holder commissioner"),
        "holder_provider_code": ("holder", "holder odscode", "holder provider", "holder provider odscode",
                                 "provider odscode", "provider", "holder id", "community provider"),
        "acute_provider_code": ("acute provider", "acute provider odscode", "acute odscode", "acute trust",
                                "acute trust odscode", "acute", "acute id", "acute trust id",
                                "acute provider id", "host acute", "acute partner", "acute partner trust",
                                "partner acute trust", "partner trust", "partner acute provider"),
        "affected_service_line": ("affected pod", "pod", "affected", "acute pod", "activity avoided pod",
                                  "avoided pod", "pod avoided"),
        "payment_type": ("payment",),
        "annual_budget_gbp_k": ("annual budget", "budget", "annual value", "contract value", "budget annual",
                                "service budget", "value", "annual cost", "recurrent budget"),
        "population": ("population",),
        "outcomes_share_start": ("outcome share start", "outcome share", "outcome", "starting outcome share",
                                 "outcome share year", "initial outcome share", "outcome payment share",
                                 "budget outcome share", "outcome element"),
        "outcomes_share_step": ("outcome share step", "outcome step", "step", "outcome share increase",
                                "annual outcome step"),
        "outcomes_share_cap": ("outcome share ceiling", "outcome ceiling", "ceiling", "ceiling share",
                               "outcome share maximum"),
        "delivery_cost_ratio": ("delivery cost ratio", "ratio", "expenditure ratio", "delivery ratio",
                                "expenditure budget", "expenditure budget ratio", "expenditure deliver ratio",
                                "expenditure deliver", "delivery expenditure", "expenditure income",
                                "expenditure income ratio"),
        "activity_avoided_per_gbp_m": ("activity avoided per £1m", "activity avoided",
                                       "avoided activity", "avoided", "activity avoided per £m",
                                       "activity avoided per £1 million", "admission avoided per £1m"),
        "ramp_years": ("ramp", "ramp year", "year to full effect", "ramp up year", "ramp to full effect",
                       "year to full effect", "time to full effect"),
        "start_fy": ("start year", "start", "start date", "start financial year"),
        "end_fy": ("end year", "end", "end date", "end financial year"),
    },
}

# Words in a sheet's name that hint at its kind: a small bonus when two kinds fit a header row alike
# (the headers decide; the name only breaks near ties).
SHEET_HINTS: dict[str, tuple[str, ...]] = {
    "providers": ("provider", "providers", "trusts", "register", "organisations"),
    "cash_balances": ("cash", "cash balances", "bank", "balances"),
    "block_contracts": ("contracts", "contract", "sla", "schedule", "contract lines"),
    "community_budgets": ("community", "community budgets", "schemes", "out of hospital"),
}

# Phrases that hint at a column more weakly (scored 0.93 instead of 1): on sheets without a name
# column the organisation column usually holds the code, but a column of names may sit beside it, and
# then the code column must win whichever comes first.
WEAK_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "cash_balances": {"provider_code": ("organisation", "trust")},
    "block_contracts": {"provider_code": ("organisation", "trust")},
}

# The value sets of enumerated columns and the columns that use each.
VALUE_SET_OF_COLUMN: dict[str, str] = {
    "service_line": "service_line", "affected_service_line": "service_line", "payment_type": "payment",
    "form": "form", "vehicle": "vehicle",
}

VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    "service_line": {
        "elective": ("el", "elective", "electives", "planned", "elective inpatients", "daycase", "day case", "dc",
                     "el/dc", "elective & daycase", "elective and daycase", "elective inpatient", "planned care",
                     "elective admissions", "ordinary elective", "el and dc", "elip"),
        "non_elective": ("nel", "non elective", "non-elective", "nonelective", "emergency", "unplanned", "emergency admissions",
                         "non elective inpatients", "emergency inpatients", "nel admissions", "urgent admissions",
                         "non elective admissions", "unplanned care"),
        "outpatients": ("op", "opd", "outpatient", "outpatients", "out patients", "op attendances",
                        "outpatient attendances", "out patient", "first and follow up", "opfa"),
        "a_and_e": ("a&e", "a and e", "ae", "ed", "emergency department", "accident and emergency", "uec",
                    "type 1 ae", "urgent and emergency care", "a&e attendances", "emergency dept"),
        "community": ("community", "community services", "chs", "community health services",
                      "community care"),
        "other": ("other", "misc", "miscellaneous", "others", "other services", "unspecified"),
    },
    "payment": {
        "activity": ("activity", "pbr", "payment by results", "tariff", "cost and volume", "cost & volume", "c&v",
                     "cost per case", "activity based", "volume based", "national tariff", "api variable",
                     "activity based payment", "fee for service"),
        "block": ("block", "fixed", "super block", "superblock", "block contract", "fixed payment", "fixed sum",
                  "block payment", "lump sum"),
        "blended": ("blended", "blended payment", "aligned payment", "aligned payment and incentive", "api",
                    "blended tariff", "fixed and variable", "fixed plus variable", "mixed"),
        "capitated": ("capitated", "capitation", "capitation budget", "population budget",
                      "whole population budget", "capitated budget", "per capita", "population based"),
    },
    "form": {
        "acute_only": ("acute only", "acute", "acute trust", "hospital", "acute provider", "hospital trust",
                       "acute hospital", "acute services only"),
        "integrated": ("integrated", "integrated care", "acute and community", "acute & community", "lead provider", "pacs", "mcp",
                       "ico", "integrated care organisation", "integrated trust", "integrated provider",
                       "acute plus community", "acute with community"),
        "community_only": ("community only", "community", "community trust", "community provider",
                           "community services only", "community health trust", "community health services",
                           "community health", "community services provider"),
    },
    "vehicle": {
        "foundation_trust": ("foundation trust", "ft", "nhs foundation trust", "nhsft", "nhs ft", "fts",
                             "foundation"),
        "nhs_trust": ("nhs trust", "trust", "non ft", "non foundation trust", "nhs non ft"),
        "new_entity": ("new entity", "new", "llp", "subsidiary", "joint venture", "jv", "wholly owned subsidiary",
                       "wos", "company", "limited company", "ltd", "social enterprise", "cic", "new organisation"),
    },
}

# Columns that feed the model but that a file may leave out: a note then says the default used.
# (Informative columns such as names, commissioner and population do not change any figure; nor do the
# register's optional cost-mix columns, whose absence only means the scenario's profile.) A name that
# two kinds share is written "kind.column".
MODEL_DEFAULTS_NOTED: tuple[str, ...] = (
    "form", "vehicle", "depreciation_gbp_k", "capital_expenditure_gbp_k", "interest_gbp_k", "pdc_dividend_gbp_k",
    "loan_repayment_gbp_k", "start_fy", "end_fy", "activity_ceiling", "marginal_rate", "block_contracts.variable_share",
    "clawback_share", "rebase_at_renewal", "affected_service_line", "outcomes_share_start",
    "outcomes_share_step", "outcomes_share_cap", "delivery_cost_ratio", "activity_avoided_per_gbp_m",
    "ramp_years",
)

# NHS England's TAC data workbooks: the List of Providers sheet and the All data long table.
TAC_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "tac_providers": {
        "code": ("odscode", "provider odscode", "organisation odscode", "provider id", "trust id", "id"),
        "name": ("full name provider", "provider name", "organisation name", "trust name", "name",
                 "organisation", "provider", "trust", "full name"),
        "region": ("region", "nhs region", "commissioning region", "region name"),
        "sector": ("sector", "vehicle"),
        "type": ("form", "provider form", "service form", "trust form", "sub sector", "subsector"),
        "authorised": ("authorisation date", "date authorised", "ft authorisation date"),
        "comments": ("comments", "comment", "notes", "note"),
    },
    "tac_all_data": {
        "org": ("organisation name", "organisation", "org name", "provider name", "name", "trust name"),
        "worksheet": ("worksheet name", "work sheet name", "worksheet", "sheet name"),
        "table": ("table id", "table"),
        "maincode": ("maincode", "main id", "main"),
        "rownumber": ("row id", "row", "rownumber"),
        "subcode": ("subcode", "sub id", "sub"),
        "value": ("total", "value id", "value", "amount", "value number"),
    },
}
