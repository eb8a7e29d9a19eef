"""The Model sheet: MODEL.md section 4 written as live Excel formulas, with a checks block.

Inputs and assumptions are copied into the sheet as values (blue); every figure below them is a
formula, so Excel or LibreOffice recalculates income, cost, stranded cost, surplus and cash without
StrandRisk. Quantities sit in blocks of one row per contract line (or service, holding, provider)
with one column per year t = 0..H; contract lines are sorted by provider, so a provider's total is a
SUM over a contiguous range. Each provider and form ends with its twelve components (core/bridges.py),
for the run and for its no-shift twin, from which income, cost, surplus and the Bridges sheet follow.
The checks block beside each of those rows subtracts the engine's own values; the names
``check_max_abs_diff_gbp_k`` and ``check_cells_reconciled`` summarise it.

Open-ended terms are written as year index 9999 (-9999 for a blank start) and a missing activity
ceiling as 1E+300, so every formula has the same shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from openpyxl.workbook.defined_name import DefinedName

from ...core.bridges import COMPONENT_LABELS, COMPONENTS
from ...core.engine import MAX_OWN_VARIABLE_SHARE, form_rules
from ...core.schema import CONTRACT_PAYMENT_TYPES, SERVICE_LINES
from .styles import SheetWriter, col

RESULT_ROWS = (("income_gbp_k", "Income"), ("cost_gbp_k", "Cost"), ("stranded_cost_gbp_k", "Stranded cost"),
               ("surplus_gbp_k", "Surplus"), ("cash_gbp_k", "Cash"))
SCALARS = ("price_uplift", "cost_inflation", "discount_rate", "semi_fixed_release_lag_years",
           "fixed_release_lag_years", "fixed_release_rate", "fixed_build_lag_years", "fixed_build_rate",
           "clawback_miss_probability", "outcomes_achievement", "gp_gain_share", "repurpose_share", "vat_rate",
           "subcontract_share", "integration_one_off_share", "integration_recurring_share", "integrated_capitation")
OPEN_END = 9999
NO_CEILING = 1e300
Y0 = 9  # column of year t = 0 (I)

HEAD_HEIGHT = 36  # points: three lines of the 9-point wrapped column headers


@dataclass
class ModelRows:
    """Where the Model sheet put each provider's components, for the Bridges sheet's formulas."""

    first_year_col: str
    last_year_col: str
    run: dict = field(default_factory=dict)  # (form, p) -> {component: row}
    twin: dict = field(default_factory=dict)  # (form, p) -> {component: row}

    def year_range(self, row: int) -> str:
        return f"Model!${self.first_year_col}${row}:${self.last_year_col}${row}"


def _num(x, default=None):
    x = float(x)
    if math.isnan(x):
        return default
    return x


def write_model_sheet(wb, styles, result, progress=None, cancel=None) -> ModelRows:
    sy = result.system
    sc = result.scenario
    H = sy.horizon
    w = SheetWriter(wb, "Model", styles)
    ws = w.ws
    w.widths([12, 42, 30, 11, 11, 11, 11, 11] + [12] * (3 * H + 4))
    w.page("Model", str(sc.name), header_rows="5:5", freeze=f"{col(Y0)}6", pages_wide=2)
    ws.print_title_cols = "A:C"

    def yc(t: int) -> str:
        return col(Y0 + t)

    eng0 = Y0 + H + 2  # first engine-value column
    diff0 = eng0 + H + 1  # first difference column
    rowmax_col = diff0 + H
    K, J, P = len(sy.line_value), len(sy.service_budget), sy.n_providers
    hold_prov = sy.holding_segments.owner
    hold_svc = sy.holding_service
    Hh = len(hold_svc)
    out = ModelRows(yc(1), yc(H))

    layout = _Layout(K, J, P)

    # --- title, checks summary, year header ---------------------------------------------------------
    w.append([w.cell("Model: the engine as live formulas (£000)", "title")])
    w.append([w.cell("Blue cells are inputs and assumptions copied from the run; everything else is a "
                     "formula. Change an input and Excel recalculates the provider results.", "note")])
    w.append([w.cell("Largest absolute difference from the engine (£000)", "bold"), None,
              w.formula("MAX(model_check_max_abs)", "check"),
              w.cell("Figures reconciled", "bold"), None, None,
              w.formula("COUNT(model_check_diffs)", "int_bold")])
    wb.defined_names["check_max_abs_diff_gbp_k"] = DefinedName("check_max_abs_diff_gbp_k", attr_text="Model!$C$3")
    wb.defined_names["check_cells_reconciled"] = DefinedName("check_cells_reconciled", attr_text="Model!$G$3")
    w.append([])
    years = [f"t = 0 ({_fy(sy.base_year)})"] + result.years
    head = [w.cell("Code", "head_left"), w.cell("Item", "head_left"), w.cell("Quantity", "head_left")]
    head += [w.cell("", "head") for _ in range(Y0 - 4)] + [w.cell(y, "head") for y in years]
    head += [None] + [w.cell(f"Engine {y}", "head") for y in result.years]
    head += [None] + [w.cell(f"Diff {y}", "head") for y in result.years] + [w.cell("Max |diff|", "head")]
    w.append(head)  # row 5
    T = layout.year_row
    w.append([w.cell("Year index t", "bold")] + [None] * (Y0 - 2) + [w.cell(t, "int") for t in range(H + 1)])
    assert w.row == T

    def tref(t):
        return f"{yc(t)}${T}"

    # --- assumptions -------------------------------------------------------------------------------
    w.append([w.cell("Assumptions", "section")])
    for key in SCALARS:
        value = sc.values[key]
        if isinstance(value, bool):
            value = 1 if value else 0
        r = w.append([None, w.text(key), w.cell(value, "input_num")])
        wb.defined_names[f"m_{key}"] = DefinedName(f"m_{key}", attr_text=f"Model!$C${r}")
    w.append([w.cell("Uplift (1 + price uplift)^t", "bold")] + [None] * (Y0 - 2)
             + [w.formula(f"(1+m_price_uplift)^{tref(t)}", "factor") for t in range(H + 1)])
    assert w.row == layout.uplift_row
    w.append([w.cell("Inflation (1 + cost inflation)^t", "bold")] + [None] * (Y0 - 2)
             + [w.formula(f"(1+m_cost_inflation)^{tref(t)}", "factor") for t in range(H + 1)])
    U = layout.uplift_row
    INF = U + 1

    w.append([w.cell("Service lines", "section"), w.cell("demand_growth", "head_wrap"), w.cell("shift_rate", "head_wrap"),
              w.cell("variable_share", "head_wrap"), w.cell("semi_fixed_share", "head_wrap"), w.cell("step_share", "head_wrap")], height=HEAD_HEIGHT)
    for line in SERVICE_LINES:
        v = sc.service_lines[line]
        w.append([w.text(line)] + [w.cell(v[k], "input_num") for k in
                                   ("demand_growth", "shift_rate", "variable_share", "semi_fixed_share",
                                    "step_share")])
    SL0 = layout.service_line_row0

    # --- providers ---------------------------------------------------------------------------------
    w.append([w.cell("Providers", "section"), w.cell("name", "head_wrap"), w.cell("form", "head_wrap"),
              w.cell("income0", "head_wrap"), w.cell("expenditure0", "head_wrap"), w.cell("kappa", "head_wrap"),
              w.cell("other income0", "head_wrap"), w.cell("dep - capex - loan", "head_wrap"),
              w.cell("opening cash", "head_wrap"), w.cell("new entity", "head_wrap"),
              w.cell("own variable share (blank: scenario's)", "head_wrap"),
              w.cell("own semi-fixed share (blank: scenario's)", "head_wrap"),
              w.cell("scenario variable share, value-weighted", "head_wrap"),
              w.cell("scenario semi-fixed share, value-weighted", "head_wrap")], height=HEAD_HEIGHT * 2)
    line_starts, line_ends = _ranges(sy.line_segments.owner, P)
    hold_starts, hold_ends = _ranges(hold_prov, P)
    own_v, own_sf = _own_mix(sy)
    L0 = layout.line_row0
    for p in range(P):
        r = layout.provider_row0 + p
        if line_starts[p] is None:
            values_sum = "0"
            weighted = ("0", "0")
        else:
            lr = f"{L0 + line_starts[p]}:$G${L0 + line_ends[p]}"
            values_sum = f"SUM($G${lr})"
            weighted = tuple(f"IF({values_sum}>0,SUMPRODUCT($G${L0 + line_starts[p]}:$G${L0 + line_ends[p]},"
                             f"${c}${L0 + line_starts[p]}:${c}${L0 + line_ends[p]})/{values_sum},0)"
                             for c in ("W", "X"))
        flow = float(sy.depreciation[p] - sy.capital_expenditure[p] - sy.loan_repayment[p])
        w.append([w.text(sy.provider_code[p]), w.text(sy.provider_name[p]), w.text(sy.form_actual[p]),
                  w.cell(float(sy.income0[p]), "input_money"), w.cell(float(sy.expenditure0[p]), "input_money"),
                  w.formula(f"IF(AND(D{r}>0,E{r}>0),E{r}/D{r},1)", "factor"),
                  w.formula(f"MAX(0,D{r}-{values_sum})", "money"),
                  w.cell(flow, "input_money"), w.cell(_num(sy.opening_cash[p]), "input_money"),
                  w.cell(int(sy.new_entity[p]), "input_num"),
                  w.cell(_num(own_v[p]), "input_num"), w.cell(_num(own_sf[p]), "input_num"),
                  w.formula(weighted[0], "factor"), w.formula(weighted[1], "factor")])
    assert w.row == layout.provider_row0 + P - 1

    # --- contract lines ----------------------------------------------------------------------------
    w.append([w.cell("Contract lines", "section"), w.cell("contract", "head_wrap"), w.cell("service line", "head_wrap"),
              w.cell("payment", "head_wrap"), w.cell("A0 units", "head_wrap"), w.cell("P0 £000/unit", "head_wrap"),
              w.cell("V £000", "head_wrap"), w.cell("end t (9999 open)", "head_wrap"), w.cell("ceiling (1E+300 none)", "head_wrap"),
              w.cell("marginal rate", "head_wrap"), w.cell("variable share (blended)", "head_wrap"),
              w.cell("clawback share", "head_wrap"), w.cell("rebase", "head_wrap"), w.cell("growth g", "head_wrap"),
              w.cell("shift s", "head_wrap"), w.cell("v (provider's mix)", "head_wrap"),
              w.cell("sf (provider's mix)", "head_wrap"), w.cell("f", "head_wrap"),
              w.cell("step D units", "head_wrap"), w.cell("kappa", "head_wrap"), w.cell("effect weight", "head_wrap"),
              w.cell("effect group", "head_wrap"), w.cell("scenario v", "head_wrap"),
              w.cell("scenario sf", "head_wrap")], height=HEAD_HEIGHT)
    for k in range(K):
        r = L0 + k
        p = int(sy.line_provider[k])
        pr = layout.provider_row0 + p
        slr = SL0 + int(sy.line_service[k])
        end = sy.line_end[k]
        ceiling = sy.line_ceiling[k]
        v_own, sf_own = f"AND(ISNUMBER($K${pr}),$M${pr}>0)", f"AND(ISNUMBER($L${pr}),$N${pr}>0)"
        sf_scaled = f"IF({sf_own},MIN(1,X{r}*$L${pr}/$N${pr}),X{r})"
        sf_line = f"IF(OR({v_own},{sf_own}),MIN({sf_scaled},1-P{r}),X{r})"
        v_line = f"IF({v_own},MIN({MAX_OWN_VARIABLE_SHARE},W{r}*$K${pr}/$M${pr}),W{r})"
        w.append([
            w.text(sy.provider_code[p]), w.text(sy.contract_ids[sy.line_contract[k]]),
            w.text(SERVICE_LINES[sy.line_service[k]]), w.text(CONTRACT_PAYMENT_TYPES[sy.line_payment[k]]),
            w.cell(float(sy.line_activity0[k]), "input_num"), w.cell(float(sy.line_price0[k]), "input_factor"),
            w.cell(float(sy.line_value[k]), "input_money"),
            w.cell(OPEN_END if math.isinf(end) else float(end), "input_num"),
            w.cell(NO_CEILING if math.isinf(ceiling) else float(ceiling), "input_num"),
            w.cell(float(sy.line_marginal_rate[k]), "input_num"), w.cell(float(sy.line_variable_share[k]), "input_num"),
            w.cell(float(sy.line_clawback_share[k]), "input_num"), w.cell(int(sy.line_rebase[k]), "input_num"),
            w.formula(f"$B${slr}", "factor"), w.formula(f"$C${slr}", "factor"), w.formula(v_line, "factor"),
            w.formula(sf_line, "factor"), w.formula(f"1-P{r}-Q{r}", "factor"),
            w.formula(f"$F${slr}*E{r}", "num"), w.formula(f"$F${pr}", "factor"),
            w.cell(float(sy.line_effect_weight[k]), "input_num"), w.cell(int(sy.line_effect_group[k]), "input_num"),
            w.formula(f"$D${slr}", "factor"), w.formula(f"$E${slr}", "factor"),
        ])

    # --- community services ------------------------------------------------------------------------
    w.append([w.cell("Community services", "section"), w.cell("effect group", "head_wrap"), w.cell("payment", "head_wrap"),
              w.cell("budget £000", "head_wrap"), w.cell("start t", "head_wrap"), w.cell("end t", "head_wrap"),
              w.cell("t0", "head_wrap"), w.cell("ramp years", "head_wrap"), w.cell("avoided per £1m", "head_wrap"),
              w.cell("outcomes start", "head_wrap"), w.cell("outcomes step", "head_wrap"), w.cell("outcomes cap", "head_wrap"),
              w.cell("delivery cost ratio", "head_wrap")], height=HEAD_HEIGHT)
    S0 = layout.service_row0
    for j in range(J):
        st, en = sy.service_start[j], sy.service_end[j]
        w.append([w.text(sy.service_id[j]), w.cell(int(sy.service_effect_group[j]), "input_num"),
                  w.text(sy.service_payment[j]), w.cell(float(sy.service_budget[j]), "input_money"),
                  w.cell(-OPEN_END if math.isinf(st) else float(st), "input_num"),
                  w.cell(OPEN_END if math.isinf(en) else float(en), "input_num"),
                  w.cell(float(sy.service_t0[j]), "input_num"), w.cell(float(sy.service_ramp_years[j]), "input_num"),
                  w.cell(float(sy.service_avoided_per_m[j]), "input_num"),
                  w.cell(float(sy.service_outcomes_start[j]), "input_num"),
                  w.cell(float(sy.service_outcomes_step[j]), "input_num"),
                  w.cell(float(sy.service_outcomes_cap[j]), "input_num"),
                  w.cell(float(sy.service_delivery_cost_ratio[j]), "input_num")])

    # --- yearly blocks -----------------------------------------------------------------------------
    def block(title: str, n: int, label, row_formula, t_from: int = 1, style: str = "money", flag=None) -> int:
        w.append([w.cell(title, "section")] + ([None, w.cell(flag[0], "head_wrap")] if flag else []))
        first = w.row + 1
        for i in range(n):
            a, b = label(i)
            cells = [w.text(a), w.text(b), w.cell(flag[1](i), "input_num") if flag else None] + [None] * (Y0 - 4)
            cells += [None] * t_from + [w.formula(row_formula(i, t), style) for t in range(t_from, H + 1)]
            w.append(cells)
        _check_cancel(cancel)
        return first

    def svc_label(j):
        return str(sy.service_id[j]), ""

    def line_label(k):
        return str(sy.provider_code[sy.line_provider[k]]), f"{sy.contract_ids[sy.line_contract[k]]} " \
                                                          f"{SERVICE_LINES[sy.line_service[k]]}"

    budget0 = block("Community budget B (active years)", J, svc_label,
                    lambda j, t: f"IF(AND({tref(t)}>=$E${S0 + j},{tref(t)}<=$F${S0 + j}),$D${S0 + j}*{yc(t)}${U},0)")
    avoided0 = block("Activity avoided (units)", J, svc_label,
                     lambda j, t: (f"$I${S0 + j}*{yc(t)}{budget0 + j}/1000*IF($H${S0 + j}>0,"
                                   f"MIN(1,MAX(0,({tref(t)}-$G${S0 + j}+1)/$H${S0 + j})),1)"), style="num")
    outcome0 = block("Outcomes share o", J, svc_label,
                     lambda j, t: f"MIN($L${S0 + j},$J${S0 + j}+$K${S0 + j}*({tref(t)}-1))", style="factor")

    groups_with_services = set(int(g) for g in sy.service_effect_group if g >= 0)
    grp_range = f"$B${S0}:$B${S0 + max(J, 1) - 1}"

    def activity(k, t, shift=True):
        r = L0 + k
        base = f"$E{r}*(1+$N{r})^{tref(t)}" + (f"*(1-$O{r})^{tref(t)}" if shift else "")
        if int(sy.line_effect_group[k]) in groups_with_services:
            base += f"-$U{r}*SUMIF({grp_range},$V{r},{yc(t)}${avoided0}:{yc(t)}${avoided0 + J - 1})"
        return f"MAX(0,{base})"

    def with_base(fn):
        return lambda k, t: f"$E{L0 + k}" if t == 0 else fn(k, t)

    # three activity paths: the run; the no-shift twin (every shift rate times 0, community effects kept);
    # and A0, with neither shift nor community effect, against which the GP gain share is measured
    A0r = block("Activity A (units)", K, line_label, with_base(activity), t_from=0, style="num")
    AM0r = block("Activity with no shift, the twin (units)", K, line_label,
                 with_base(lambda k, t: activity(k, t, shift=False)), t_from=0, style="num")
    AT0r = block("Activity A0: no shift, no community effect (units, the gain share's reference)", K, line_label,
                 with_base(lambda k, t: f"$E{L0 + k}*(1+$N{L0 + k})^{tref(t)}"), t_from=0, style="num")
    c0 = block("Unit cost c (£000/unit)", K, line_label,
               lambda k, t: f"$T{L0 + k}*$G{L0 + k}/$E{L0 + k}*{yc(t)}${INF}", t_from=0, style="factor")
    lag = int(sc.semi_fixed_release_lag_years)

    def cost_blocks(act0: int, suffix: str, stranded: bool = True) -> dict[str, int]:
        n0 = block(f"Semi-fixed steps needed N{suffix}", K, line_label,
                   lambda k, t: f"CEILING(MAX(0,{yc(t)}{act0 + k}/$S{L0 + k}-1E-9),1)", t_from=0, style="int")
        r0 = block(f"Semi-fixed steps retained R{suffix} (lag {lag})", K, line_label,
                   lambda k, t: f"MAX({yc(max(0, t - lag))}{n0 + k}:{yc(t)}{n0 + k})", t_from=0, style="int")
        fs0 = block(f"Efficient fixed cost F*{suffix}", K, line_label,
                    lambda k, t: f"$R{L0 + k}*{yc(t)}{c0 + k}*{yc(t)}{act0 + k}", t_from=0)
        f0 = w.row + 2  # the next block's first row: F refers to itself a year earlier

        def fixed(k, t):
            fs, prev = f"{yc(t)}{fs0 + k}", f"{yc(t - 1)}{f0 + k}"
            if t == 0:
                return fs
            carried = f"{prev}*(1+m_cost_inflation)"
            # towards F* slowly both ways: built up after the build lag, released after the release lag
            return (f"IF({fs}>={carried},{carried}+({fs}-{carried})*"
                    f"IF({tref(t)}<=m_fixed_build_lag_years,0,m_fixed_build_rate),"
                    f"{fs}+({carried}-{fs})*(1-IF({tref(t)}<=m_fixed_release_lag_years,0,m_fixed_release_rate)))")

        assert block(f"Fixed cost F{suffix} (built and released after the lags)", K, line_label, fixed,
                     t_from=0) == f0
        var0 = block(f"Variable cost{suffix}", K, line_label,
                     lambda k, t: f"$P{L0 + k}*{yc(t)}{c0 + k}*{yc(t)}{act0 + k}")
        semi0 = block(f"Semi-fixed cost{suffix}", K, line_label,
                      lambda k, t: f"{yc(t)}{r0 + k}*$S{L0 + k}*$Q{L0 + k}*{yc(t)}{c0 + k}")
        str0 = block(f"Stranded cost S{suffix}", K, line_label,
                     lambda k, t: (f"MAX(0,{yc(t)}{f0 + k}-{yc(t)}{fs0 + k})+({yc(t)}{r0 + k}-{yc(t)}{n0 + k})"
                                   f"*$S{L0 + k}*$Q{L0 + k}*{yc(t)}{c0 + k}")) if stranded else None
        return {"fixed": f0, "variable": var0, "semi": semi0, "stranded": str0}

    run_cost = cost_blocks(A0r, "")
    twin_cost = cost_blocks(AM0r, " (no shift)")
    ref_cost = cost_blocks(AT0r, " on A0", stranded=False)

    def income(act0: int, capitate: bool):
        def fn(k, t):
            r = L0 + k
            u = f"{yc(t)}${U}"
            claw = f"m_clawback_miss_probability*$L{r}*$G{r}*{u}"
            pay = CONTRACT_PAYMENT_TYPES[sy.line_payment[k]]
            a = f"{yc(t)}{act0 + k}"
            over = f"$J{r}*$F{r}*{u}*MAX(0,{a}-$I{r})"
            if capitate or pay == "capitated":
                paid = f"$G{r}*(1+$N{r})^{tref(t)}*{u}"
            elif pay == "activity":
                paid = f"$F{r}*{u}*MIN({a},$I{r})+{over}"
            elif pay == "blended":
                paid = f"$G{r}*{u}+$K{r}*$F{r}*{u}*(MIN({a},$I{r})-$E{r})+{over}"
            else:
                # after the term: rebased on last year's outturn, or rolled over on the in-term terms
                paid = (f"IF(AND({tref(t)}>$H{r},$M{r}=1),$F{r}*{u}*{yc(t - 1)}{act0 + k},"
                        f"$G{r}*{u}+{over})")
            return f"{paid}-{claw}"
        return fn

    rules = form_rules(sc)
    capitate = rules["integrated"].capitate_acute
    inc_terms0 = block("Acute income (contract terms)", K, line_label, income(A0r, False))
    inc_terms_twin0 = block("Acute income (contract terms, no shift)", K, line_label, income(AM0r, False))
    inc_terms_ref0 = block("Acute income (contract terms, on A0)", K, line_label, income(AT0r, False))
    inc_cap0 = block("Acute income (capitated: the integrated form, with or without the shift)", K, line_label,
                     income(A0r, True)) if capitate else None

    # holdings
    def hold_label(h):
        return str(sy.provider_code[hold_prov[h]]), str(sy.service_id[hold_svc[h]])

    hi0 = block("Community income held", Hh, hold_label,
                lambda h, t: (f"{yc(t)}{budget0 + hold_svc[h]}*(1-{yc(t)}{outcome0 + hold_svc[h]}"
                              f"+{yc(t)}{outcome0 + hold_svc[h]}*m_outcomes_achievement)"))
    hd0 = block("Delivery cost held", Hh, hold_label,
                lambda h, t: f"$M${S0 + hold_svc[h]}*{yc(t)}{budget0 + hold_svc[h]}")
    hb0_first = w.row + 2  # the next block's first row, under its title: its flags are in column C
    hb0 = block("Budgets to integrate (a service the provider holds today costs nothing to integrate)", Hh,
                hold_label, lambda h, t: f"IF($C{hb0_first + h}=1,{yc(t)}{budget0 + hold_svc[h]},0)",
                flag=("taken on (1) / held today (0)", lambda h: int(sy.holding_integrates[h])))
    assert hb0 == hb0_first

    # --- providers: totals, components and forms, with the checks beside them ----------------------
    w.append([w.cell("Provider results", "section")])
    first_result_row = w.row + 1
    components, twin_components = result.components, result.no_shift_components
    for p in range(P):
        code = str(sy.provider_code[p])
        pr = layout.provider_row0 + p
        ls, le = line_starts[p], line_ends[p]
        hs, he = hold_starts[p], hold_ends[p]

        def line_sum(first):
            if ls is None or first is None:
                return lambda t: "0"
            return lambda t: f"SUM({yc(t)}{first + ls}:{yc(t)}{first + le})"

        def hold_sum(first):
            if hs is None:
                return lambda t: "0"
            return lambda t: f"SUM({yc(t)}{first + hs}:{yc(t)}{first + he})"

        rows = {}

        def row(key: str, label: str, fn, style="money", checks=None, bold=False):
            cells = [w.text(code), w.text(str(sy.provider_name[p])), w.cell(label, "bold" if bold else "text")]
            cells += [None] * (Y0 - 4)
            cells += [w.formula(fn(t), style) if t > 0 or key.endswith("cash") else None for t in range(H + 1)]
            if key.endswith("cash"):
                opening = _num(sy.opening_cash[p])
                cells[Y0 - 1] = w.formula(f"$I${pr}", style) if opening is not None else None
            if checks is not None:
                cells.append(None)
                cells += [w.cell(_num(v), "money") for v in checks]
                cells.append(None)
                r_now = w.row + 1
                ok = [_num(v) is not None for v in checks]
                cells += [w.formula(f"{yc(t + 1)}{r_now}-{col(eng0 + t)}{r_now}", "factor") if ok[t] else None
                          for t in range(H)]
                cells.append(w.formula(f"MAX(MAX({col(diff0)}{r_now}:{col(diff0 + H - 1)}{r_now}),"
                                       f"-MIN({col(diff0)}{r_now}:{col(diff0 + H - 1)}{r_now}))", "factor")
                             if any(ok) else None)
            rows[key] = w.append(cells)
            return rows[key]

        def ref(key):
            return lambda t: f"{yc(t)}{rows[key]}"

        def zero(t):
            return "0"

        row("ai", "Acute income (contract terms)", line_sum(inc_terms0))
        row("ai_twin", "Acute income (contract terms, no shift)", line_sum(inc_terms_twin0))
        row("ai_ref", "Acute income (contract terms, on A0)", line_sum(inc_terms_ref0))
        if capitate:
            row("ai_cap", "Acute income (capitated)", line_sum(inc_cap0))
        for name, blocks, tail in (("", run_cost, ""), ("_twin", twin_cost, " (no shift)"),
                                   ("_ref", ref_cost, " on A0")):
            row("var" + name, "Variable cost" + tail, line_sum(blocks["variable"]))
            row("semi" + name, "Semi-fixed cost" + tail, line_sum(blocks["semi"]))
            row("fix" + name, "Fixed cost" + tail, line_sum(blocks["fixed"]))
            if blocks["stranded"] is not None:
                row("s" + name, "Stranded cost before repurposing" + tail, line_sum(blocks["stranded"]))
        row("oi", "Other income", lambda t: f"$G${pr}*{yc(t)}${U}")
        row("oc", "Other cost", lambda t: f"$F${pr}*$G${pr}*{yc(t)}${INF}")
        row("ci", "Community income (if held)", hold_sum(hi0))
        row("dc", "Delivery cost (if held)", hold_sum(hd0))
        row("hb", "Budgets to integrate", hold_sum(hb0))

        for form in result.provider_forms(p):
            r = rules[form]
            tag = form.replace("_", "-")
            for twin in (False, True):
                sfx = "_twin" if twin else ""
                if r.capitate_acute:
                    acute = ref("ai_cap")  # capitated income does not depend on activity
                else:
                    acute = ref("ai" + sfx)
                gain = zero
                if r.gain_share:
                    ref_acute = ref("ai_cap") if r.capitate_acute else ref("ai_ref")

                    def gain(t, acute=acute, ref_acute=ref_acute, sfx=sfx):
                        cost, cost0 = (f"({yc(t)}{rows['var' + s]}+{yc(t)}{rows['semi' + s]}+{yc(t)}{rows['fix' + s]})"
                                       for s in (sfx, "_ref"))
                        return (f"m_gp_gain_share*m_outcomes_achievement*MAX(0,({cost0}-{cost})"
                                f"-({ref_acute(t)}-{acute(t)}))")

                hold = r.hold_services
                formulas = {
                    "acute_income": acute,
                    "other_income": ref("oi"),
                    "community_income": ref("ci") if hold else zero,
                    "variable_cost": ref("var" + sfx),
                    "semi_fixed_cost": ref("semi" + sfx),
                    "fixed_cost": ref("fix" + sfx),
                    "other_cost": ref("oc"),
                    "delivery_cost": ref("dc") if hold else zero,
                    "repurposed": (lambda t, s=sfx: f"MIN(m_repurpose_share*{yc(t)}{rows['s' + s]},{yc(t)}{rows['dc']})")
                    if hold else zero,
                    "vat": (lambda t: f"m_vat_rate*m_subcontract_share*{yc(t)}{rows['dc']}*$J${pr}") if hold else zero,
                    "integration_cost": (lambda t: (f"m_integration_recurring_share*{yc(t)}{rows['hb']}"
                                                    + (f"+m_integration_one_off_share*{yc(1)}{rows['hb']}"
                                                       if t == 1 else "")))
                    if r.integration_costs else zero,
                    "gain_share": gain,
                }
                engine = twin_components if twin else components
                placed = {}
                for name in COMPONENTS:
                    checks = engine[form][name][p] if form in engine else None
                    label = f"{tag}{' no shift' if twin else ''}: {COMPONENT_LABELS[name]}"
                    placed[name] = row(f"{form}{sfx}_{name}", label, formulas[name], checks=checks)
                (out.twin if twin else out.run)[(form, p)] = placed
            m = result.forms[form]
            comp = {name: ref(f"{form}_{name}") for name in COMPONENTS}
            row(f"{form}_income", f"{tag}: income",
                _joined([comp["acute_income"], comp["other_income"], comp["community_income"]]),
                checks=m["income_gbp_k"][p], bold=True)
            row(f"{form}_cost", f"{tag}: cost",
                _joined([comp[c] for c in ("variable_cost", "semi_fixed_cost", "fixed_cost", "other_cost",
                                           "delivery_cost")]
                        + ([lambda t: f"-{comp['repurposed'](t)}"] if r.hold_services else [])
                        + [comp[c] for c in ("vat", "integration_cost", "gain_share")]),
                checks=m["cost_gbp_k"][p], bold=True)
            stranded = (lambda t, f=form: f"{yc(t)}{rows['s']}-{yc(t)}{rows[f + '_repurposed']}") \
                if r.hold_services else ref("s")
            row(f"{form}_stranded", f"{tag}: stranded cost", stranded, checks=m["stranded_cost_gbp_k"][p], bold=True)
            row(f"{form}_surplus", f"{tag}: surplus",
                lambda t, f=form: f"{yc(t)}{rows[f + '_income']}-{yc(t)}{rows[f + '_cost']}",
                checks=m["surplus_gbp_k"][p], bold=True)
            row(f"{form}_cash", f"{tag}: cash",
                lambda t, f=form: f"{yc(t - 1)}{w.row + 1}+{yc(t)}{rows[f + '_surplus']}+$H${pr}",
                checks=m["cash_gbp_k"][p], bold=True)
        if progress is not None and P:
            progress((p + 1) / P, "Writing the Model sheet")
        _check_cancel(cancel)
    # the checks summary on row 3 reads these ranges, named now that the rows are known
    last = max(w.row, first_result_row)
    wb.defined_names["model_check_diffs"] = DefinedName(
        "model_check_diffs", attr_text=f"Model!${col(diff0)}${first_result_row}:${col(diff0 + H - 1)}${last}")
    wb.defined_names["model_check_max_abs"] = DefinedName(
        "model_check_max_abs", attr_text=f"Model!${col(rowmax_col)}${first_result_row}:${col(rowmax_col)}${last}")
    return out


def _joined(parts):
    """One formula adding the parts (a part may start with '-')."""
    def fn(t):
        text = ""
        for part in parts:
            s = part(t)
            if s == "0":
                continue
            text += s if (not text or s.startswith("-")) else "+" + s
        return text or "0"
    return fn


def _check_cancel(cancel) -> None:
    if cancel is not None and cancel():
        from ...core.results import RunCancelled

        raise RunCancelled()


def _own_mix(sy):
    """The register's own variable and semi-fixed shares per provider (NaN when blank)."""
    return (np.asarray(sy.provider_variable_share, dtype=float),
            np.asarray(sy.provider_semi_fixed_share, dtype=float))


def _fy(start_year: int) -> str:
    from ...core.inputs import fy_label

    return fy_label(start_year)


def _ranges(owner: np.ndarray, n: int):
    """First and last item index owned by each of n owners (None when it owns none)."""
    starts: list = [None] * n
    ends: list = [None] * n
    for i, o in enumerate(owner.tolist()):
        if starts[o] is None:
            starts[o] = i
        ends[o] = i
    return starts, ends


class _Layout:
    """Row numbers of the Model sheet's input tables, computed before writing (providers refer down to
    their contract lines)."""

    def __init__(self, K, J, P):
        self.year_row = 6
        r = 6
        r += 1 + len(SCALARS)  # section + scalars
        self.uplift_row = r + 1
        r += 2
        r += 1  # service lines header
        self.service_line_row0 = r + 1
        r += len(SERVICE_LINES)
        r += 1
        self.provider_row0 = r + 1
        r += P
        r += 1
        self.line_row0 = r + 1
        r += K
        r += 1
        self.service_row0 = r + 1
