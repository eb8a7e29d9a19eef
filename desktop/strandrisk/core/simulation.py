"""Monte Carlo simulation, tornado sensitivity and break-even probability (MODEL.md section 5).

How a run is organised, and why:

* Every uncertain parameter gets one draw per simulation, generated up front (cheap: N x 10 numbers)
  from a seeded PCG64 generator in the fixed order of ``UNCERTAIN_PARAMETERS``. Clawback misses are
  Bernoulli draws per contract and year, generated up front too, from a second PCG64 stream spawned
  from the same seed, in fixed blocks of draws, and kept packed as bits. The results therefore depend
  on the seed only, never on chunk sizes or on the machine.
* Exact percentiles need every draw of every yearly metric, and a whole region at 10,000 draws would
  need gigabytes. So providers are simulated in batches (providers do not interact in the engine),
  and each batch's draws go through the engine in chunks along the draws axis. Both sizes are chosen
  so that the engine's working arrays plus the batches' stored draws stay under ``MEMORY_TARGET``
  (about 400 MB, shared by the worker threads) whatever the size of the system; the per-draw NPV
  stranded cost, cumulative surplus and closing cash kept for the histograms add 3 x N x P x 4 bytes
  per form, the packed clawback draws
  N x contracts at risk x ceil(H / 8) bytes. Chunks are also kept small enough for the engine's
  arrays to stay in the CPU cache, which is worth more than fewer, larger numpy calls.
* Percentiles follow ``np.percentile(..., method="linear")``: linear interpolation between the two
  nearest order statistics (the spreadsheet PERCENTILE.INC rule). ``percentiles_of`` computes the
  same numbers from a sort along the contiguous draws axis, which is several times faster than
  ``np.percentile`` on these shapes; a cell with a missing value (NaN) in any draw has none.
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, fields, replace

import numpy as np

from . import distributions
from .engine import FORMS, Drivers, break_even_multipliers, metrics, project
from .labels import FORM_LABELS
from .results import YEARLY_KEYS, CancelFn, ProgressFn, RunCancelled, _float, _floats
from .scenario import UNCERTAIN_PARAMETERS, Scenario, distribution_mode, distribution_range
from .schema import MODELLED_FORMS
from .system import Segments, System

PERCENTILES = (5, 10, 50, 90, 95)
# the figures the tornado ranks by and the Monte Carlo summarises per provider, with their one label
TORNADO_METRICS = ("npv_stranded", "cumulative_surplus", "closing_cash")
TORNADO_METRIC_LABELS = {"npv_stranded": "NPV of stranded cost", "cumulative_surplus": "Cumulative surplus",
                         "closing_cash": "Closing cash"}
PERCENTILE_KEYS = tuple(f"p{q}" for q in PERCENTILES)
PERCENTILE_METHOD = "linear"
MEMORY_TARGET = 400 * 2**20  # bytes: engine working arrays plus stored draws of one provider batch
ENGINE_LINE_ARRAYS = 48  # (S, K, H+1) float64 arrays alive at once inside project(), both forms
ENGINE_PROVIDER_ARRAYS = 80  # (S, P, H) arrays of project() and metrics() per chunk
CLAWBACK_BLOCK = 1024  # draws per block of clawback random numbers (fixed: part of the stream)
MAX_CHUNK = 4096
CACHE_BYTES = 1 << 20  # one (S, K, H+1) working array of about this size keeps the engine in cache
POLL_SECONDS = 0.05  # how often the caller's thread polls cancel() while worker threads simulate


def percentiles_of(samples: np.ndarray, q=PERCENTILES) -> np.ndarray:
    """``np.percentile(samples, q, axis=-1, method="linear")`` (to the last bit or two), percentiles first; sorts
    ``samples`` in place."""
    samples.sort(axis=-1)
    n = samples.shape[-1]
    qs = np.asarray(q, dtype=float) / 100.0
    virtual = n * qs + (1.0 + qs * (1.0 - 1.0 - 1.0)) - 1.0  # numpy's 'linear' virtual index
    below = np.clip(np.floor(virtual).astype(np.int64), 0, n - 1)
    above = np.clip(below + 1, 0, n - 1)
    gamma = (virtual - np.floor(virtual)).reshape((-1,) + (1,) * (samples.ndim - 1))
    a = np.moveaxis(samples[..., below], -1, 0)
    b = np.moveaxis(samples[..., above], -1, 0)
    diff = b - a
    out = a + diff * gamma
    out = np.where(np.broadcast_to(gamma >= 0.5, out.shape), b - diff * (1.0 - gamma), out)
    missing = np.isnan(samples[..., -1])  # NaN sorts last
    return np.where(missing[None], np.nan, out)


# systems of a subset of providers ---------------------------------------------------------------

def _provider_fields(system: System) -> list[str]:
    """Array fields with one row per provider: every array that is not per line, service or holding."""
    return [f.name for f in fields(system)
            if isinstance(getattr(system, f.name), np.ndarray)
            and not f.name.startswith(("line_", "service_", "holding_")) and f.name != "contract_ids"]


def subset_system(system: System, providers: np.ndarray) -> tuple[System, np.ndarray]:
    """The system restricted to ``providers`` (ascending indices), and for each of its contracts the
    index of that contract in the full system. Providers do not interact in the engine, so every
    figure of a kept provider is the same as in the full run."""
    sy = system
    providers = np.asarray(providers, dtype=np.int64)
    new_index = np.full(sy.n_providers, -1, dtype=np.int64)
    new_index[providers] = np.arange(len(providers))
    changes = {name: getattr(sy, name)[providers] for name in _provider_fields(sy)}

    line_sel = np.flatnonzero(new_index[sy.line_provider] >= 0)
    for f in fields(sy):
        if f.name.startswith("line_") and f.name not in ("line_segments",):
            changes[f.name] = getattr(sy, f.name)[line_sel]
    line_provider = new_index[sy.line_provider[line_sel]]
    changes["line_provider"] = line_provider
    changes["line_segments"] = Segments.build(line_provider)
    contracts, line_contract = np.unique(sy.line_contract[line_sel], return_inverse=True)
    changes["line_contract"] = line_contract.astype(np.int64)
    changes["contract_ids"] = sy.contract_ids[contracts]
    groups, line_group = np.unique(sy.line_effect_group[line_sel], return_inverse=True)
    changes["line_effect_group"] = line_group.astype(np.int64)
    changes["n_effect_groups"] = len(groups)

    hold_keep = new_index[sy.holding_segments.owner] >= 0 if sy.holding_service.size else np.zeros(0, bool)
    svc_group = sy.service_effect_group
    in_groups = np.isin(svc_group, groups) & (svc_group >= 0)
    svc_keep = in_groups.copy()
    svc_keep[sy.holding_service[hold_keep]] = True
    svc_sel = np.flatnonzero(svc_keep)
    svc_new = np.full(len(svc_group), -1, dtype=np.int64)
    svc_new[svc_sel] = np.arange(len(svc_sel))
    for f in fields(sy):
        if f.name.startswith("service_"):
            changes[f.name] = getattr(sy, f.name)[svc_sel]
    changes["service_effect_group"] = np.where(in_groups[svc_sel], np.searchsorted(groups, svc_group[svc_sel]),
                                               -1).astype(np.int64)
    changes["holding_service"] = svc_new[sy.holding_service[hold_keep]]
    changes["holding_integrates"] = sy.holding_integrates[hold_keep]
    changes["holding_segments"] = Segments.build(new_index[sy.holding_segments.owner[hold_keep]])
    return replace(sy, **changes), contracts


# draws ---------------------------------------------------------------------------------------------

def parameter_draws(scenario: Scenario, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One draw per simulation of every uncertain parameter, in the fixed order of UNCERTAIN_PARAMETERS.
    Whole-year parameters are rounded; parameters with natural bounds (a share, a count of years)
    are kept inside them."""
    out = {}
    for key, spec in UNCERTAIN_PARAMETERS.items():
        values = distributions.from_uniform(scenario.uncertainty[key], rng.random(n))
        out[key] = _finish(key, spec, values)
    return out


def _finish(key: str, spec: dict, values: np.ndarray) -> np.ndarray:
    if "bounds" in spec:
        values = np.clip(values, spec["bounds"][0], spec["bounds"][1])
    if spec.get("integer"):
        values = np.rint(values)
    return values


def clawback_contracts(system: System) -> np.ndarray:
    """Contracts with at least one line at risk of clawback (indices into system.contract_ids)."""
    return np.unique(system.line_contract[system.line_clawback_share > 0])


def clawback_miss_bits(n: int, n_contracts: int, horizon: int, probability: float,
                       rng: np.random.Generator) -> np.ndarray:
    """Miss (1) or not (0) per draw, contract and year, packed along the years: (n, n_contracts, ceil(H/8))
    uint8. Generated in fixed blocks of CLAWBACK_BLOCK draws so the stream never depends on chunking."""
    nbytes = (horizon + 7) // 8
    out = np.zeros((n, n_contracts, nbytes), dtype=np.uint8)
    for start in range(0, n, CLAWBACK_BLOCK):
        stop = min(n, start + CLAWBACK_BLOCK)
        miss = rng.random((stop - start, n_contracts, horizon), dtype=np.float32) < probability
        out[start:stop] = np.packbits(miss, axis=2)
    return out


# the Monte Carlo -------------------------------------------------------------------------------------

@dataclass
class MonteCarloResult:
    """Percentiles and probabilities per form and provider; arrays are NaN where a provider is not
    modelled in a form (community-only providers appear in the community_only form alone)."""

    simulations: int
    seed: int
    forms: tuple[str, ...]
    years: list[str]
    percentiles: dict[str, dict[str, np.ndarray]]  # form -> metric -> (5, P, H)
    npv_stranded: dict[str, np.ndarray]  # form -> (5, P)
    cumulative_surplus: dict[str, np.ndarray]  # form -> (5, P)
    probability_deficit: dict[str, np.ndarray]  # form -> (P, H)
    probability_liquidity_risk: dict[str, np.ndarray]  # form -> (P, H)
    probability_shift_exceeds_break_even: dict[str, np.ndarray]  # form -> (P,), NaN when no break-even
    npv_stranded_samples: dict[str, np.ndarray]  # form -> (N, P) float32
    break_even: dict[str, np.ndarray] = field(default_factory=dict)  # form -> (P,) used for the probability
    percentiles_levels: tuple[int, ...] = PERCENTILES
    cumulative_surplus_samples: dict[str, np.ndarray] = field(default_factory=dict)  # form -> (N, P) float32
    closing_cash_samples: dict[str, np.ndarray] = field(default_factory=dict)  # form -> (N, P) float32

    @property
    def closing_cash(self) -> dict[str, np.ndarray]:
        """Percentiles of the last year's cash, form -> (5, P)."""
        return {f: self.percentiles[f]["cash_gbp_k"][:, :, -1] for f in self.forms}

    def summary(self, metric: str) -> dict[str, np.ndarray]:
        """Percentiles (P5..P95) of one of TORNADO_METRICS, form -> (5, P)."""
        if metric == "npv_stranded":
            return self.npv_stranded
        if metric == "cumulative_surplus":
            return self.cumulative_surplus
        if metric == "closing_cash":
            return self.closing_cash
        raise ValueError(f"no Monte Carlo summary of '{metric}': use one of {', '.join(TORNADO_METRICS)}")

    def distribution(self, form: str, p: int, metric: str) -> np.ndarray:
        """Every draw of one of TORNADO_METRICS for provider p, sorted (for a histogram); the five
        percentiles when the draws were not kept."""
        samples = {"npv_stranded": self.npv_stranded_samples, "cumulative_surplus": self.cumulative_surplus_samples,
                   "closing_cash": self.closing_cash_samples}.get(metric)
        if samples is None:
            raise ValueError(f"no Monte Carlo distribution of '{metric}': use one of {', '.join(TORNADO_METRICS)}")
        if form in samples:
            return np.sort(np.asarray(samples[form][:, p], dtype=float))
        return np.asarray(self.summary(metric)[form][:, p], dtype=float)

    def form_document(self, form: str, p: int) -> dict:
        """The MC object of MODEL.md section 7 for one provider and form."""
        doc: dict = {"simulations": int(self.simulations), "seed": int(self.seed)}
        if form not in self.forms:
            return doc
        for key in YEARLY_KEYS:
            arr = self.percentiles[form][key]
            doc[key] = {name: _floats(arr[i, p]) for i, name in enumerate(PERCENTILE_KEYS)}
        doc["npv_stranded_gbp_k"] = {name: _float(self.npv_stranded[form][i, p])
                                     for i, name in enumerate(PERCENTILE_KEYS)}
        doc["cumulative_surplus_gbp_k"] = {name: _float(self.cumulative_surplus[form][i, p])
                                           for i, name in enumerate(PERCENTILE_KEYS)}
        doc["closing_cash_gbp_k"] = {name: _float(self.closing_cash[form][i, p])
                                     for i, name in enumerate(PERCENTILE_KEYS)}
        doc["probability_deficit"] = _floats(self.probability_deficit[form][p])
        doc["probability_liquidity_risk"] = _floats(self.probability_liquidity_risk[form][p])
        doc["probability_shift_exceeds_break_even"] = _float(self.probability_shift_exceeds_break_even[form][p])
        return doc

    def summary_text(self, result=None) -> str:
        """A short table for the terminal: P5 / P50 / P95 of the three headline figures with the single
        deterministic projection beside each (when the run is given), and the chances of a deficit, a
        liquidity risk and a shift beyond break-even. The biggest drivers are the tornado's, per metric."""
        codes = list(result.system.provider_code) if result is not None else \
            [str(i + 1) for i in range(self.npv_stranded[self.forms[0]].shape[1])]
        det = "; [deterministic]" if result is not None else ""
        head = (f"Monte Carlo: {self.simulations:,} draws, seed {self.seed} (P5 / P50 / P95{det}, GBP 000; "
                f"chances in the final year {self.years[-1]}; worst year for liquidity)")
        cols = ["Provider", "Form"] + [f"{TORNADO_METRIC_LABELS[m]} P5/P50/P95" for m in TORNADO_METRICS] + \
            ["P(deficit)", "P(liquidity risk)", "P(shift >= break-even)"]
        deterministic = {"npv_stranded": "npv_stranded_gbp_k", "cumulative_surplus": "cumulative_surplus_gbp_k"}
        rows = []
        for p, code in enumerate(codes):
            for form in (result.provider_forms(p) if result is not None else self.forms):
                if form not in self.forms or np.isnan(self.npv_stranded[form][0, p]):
                    continue
                row = [str(code), FORM_LABELS[form]]
                for metric in TORNADO_METRICS:
                    q = self.summary(metric)[form][:, p]
                    cell = f"{_money(q[0])} / {_money(q[2])} / {_money(q[4])}"
                    if result is not None:
                        m = result.forms[form]
                        value = m[deterministic[metric]][p] if metric in deterministic else m["cash_gbp_k"][p][-1]
                        cell += f" [{_money(value)}]"
                    row.append(cell)
                be = self.probability_shift_exceeds_break_even[form][p]
                row += [_pct(self.probability_deficit[form][p, -1]),
                        _pct(np.nanmax(self.probability_liquidity_risk[form][p])),
                        _break_even_chance(be, self.break_even.get(form), p)]
                rows.append(row)
        widths = [max(len(r[i]) for r in rows + [cols]) for i in range(len(cols))]
        lines = [head, ""]
        lines.append("  ".join(c.ljust(widths[i]) if i < 2 else c.rjust(widths[i]) for i, c in enumerate(cols)))
        lines.append("  ".join("-" * w for w in widths))
        for r in rows:
            lines.append("  ".join(c.ljust(widths[i]) if i < 2 else c.rjust(widths[i]) for i, c in enumerate(r)))
        return "\n".join(lines)


def _break_even_chance(chance, break_even, p: int) -> str:
    """The chance the shift goes beyond the break-even; "in deficit at 0x" when the break-even is 0 (the
    chance is then trivially 100%: read the shift impact instead), "none" when there is no break-even."""
    if break_even is not None and break_even[p] == 0:
        return "in deficit at 0x"
    return "none" if np.isnan(chance) else _pct(chance)


def _money(x) -> str:
    if x is None or np.isnan(x):
        return "-"
    return f"({abs(x):,.0f})" if x < 0 else f"{x:,.0f}"


def _pct(x) -> str:
    return "-" if np.isnan(x) else f"{100 * x:.0f}%"


def _form_groups(system: System) -> list[tuple[tuple[str, ...], np.ndarray]]:
    community = np.array([f == "community_only" for f in system.form_actual], dtype=bool)
    groups = []
    if (~community).any():
        groups.append((tuple(MODELLED_FORMS), np.flatnonzero(~community)))
    if community.any():
        groups.append((("community_only",), np.flatnonzero(community)))
    return groups


def _bytes_per_draw(n_lines: int, n_providers: int, horizon: int) -> int:
    return 8 * (ENGINE_LINE_ARRAYS * max(n_lines, 1) * (horizon + 1) + ENGINE_PROVIDER_ARRAYS * n_providers * horizon)


def _stored_bytes_per_provider(n: int, horizon: int, n_forms: int) -> int:
    return 8 * n * (len(YEARLY_KEYS) * horizon + 2) * n_forms


def plan_batches(system: System, n: int, chunk_size: int | None = None,
                 memory_target: int = MEMORY_TARGET) -> list[tuple[tuple[str, ...], np.ndarray, int]]:
    """(forms, provider indices, draws per engine call) for every provider batch, so that one batch's
    stored draws take at most half the memory target and the engine's working arrays the other half."""
    H = system.horizon
    lines_per_provider = np.bincount(system.line_provider, minlength=system.n_providers)
    plan = []
    for forms, members in _form_groups(system):
        per_provider = _stored_bytes_per_provider(n, H, len(forms))
        size = max(1, (memory_target // 2) // per_provider)
        for start in range(0, len(members), size):
            batch = members[start:start + size]
            n_lines = int(lines_per_provider[batch].sum())
            chunk = max(1, (memory_target // 2) // _bytes_per_draw(n_lines, len(batch), H))
            # measured: the engine runs 2-4x faster per element when its arrays stay in the CPU cache
            chunk = min(chunk, max(8, CACHE_BYTES // (8 * max(n_lines, 1) * (H + 1))), MAX_CHUNK, n)
            if chunk_size is not None:
                chunk = max(1, min(int(chunk_size), n))
            plan.append((forms, batch, chunk))
    return plan


def run_monte_carlo(system: System, scenario: Scenario, *, simulations: int | None = None, seed: int | None = None,
                    progress: ProgressFn | None = None, cancel: CancelFn | None = None,
                    chunk_size: int | None = None, break_even: dict | None = None,
                    memory_target: int = MEMORY_TARGET, workers: int | None = None) -> MonteCarloResult:
    """Simulate ``simulations`` draws (default: the scenario's) with ``seed`` (default: the scenario's).

    ``progress(fraction, message)`` is called after every engine chunk; ``cancel()`` is polled before
    every chunk and a True answer raises RunCancelled. ``break_even`` (form -> (P,)) is computed when
    not given. ``workers`` threads (default: up to 4, one per core) simulate provider batches side by
    side, sharing the memory target; the results do not depend on it."""
    n = int(scenario.simulations if simulations is None else simulations)
    seed = int(scenario.seed if seed is None else seed)
    if n < 1:
        raise ValueError("the Monte Carlo needs at least one simulation")
    sy = system
    P, H = sy.n_providers, sy.horizon
    report = progress or (lambda fraction, message: None)
    stop = cancel or (lambda: False)

    params_seq, clawback_seq = np.random.SeedSequence(seed).spawn(2)
    draws = parameter_draws(scenario, n, np.random.Generator(np.random.PCG64(params_seq)))
    probability = float(scenario.clawback_miss_probability)
    at_risk = clawback_contracts(sy)
    bits = None
    if probability > 0 and at_risk.size:
        bits = clawback_miss_bits(n, at_risk.size, H, probability, np.random.Generator(np.random.PCG64(clawback_seq)))
        bits = np.concatenate([bits, np.zeros((n, 1, bits.shape[2]), dtype=np.uint8)], axis=1)  # "never" column
    risk_position = np.full(max(len(sy.contract_ids), 1), at_risk.size, dtype=np.int64)
    risk_position[at_risk] = np.arange(at_risk.size)

    if break_even is None:
        if stop():
            raise RunCancelled()
        report(0.0, "Finding break-even shifts")
        break_even = break_even_multipliers(sy, scenario)

    workers = max(1, int(workers if workers is not None else min(4, os.cpu_count() or 1)))
    plan = plan_batches(sy, n, chunk_size, memory_target // workers)
    workers = min(workers, len(plan))
    all_forms = tuple(f for f in FORMS if any(f in forms for forms, _, _ in plan))
    nan5 = np.full((len(PERCENTILES), P, H), np.nan)
    pct = {f: {k: nan5.copy() for k in YEARLY_KEYS} for f in all_forms}
    npv_pct = {f: np.full((len(PERCENTILES), P), np.nan) for f in all_forms}
    cum_pct = {f: np.full((len(PERCENTILES), P), np.nan) for f in all_forms}
    p_deficit = {f: np.full((P, H), np.nan) for f in all_forms}
    p_liquidity = {f: np.full((P, H), np.nan) for f in all_forms}
    npv_samples = {f: np.full((n, P), np.nan, dtype=np.float32) for f in all_forms}
    cum_samples = {f: np.full((n, P), np.nan, dtype=np.float32) for f in all_forms}
    cash_samples = {f: np.full((n, P), np.nan, dtype=np.float32) for f in all_forms}

    total = sum(math.ceil(n / chunk) for _, _, chunk in plan) + len(plan)
    done = [0]
    lock = threading.Lock()
    halt = threading.Event()

    def step(message: str) -> None:
        with lock:
            done[0] += 1
        if workers == 1:  # in the caller's thread: report and poll directly
            report(done[0] / total, message)
            if stop():
                halt.set()
        if halt.is_set():
            raise RunCancelled()

    def simulate(forms, batch, chunk) -> None:
        """Every draw of one provider batch; writes the batch's slices of the outputs."""
        sub, contracts = subset_system(sy, batch)
        sub_risk = risk_position[contracts] if len(contracts) else np.zeros(0, dtype=np.int64)
        # draws last, so each cell's draws are contiguous for the sort
        store = {f: {k: np.empty((len(batch), H, n)) for k in YEARLY_KEYS} for f in forms}
        for f in forms:
            store[f]["npv_stranded_gbp_k"] = np.empty((len(batch), n))
            store[f]["cumulative_surplus_gbp_k"] = np.empty((len(batch), n))
        deficits = {f: np.zeros((len(batch), H), dtype=np.int64) for f in forms}
        liquidity = {f: np.zeros((len(batch), H), dtype=np.int64) for f in forms}
        for s0 in range(0, n, chunk):
            s1 = min(n, s0 + chunk)
            miss = None
            if bits is not None and len(contracts):
                miss = np.unpackbits(bits[s0:s1][:, sub_risk, :], axis=2, count=H)
            drivers = Drivers.from_values(scenario, {k: v[s0:s1] for k, v in draws.items()}, clawback_miss=miss)
            proj = project(sub, scenario, drivers, forms)
            for f in forms:
                m = metrics(sub, scenario, proj[f], ratings=False)
                for k in YEARLY_KEYS + ("npv_stranded_gbp_k", "cumulative_surplus_gbp_k"):
                    store[f][k][..., s0:s1] = np.moveaxis(m[k], 0, -1)
                deficits[f] += np.sum(m["deficit"], axis=0)
                liquidity[f] += np.sum(m["liquidity_risk"], axis=0)
            step(f"draws {s1:,} of {n:,}, providers {batch[0] + 1}-{batch[-1] + 1} of {P}")
        for f in forms:
            npv_samples[f][:, batch] = store[f]["npv_stranded_gbp_k"].T
            cum_samples[f][:, batch] = store[f]["cumulative_surplus_gbp_k"].T
            cash_samples[f][:, batch] = store[f]["cash_gbp_k"][:, -1, :].T
            for k in YEARLY_KEYS:
                pct[f][k][:, batch, :] = percentiles_of(store[f][k])
            npv_pct[f][:, batch] = percentiles_of(store[f]["npv_stranded_gbp_k"])
            cum_pct[f][:, batch] = percentiles_of(store[f]["cumulative_surplus_gbp_k"])
            p_deficit[f][batch] = deficits[f] / n
            p_liquidity[f][batch] = liquidity[f] / n
        step("percentiles")

    if stop():
        raise RunCancelled()
    if workers == 1:
        for item in plan:
            simulate(*item)
    else:
        # batches are independent and numpy releases the GIL in its loops; the caller's thread only
        # reports progress and polls cancel(), so callbacks never run on a worker thread
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending = {pool.submit(simulate, *item) for item in plan}
            try:
                while pending:
                    finished, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_EXCEPTION)
                    for future in finished:
                        future.result()
                    if stop():
                        raise RunCancelled()
                    report(min(done[0] / total, 1.0), f"{done[0]:,} of {total:,} steps")
            finally:
                halt.set()  # stops running batches at their next chunk when leaving early
                for future in pending:
                    future.cancel()

    shift = draws["shift_rate_multiplier"]
    p_break = {}
    for f in all_forms:
        be = break_even.get(f, np.full(P, np.nan))
        with np.errstate(invalid="ignore"):
            share = np.mean(shift[:, None] >= be[None, :], axis=0)
        p_break[f] = np.where(np.isnan(be), np.nan, share)
    report(1.0, "done")
    return MonteCarloResult(simulations=n, seed=seed, forms=all_forms, years=list(sy.years), percentiles=pct,
                            npv_stranded=npv_pct, cumulative_surplus=cum_pct, probability_deficit=p_deficit,
                            probability_liquidity_risk=p_liquidity, probability_shift_exceeds_break_even=p_break,
                            npv_stranded_samples=npv_samples, break_even=dict(break_even),
                            cumulative_surplus_samples=cum_samples, closing_cash_samples=cash_samples)


# tornado -----------------------------------------------------------------------------------------------

@dataclass
class TornadoResult:
    """Each uncertain parameter at its low and high end with the rest at their modes."""

    parameters: list[str]
    labels: list[str]
    low_values: list[float]
    high_values: list[float]
    forms: tuple[str, ...]
    base_npv: dict[str, np.ndarray]  # form -> (P,)
    base_cumulative_surplus: dict[str, np.ndarray]  # form -> (P,)
    npv_stranded: dict[str, np.ndarray]  # form -> (n_params, 2, P): [:, 0] at low, [:, 1] at high
    cumulative_surplus: dict[str, np.ndarray]  # form -> (n_params, 2, P)
    base_closing_cash: dict[str, np.ndarray] = field(default_factory=dict)  # form -> (P,)
    closing_cash: dict[str, np.ndarray] = field(default_factory=dict)  # form -> (n_params, 2, P)

    def ranked(self, form: str, p: int, by: str = "npv_stranded") -> list[dict]:
        """Rows sorted by the swing of ``by`` (one of TORNADO_METRICS: |value at high - value at low|),
        largest first; ties keep parameter order. Every row carries all three metrics:
        ``<metric>_low``, ``<metric>_high``, ``swing_<metric>`` (and the older npv_/cumulative_ keys)."""
        if by not in TORNADO_METRICS:
            raise ValueError(f"rank by one of {', '.join(repr(m) for m in TORNADO_METRICS)}")
        values = {"npv_stranded": self.npv_stranded[form][:, :, p],
                  "cumulative_surplus": self.cumulative_surplus[form][:, :, p],
                  "closing_cash": self.closing_cash[form][:, :, p]}
        rows = []
        for i, key in enumerate(self.parameters):
            row = {"parameter": key, "label": self.labels[i],
                   "low_value": self.low_values[i], "high_value": self.high_values[i]}
            for metric, arr in values.items():
                row[f"{metric}_low"], row[f"{metric}_high"] = float(arr[i, 0]), float(arr[i, 1])
                row[f"swing_{metric}"] = _swing(arr[i])
            row.update(npv_low=row["npv_stranded_low"], npv_high=row["npv_stranded_high"],
                       cumulative_low=row["cumulative_surplus_low"], cumulative_high=row["cumulative_surplus_high"],
                       swing_npv=row["swing_npv_stranded"], swing_cumulative=row["swing_cumulative_surplus"])
            rows.append(row)
        swing = f"swing_{by}"
        return sorted(rows, key=lambda r: -r[swing] if not math.isnan(r[swing]) else math.inf)

    def base(self, metric: str) -> dict[str, np.ndarray]:
        """The value with every parameter at its mode, form -> (P,), for one of TORNADO_METRICS."""
        return {"npv_stranded": self.base_npv, "cumulative_surplus": self.base_cumulative_surplus,
                "closing_cash": self.base_closing_cash}[metric]


def _swing(pair: np.ndarray) -> float:
    return float(abs(pair[1] - pair[0]))


def tornado(system: System, scenario: Scenario, forms=FORMS, memory_target: int = MEMORY_TARGET) -> TornadoResult:
    """One engine call (chunked only when the system is huge) over a draws axis of 2 x parameters + 1:
    draw 0 has every parameter at its mode, draws 2i+1 and 2i+2 move parameter i to its low and high end.
    Clawback is at its expected value, as in the deterministic run."""
    keys = list(UNCERTAIN_PARAMETERS)
    n_par = len(keys)
    size = 2 * n_par + 1
    values, lows, highs = {}, [], []
    for i, key in enumerate(keys):
        spec = UNCERTAIN_PARAMETERS[key]
        dist = scenario.uncertainty[key]
        lo, hi = distribution_range(dist)
        lo, hi = (float(x) for x in _finish(key, spec, np.array([lo, hi])))
        col = np.full(size, float(_finish(key, spec, np.array([distribution_mode(dist)]))[0]))
        col[2 * i + 1], col[2 * i + 2] = lo, hi
        values[key] = col
        lows.append(lo)
        highs.append(hi)
    sy = system
    forms = tuple(forms)
    chunk = max(1, (memory_target // 2) // _bytes_per_draw(len(sy.line_provider), sy.n_providers, sy.horizon))
    npv = {f: np.empty((size, sy.n_providers)) for f in forms}
    cum = {f: np.empty((size, sy.n_providers)) for f in forms}
    closing = {f: np.empty((size, sy.n_providers)) for f in forms}
    for s0 in range(0, size, chunk):
        s1 = min(size, s0 + chunk)
        drivers = Drivers.from_values(scenario, {k: v[s0:s1] for k, v in values.items()})
        proj = project(sy, scenario, drivers, forms)
        for f in forms:
            m = metrics(sy, scenario, proj[f], ratings=False)
            npv[f][s0:s1] = m["npv_stranded_gbp_k"]
            cum[f][s0:s1] = m["cumulative_surplus_gbp_k"]
            closing[f][s0:s1] = m["cash_gbp_k"][:, :, -1]
    return TornadoResult(
        parameters=keys, labels=[UNCERTAIN_PARAMETERS[k]["label"] for k in keys], low_values=lows, high_values=highs,
        forms=forms,
        base_npv={f: npv[f][0] for f in forms}, base_cumulative_surplus={f: cum[f][0] for f in forms},
        npv_stranded={f: npv[f][1:].reshape(n_par, 2, -1) for f in forms},
        cumulative_surplus={f: cum[f][1:].reshape(n_par, 2, -1) for f in forms},
        base_closing_cash={f: closing[f][0] for f in forms},
        closing_cash={f: closing[f][1:].reshape(n_par, 2, -1) for f in forms},
    )


__all__ = ["PERCENTILES", "TORNADO_METRICS", "TORNADO_METRIC_LABELS", "MonteCarloResult", "TornadoResult", "run_monte_carlo", "tornado", "subset_system",
           "parameter_draws", "percentiles_of"]
