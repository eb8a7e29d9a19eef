"""The Model sheet: MODEL.md section 4 written as live Excel formulas, with a checks block.

Inputs and assumptions are copied into the sheet as values (blue); every figure below them is a
formula, so Excel or LibreOffice recalculates income, cost, stranded cost, surplus and cash without
StrandRisk. Quantities sit in blocks of one row per contract line (or service, holding, provider)
with one column per year t = 0..H; contract lines are sorted by provider, so a provider's total is a
SUM over a contiguous range. The checks block beside each provider's results subtracts the engine's
own values; the names ``check_max_abs_diff_gbp_k`` and ``check_cells_reconciled`` summarise it.

Open-ended terms are written as year index 9999 (-9999 for a blank start) and a missing activity
ceiling as 1E+300, so every formula has the same shape.
"""

from __future__ import annotations

import math

import numpy as np
from openpyxl.workbook.defined_name import DefinedName

from ...core.engine import form_rules
from ...core.schema import CONTRACT_PAYMENT_TYPES, SERVICE_LINES
from .styles import SheetWriter, col

RESULT_ROWS = (("income_gbp_k", "Income"), ("cost_gbp_k", "Cost"), ("stranded_cost_gbp_k", "Stranded cost"),
               ("surplus_gbp_k", "Surplus"), ("cash_gbp_k", "Cash"))
SCALARS = ("price_uplift", "cost_inflation", "discount_rate", "semi_fixed_release_lag_years",
           "fixed_release_lag_years", "fixed_release_rate", "clawback_miss_probability", "outcomes_achievement",
           "gp_gain_share", "repurpose_share", "vat_rate", "subcontract_share", "integration_one_off_share",
           "integration_recurring_share", "integrated_capitation")
OPEN_END = 9999
NO_CEILING = 1e300
Y0 = 9  # column of year t = 0 (I)


HEAD_HEIGHT = 36  # points: three lines of the 9-point wrapped column headers


def _num(x, default=None):
    x = float(x)
    if math.isnan(x):
        return default
    return x


def write_model_sheet(wb, styles, result, progress=None, cancel=None) -> None:
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

    # the row numbers of everything are known up front: the checks summary at the top refers down
    layout = _Layout(K, J, Hh, P, result)

    # --- title, checks summary, year header ---------------------------------------------------------
    w.append([w.cell("Model: the engine as live formulas (£000)", "title")])
    w.append([w.cell("Blue cells are inputs and assumptions copied from the run; everything else is a "
                     "formula. Change an input and Excel recalculates the provider results.", "note")])
    w.append([w.cell("Largest absolute difference from the engine (£000)", "bold"), None,
              w.formula(f"MAX({col(rowmax_col)}{layout.first_provider_row}:{col(rowmax_col)}{layout.last_row})",
                        "check"),
              w.cell("Figures reconciled", "bold"), None, None,
              w.formula(f"COUNT({col(diff0)}{layout.first_provider_row}:{col(diff0 + H - 1)}{layout.last_row})",
                        "int_bold")])
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
              w.cell("opening cash", "head_wrap"), w.cell("new entity", "head_wrap")], height=HEAD_HEIGHT)
    line_starts, line_ends = _ranges(sy.line_segments.owner, P)
    hold_starts, hold_ends = _ranges(hold_prov, P)
    for p in range(P):
        r = layout.provider_row0 + p
        if line_starts[p] is None:
            values_sum = "0"
        else:
            values_sum = f"SUM($G${layout.line_row0 + line_starts[p]}:$G${layout.line_row0 + line_ends[p]})"
        flow = float(sy.depreciation[p] - sy.capital_expenditure[p] - sy.loan_repayment[p])
        w.append([w.text(sy.provider_code[p]), w.text(sy.provider_name[p]), w.text(sy.form_actual[p]),
                  w.cell(float(sy.income0[p]), "input_money"), w.cell(float(sy.expenditure0[p]), "input_money"),
                  w.formula(f"IF(AND(D{r}>0,E{r}>0),E{r}/D{r},1)", "factor"),
                  w.formula(f"MAX(0,D{r}-{values_sum})", "money"),
                  w.cell(flow, "input_money"), w.cell(_num(sy.opening_cash[p]), "input_money"),
                  w.cell(int(sy.new_entity[p]), "input_num")])
    assert w.row == layout.provider_row0 + P - 1

    # --- contract lines ----------------------------------------------------------------------------
    w.append([w.cell("Contract lines", "section"), w.cell("contract", "head_wrap"), w.cell("service line", "head_wrap"),
              w.cell("payment", "head_wrap"), w.cell("A0 units", "head_wrap"), w.cell("P0 £000/unit", "head_wrap"),
              w.cell("V £000", "head_wrap"), w.cell("end t (9999 open)", "head_wrap"), w.cell("ceiling (1E+300 none)", "head_wrap"),
              w.cell("marginal rate", "head_wrap"), w.cell("variable share (blended)", "head_wrap"),
              w.cell("clawback share", "head_wrap"), w.cell("rebase", "head_wrap"), w.cell("growth g", "head_wrap"),
              w.cell("shift s", "head_wrap"), w.cell("v", "head_wrap"), w.cell("sf", "head_wrap"), w.cell("f", "head_wrap"),
              w.cell("step D units", "head_wrap"), w.cell("kappa", "head_wrap"), w.cell("effect weight", "head_wrap"),
              w.cell("effect group", "head_wrap")], height=HEAD_HEIGHT)
    L0 = layout.line_row0
    for k in range(K):
        r = L0 + k
        p = int(sy.line_provider[k])
        slr = SL0 + int(sy.line_service[k])
        end = sy.line_end[k]
        ceiling = sy.line_ceiling[k]
        w.append([
            w.text(sy.provider_code[p]), w.text(sy.contract_ids[sy.line_contract[k]]),
            w.text(SERVICE_LINES[sy.line_service[k]]), w.text(CONTRACT_PAYMENT_TYPES[sy.line_payment[k]]),
            w.cell(float(sy.line_activity0[k]), "input_num"), w.cell(float(sy.line_price0[k]), "input_factor"),
            w.cell(float(sy.line_value[k]), "input_money"),
            w.cell(OPEN_END if math.isinf(end) else float(end), "input_num"),
            w.cell(NO_CEILING if math.isinf(ceiling) else float(ceiling), "input_num"),
            w.cell(float(sy.line_marginal_rate[k]), "input_num"), w.cell(float(sy.line_variable_share[k]), "input_num"),
            w.cell(float(sy.line_clawback_share[k]), "input_num"), w.cell(int(sy.line_rebase[k]), "input_num"),
            w.formula(f"$B${slr}", "factor"), w.formula(f"$C${slr}", "factor"), w.formula(f"$D${slr}", "factor"),
            w.formula(f"$E${slr}", "factor"), w.formula(f"1-P{r}-Q{r}", "factor"),
            w.formula(f"$F${slr}*E{r}", "num"), w.formula(f"$F${layout.provider_row0 + p}", "factor"),
            w.cell(float(sy.line_effect_weight[k]), "input_num"), w.cell(int(sy.line_effect_group[k]), "input_num"),
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
    def block(title: str, n: int, label, row_formula, t_from: int = 1, style: str = "money") -> int:
        w.append([w.cell(title, "section")])
        first = w.row + 1
        for i in range(n):
            a, b = label(i)
            cells = [w.text(a), w.text(b), None] + [None] * (Y0 - 4)
            cells += [None] * t_from + [w.formula(row_formula(i, t), style) for t in range(t_from, H + 1)]
            w.append(cells)
        if cancel is not None and cancel():
            from ...core.results import RunCancelled

            raise RunCancelled()
        return first

    def svc_label(j):
        return str(sy.service_id[j]), ""

    def line_label(k):
        return str(sy.provider_code[sy.line_provider[k]]), f"{sy.contract_ids[sy.line_contract[k]]} " \
                                                          f"{SERVICE_LINES[sy.line_service[k]]}"

    budget0 = block("Community budget B (active years)", J, svc_label,
                    lambda j, t: f"IF(AND({tref(t)}>=$E${S0 + j},{tref(t)}<=$F${S0 + j}),$D${S0 + j}*{yc(t)}${U},0)")
    assert budget0 == layout.budget_row0
    avoided0 = block("Activity avoided (units)", J, svc_label,
                     lambda j, t: (f"$I${S0 + j}*{yc(t)}{budget0 + j}/1000*IF($H${S0 + j}>0,"
                                   f"MIN(1,MAX(0,({tref(t)}-$G${S0 + j}+1)/$H${S0 + j})),1)"), style="num")
    outcome0 = block("Outcomes share o", J, svc_label,
                     lambda j, t: f"MIN($L${S0 + j},$J${S0 + j}+$K${S0 + j}*({tref(t)}-1))", style="factor")

    groups_with_services = set(int(g) for g in sy.service_effect_group if g >= 0)
    grp_range = f"$B${S0}:$B${S0 + max(J, 1) - 1}"

    def activity(k, t):
        r = L0 + k
        base = f"$E{r}*(1+$N{r})^{tref(t)}*(1-$O{r})^{tref(t)}"
        if int(sy.line_effect_group[k]) in groups_with_services:
            base += f"-$U{r}*SUMIF({grp_range},$V{r},{yc(t)}${avoided0}:{yc(t)}${avoided0 + J - 1})"
        return f"MAX(0,{base})"

    def with_base(fn):
        return lambda k, t: f"$E{L0 + k}" if t == 0 else fn(k, t)

    A0r = block("Activity A (units)", K, line_label, with_base(activity), t_from=0, style="num")
    AT0r = block("Activity without shift A0 (units)", K, line_label,
                 with_base(lambda k, t: f"$E{L0 + k}*(1+$N{L0 + k})^{tref(t)}"), t_from=0, style="num")
    c0 = block("Unit cost c (£000/unit)", K, line_label,
               lambda k, t: f"$T{L0 + k}*$G{L0 + k}/$E{L0 + k}*{yc(t)}${INF}", t_from=0, style="factor")
    lag = int(sc.semi_fixed_release_lag_years)

    def cost_blocks(act0: int, suffix: str):
        n0 = block(f"Semi-fixed steps needed N{suffix}", K, line_label,
                   lambda k, t: f"CEILING(MAX(0,{yc(t)}{act0 + k}/$S{L0 + k}-1E-9),1)", t_from=0, style="int")
        r0 = block(f"Semi-fixed steps retained R{suffix} (lag {lag})", K, line_label,
                   lambda k, t: f"MAX({yc(max(0, t - lag))}{n0 + k}:{yc(t)}{n0 + k})", t_from=0, style="int")
        fs0 = block(f"Efficient fixed cost F*{suffix}", K, line_label,
                    lambda k, t: f"$R{L0 + k}*{yc(t)}{c0 + k}*{yc(t)}{act0 + k}", t_from=0)

        def fixed(k, t):
            fs, prev = f"{yc(t)}{fs0 + k}", f"{yc(t - 1)}{f0 + k}"
            if t == 0:
                return fs
            carried = f"{prev}*(1+m_cost_inflation)"
            return (f"IF({fs}>={carried},{fs},{fs}+({carried}-{fs})*"
                    f"(1-IF({tref(t)}<=m_fixed_release_lag_years,0,m_fixed_release_rate)))")

        f0 = layout.peek_next(w) + 1
        f0_actual = block(f"Fixed cost F{suffix} (release after the lag)", K, line_label, fixed, t_from=0)
        assert f0_actual == f0
        cost0 = block(f"Acute cost{suffix}", K, line_label,
                      lambda k, t: (f"$P{L0 + k}*{yc(t)}{c0 + k}*{yc(t)}{act0 + k}+{yc(t)}{r0 + k}*$S{L0 + k}"
                                    f"*$Q{L0 + k}*{yc(t)}{c0 + k}+{yc(t)}{f0 + k}"))
        return n0, r0, fs0, f0, cost0

    n0, r0, fs0, f0, cost0 = cost_blocks(A0r, "")
    stranded0 = block("Stranded cost S", K, line_label,
                      lambda k, t: (f"({yc(t)}{f0 + k}-{yc(t)}{fs0 + k})+({yc(t)}{r0 + k}-{yc(t)}{n0 + k})"
                                    f"*$S{L0 + k}*$Q{L0 + k}*{yc(t)}{c0 + k}"))
    twin_cost0 = cost_blocks(AT0r, " (no shift)")[4]

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
    inc_ao0 = block("Acute income (contract terms)", K, line_label, income(A0r, False))
    inc_int0 = block("Acute income (integrated form)", K, line_label, income(A0r, capitate)) \
        if capitate else inc_ao0
    inc_twin0 = block("Acute income (integrated form, no shift)", K, line_label, income(AT0r, capitate)) \
        if not capitate else inc_int0

    # holdings
    H0 = layout.peek_next(w) + 1

    def hold_label(h):
        return str(sy.provider_code[hold_prov[h]]), str(sy.service_id[hold_svc[h]])

    hi0 = block("Community income held", Hh, hold_label,
                lambda h, t: (f"{yc(t)}{budget0 + hold_svc[h]}*(1-{yc(t)}{outcome0 + hold_svc[h]}"
                              f"+{yc(t)}{outcome0 + hold_svc[h]}*m_outcomes_achievement)"))
    assert hi0 == H0
    hd0 = block("Delivery cost held", Hh, hold_label,
                lambda h, t: f"$M${S0 + hold_svc[h]}*{yc(t)}{budget0 + hold_svc[h]}")
    hb0 = block("Budgets held", Hh, hold_label, lambda h, t: f"{yc(t)}{budget0 + hold_svc[h]}")

    # --- providers: totals and forms, with the checks beside the results ---------------------------
    w.append([w.cell("Provider results", "section")])
    assert w.row + 1 == layout.first_provider_row
    for p in range(P):
        code = str(sy.provider_code[p])
        pr = layout.provider_row0 + p
        ls, le = line_starts[p], line_ends[p]
        hs, he = hold_starts[p], hold_ends[p]

        def line_sum(first):
            if ls is None:
                return lambda t: "0"
            return lambda t: f"SUM({yc(t)}{first + ls}:{yc(t)}{first + le})"

        def hold_sum(first):
            if hs is None:
                return lambda t: "0"
            return lambda t: f"SUM({yc(t)}{first + hs}:{yc(t)}{first + he})"

        rows = {}

        def row(key: str, label: str, fn, style="money", checks=None):
            cells = [w.text(code), w.text(str(sy.provider_name[p])), w.cell(label, "bold" if checks is not None else "text")]
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

        def ref(key):
            return lambda t: f"{yc(t)}{rows[key]}"

        row("ai_ao", "Acute income (contract terms)", line_sum(inc_ao0))
        if capitate:
            row("ai_int", "Acute income (integrated form)", line_sum(inc_int0))
        else:
            rows["ai_int"] = rows["ai_ao"]
        if not capitate:
            row("ai_twin", "Acute income (integrated, no shift)", line_sum(inc_twin0))
        else:
            rows["ai_twin"] = rows["ai_int"]
        row("ac", "Acute cost", line_sum(cost0))
        row("ac_twin", "Acute cost (no shift)", line_sum(twin_cost0))
        row("s", "Stranded cost before repurposing", line_sum(stranded0))
        row("oi", "Other income", lambda t: f"$G${pr}*{yc(t)}${U}")
        row("oc", "Other cost", lambda t: f"$F${pr}*$G${pr}*{yc(t)}${INF}")
        row("ci", "Community income (if held)", hold_sum(hi0))
        row("dc", "Delivery cost (if held)", hold_sum(hd0))
        row("hb", "Budgets held", hold_sum(hb0))
        for form in result.provider_forms(p):
            r = rules[form]
            m = result.forms[form]
            tag = form.replace("_", "-")
            inc_key = "ai_int" if r.capitate_acute else "ai_ao"
            inc_parts = [ref(inc_key), ref("oi")]
            cost_parts = [ref("ac"), ref("oc")]
            stranded_fn = ref("s")
            if r.hold_services:
                row(f"{form}_rp", f"{tag}: repurposed", lambda t: f"MIN(m_repurpose_share*{yc(t)}{rows['s']},"
                                                               f"{yc(t)}{rows['dc']})")
                row(f"{form}_vat", f"{tag}: VAT", lambda t: f"m_vat_rate*m_subcontract_share*{yc(t)}{rows['dc']}"
                                                           f"*$J${pr}")
                inc_parts.append(ref("ci"))
                cost_parts += [ref("dc"), lambda t, f=form: f"-{yc(t)}{rows[f + '_rp']}", ref(f"{form}_vat")]
                stranded_fn = (lambda t, f=form: f"{yc(t)}{rows['s']}-{yc(t)}{rows[f + '_rp']}")
                if r.integration_costs:
                    row(f"{form}_ic", f"{tag}: integration cost",
                        lambda t: (f"m_integration_recurring_share*{yc(t)}{rows['hb']}"
                                   + (f"+m_integration_one_off_share*{yc(1)}{rows['hb']}" if t == 1 else "")))
                    cost_parts.append(ref(f"{form}_ic"))
                if r.gain_share:
                    row(f"{form}_gs", f"{tag}: GP gain share",
                        lambda t, ik=inc_key: (f"m_gp_gain_share*m_outcomes_achievement*MAX(0,({yc(t)}{rows['ac_twin']}"
                                               f"-{yc(t)}{rows['ac']})-({yc(t)}{rows['ai_twin']}-{yc(t)}{rows[ik]}))"))
                    cost_parts.append(ref(f"{form}_gs"))

            def joined(parts):
                def fn(t):
                    out = ""
                    for part in parts:
                        s = part(t)
                        out += s if (not out or s.startswith("-")) else "+" + s
                    return out
                return fn

            row(f"{form}_income", f"{tag}: income", joined(inc_parts), checks=m["income_gbp_k"][p])
            row(f"{form}_cost", f"{tag}: cost", joined(cost_parts), checks=m["cost_gbp_k"][p])
            row(f"{form}_stranded", f"{tag}: stranded cost", stranded_fn, checks=m["stranded_cost_gbp_k"][p])
            row(f"{form}_surplus", f"{tag}: surplus",
                lambda t, f=form: f"{yc(t)}{rows[f + '_income']}-{yc(t)}{rows[f + '_cost']}",
                checks=m["surplus_gbp_k"][p])
            row(f"{form}_cash", f"{tag}: cash",
                lambda t, f=form: f"{yc(t - 1)}{w.row + 1}+{yc(t)}{rows[f + '_surplus']}+$H${pr}",
                checks=m["cash_gbp_k"][p])
        if progress is not None and P:
            progress((p + 1) / P, "Writing the Model sheet")
        if cancel is not None and cancel():
            from ...core.results import RunCancelled

            raise RunCancelled()
    assert w.row == layout.last_row, (w.row, layout.last_row)


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
    """Row numbers of the Model sheet's blocks, computed before writing (the checks summary on row 3
    refers to the provider results at the bottom)."""

    def __init__(self, K, J, Hh, P, result):
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
        r += J
        self.budget_row0 = r + 2
        r += 3 * (J + 1)  # budget, avoided activity, outcomes share: one row per service each
        # per line: A, A without shift, c; N, R, F*, F, cost; S; the same five without shift; income
        # under contract terms; income in the integrated form (or without shift, when not capitated)
        r += 16 * (K + 1)
        r += 3 * (Hh + 1)
        r += 1  # provider results section
        self.first_provider_row = r + 1
        rules = form_rules(result.scenario)
        per_provider_common = 10  # ai_ao, (ai_int | ai_twin), ac, ac_twin, s, oi, oc, ci, dc, hb
        for p in range(P):
            r += per_provider_common
            for form in result.provider_forms(p):
                fr = rules[form]
                r += 5
                if fr.hold_services:
                    r += 2 + int(fr.integration_costs) + int(fr.gain_share)
        self.last_row = r

    @staticmethod
    def peek_next(w) -> int:
        return w.row + 1
