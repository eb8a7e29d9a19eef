"""The `strandrisk` command line: run, check, template, gui. Errors are one line and a non-zero exit."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2
PROJECT_SUFFIX = ".strandrisk"


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code attached."""

    def __init__(self, message: str, code: int = EXIT_UNREADABLE):
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="strandrisk",
        description="Stranded-cost risk of acute-only versus integrated NHS providers. "
                    "Without a command, the desktop app starts.")
    parser.add_argument("--version", action="version", version=f"strandrisk {__version__}")
    parser.add_argument("--smoke-test", action="store_true",
                        help="build the app offscreen, import the sample, simulate, export, reopen; exit 0 if all work")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the model on input files or a saved project and print a summary")
    run.add_argument("inputs", nargs="*", metavar="INPUT",
                     help="spreadsheets (.xlsx .xlsm .xls .ods .csv), a TAC file, or one .strandrisk project")
    run.add_argument("--sample", action="store_true", help="use the built-in fictional sample system")
    run.add_argument("--scenario", metavar="FILE|NAME",
                     help="scenario JSON file (defaults for anything it leaves out); with --sample also a sample "
                          "scenario by name, e.g. \"Faster shift\"; with a project, the name of one of its scenarios "
                          "(default: the one current when it was saved)")
    project = run.add_argument_group("saved projects (strandrisk run PROJECT.strandrisk)")
    project.add_argument("--accept-changed", action="store_true",
                         help="re-read input files that changed since the project was saved (each is listed)")
    project.add_argument("--saved-data", action="store_true",
                         help="model the data saved in the project instead of re-reading its spreadsheets")
    project.add_argument("--rerun-simulations", action="store_true",
                         help="simulate again even when the project holds simulations of exactly this data and "
                              "scenario (they are used otherwise, and the output says so)")
    run.add_argument("--mapping", metavar="FILE", help="column mapping JSON saved from the app or `check`")
    run.add_argument("--simulations", type=int, metavar="N", help="Monte Carlo draws (default: the scenario's, 10000)")
    run.add_argument("--seed", type=int, metavar="S", help="random seed (default: the scenario's, 2014)")
    run.add_argument("--json", metavar="FILE", help="write the machine-readable results (MODEL.md section 7)")
    run.add_argument("--out", metavar="REPORT.xlsx", help="write the Excel report")
    _add_tac_options(run)

    check = sub.add_parser("check", help="check input files and list every problem with its cell")
    check.add_argument("inputs", nargs="+", metavar="FILE")
    check.add_argument("--mapping", metavar="FILE", help="column mapping JSON")
    check.add_argument("--json", action="store_true", help="print the findings as JSON")
    _add_tac_options(check)

    _add_screen_parser(sub)

    template = sub.add_parser("template", help="write a blank input template workbook (.xlsx)")
    template.add_argument("path", metavar="PATH")
    template.add_argument("--force", action="store_true", help="replace an existing file of that name")

    gui = sub.add_parser("gui", help="start the desktop app")
    gui.add_argument("project", nargs="*", metavar="FILE",
                     help="a .strandrisk project, or input spreadsheets to read into a new project")
    gui.add_argument("--sample", action="store_true", help="open the built-in sample system")
    return parser


def _add_tac_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("TAC data files (NHS England's trust accounts); default: every trust")
    group.add_argument("--tac-trusts", metavar="CODES", help="only these trusts: comma-separated ODS codes, e.g. RXX,RYY")
    group.add_argument("--tac-region", metavar="NAME", help="only trusts in this NHS England region, e.g. London")
    group.add_argument("--tac-sector", choices=("nhs_trust", "foundation_trust"),
                       help="only NHS trusts or only foundation trusts")


def tac_selection(args):
    """The trusts chosen with --tac-trusts/--tac-region/--tac-sector, or None for all."""
    from .io.tac.reader import TacSelection

    codes = [c.strip().upper() for c in (getattr(args, "tac_trusts", None) or "").split(",") if c.strip()]
    region = (getattr(args, "tac_region", None) or "").strip()
    sector = getattr(args, "tac_sector", None)
    selection = TacSelection(trusts=codes, regions=[region] if region else [], sectors=[sector] if sector else [])
    return None if selection.is_empty else selection


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.smoke_test or args.command in (None, "gui"):
            raise CliError("the desktop app and --smoke-test start from `strandrisk` (strandrisk.__main__)")
        handler = {"run": cmd_run, "check": cmd_check, "template": cmd_template, "screen": cmd_screen}[args.command]
        return handler(args)
    except CliError as exc:
        print(f"strandrisk: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("strandrisk: cancelled", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - never a traceback or a class name for the user; the log has it
        from .io.failures import describe_failure

        print(f"strandrisk: error: {describe_failure(exc, f'running strandrisk {args.command}')}", file=sys.stderr)
        return EXIT_UNREADABLE
    except BaseException as exc:  # noqa: BLE001 - a native reader's panic (pyo3 PanicException) outside the worker
        if isinstance(exc, SystemExit):
            raise
        _log_exception()
        print("strandrisk: error: a spreadsheet reader failed on one of the files (damaged or hostile file?): "
              "open it in Excel and save it again as .xlsx", file=sys.stderr)
        return EXIT_UNREADABLE


def _log_exception() -> None:
    import logging

    logging.getLogger("strandrisk").exception("unexpected error in the command line")


# run ---------------------------------------------------------------------------------------------

def load_scenario(path: str | None, sample: bool = False):
    """The scenario of a JSON file; with --sample also a scenario shipped with the sample, by name."""
    from .core.scenario import Scenario, ScenarioError

    if path is None:
        return Scenario.default()
    if sample and not Path(path).exists():
        from .io.spreadsheets.sample_scenarios import sample_scenarios

        shipped = sample_scenarios()
        if path in shipped:
            return Scenario.from_dict(shipped[path])
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CliError(f"scenario file not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise CliError(f"scenario file {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except OSError as exc:
        raise CliError(f"cannot read scenario file {path}: {exc.strerror}") from None
    try:
        return Scenario.from_dict(data)
    except ScenarioError as exc:
        raise CliError(f"scenario file {path}: {exc}", EXIT_INVALID) from None


def load_mapping(path: str | None):
    if path is None:
        return None
    from .io.spreadsheets.mapping import MappingError, read_mapping_file

    try:
        return read_mapping_file(Path(path))
    except MappingError as exc:
        raise CliError(str(exc), EXIT_UNREADABLE) from None


def import_inputs(args):
    from .io.spreadsheets.load import ImportFailure, load_inputs, sample_paths

    paths = list(args.inputs or [])
    if getattr(args, "sample", False):
        paths = [str(p) for p in sample_paths()] + paths
    if not paths:
        raise CliError("no input files: give spreadsheets to read, or --sample for the built-in sample", 2)
    try:
        return load_inputs(paths, mapping=load_mapping(getattr(args, "mapping", None)),
                           tac_selection=tac_selection(args))
    except ImportFailure as exc:
        raise CliError(str(exc), EXIT_UNREADABLE) from None


class TerminalProgress:
    """A single progress line on stderr, shown only on a terminal and only after the first second."""

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.shown = False
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, fraction: float, message: str = "") -> None:
        if not self.enabled or time.monotonic() - self.start < 1.0:
            return
        self.shown = True
        width = 30
        filled = int(round(width * max(0.0, min(1.0, fraction))))
        text = f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}% {message[:40]:<40}"
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _run_overrides(args) -> dict:
    overrides = {}
    if args.simulations is not None:
        if args.simulations < 0:
            raise CliError("--simulations must be 0 or more", EXIT_INVALID)
        overrides["simulations"] = args.simulations
    if args.seed is not None:
        overrides["seed"] = args.seed
    return overrides


def _refuse_imported_errors(imported) -> None:
    if imported is not None and imported.has_errors:
        for problem in imported.problems:
            if problem.severity == "error":
                print(f"  {problem}", file=sys.stderr)
        raise CliError("the inputs have errors (listed above); run `strandrisk check` for every problem", EXIT_INVALID)


def cmd_run(args) -> int:
    from .core.results import run_deterministic
    from .core.scenario import ScenarioError
    from .core.system import ModelInputError

    projects = [p for p in args.inputs or [] if Path(p).suffix.lower() == PROJECT_SUFFIX]
    if projects:
        return run_project(args, projects)
    if args.accept_changed or args.saved_data or args.rerun_simulations:
        raise CliError("--accept-changed, --saved-data and --rerun-simulations go with a saved project "
                       "(.strandrisk)", EXIT_INVALID)
    scenario = load_scenario(args.scenario, sample=args.sample)
    overrides = _run_overrides(args)
    if overrides:
        try:
            scenario = scenario.replace(**overrides)
        except ScenarioError as exc:
            raise CliError(str(exc), EXIT_INVALID) from None
    read = list(args.inputs or []) + [args.mapping, args.scenario]
    if args.sample:
        from .io.spreadsheets.load import sample_paths

        read += [str(p) for p in sample_paths()]
    check_targets(args, read)
    imported = import_inputs(args)
    _refuse_imported_errors(imported)
    try:
        result = run_deterministic(imported.inputs, scenario)
    except ModelInputError as exc:
        raise CliError(str(exc), EXIT_INVALID) from None
    return finish_run(args, result, imported)


def run_project(args, projects: list[str]) -> int:
    """`strandrisk run PROJECT.strandrisk`: re-read the project's files with its mapping, run a named scenario."""
    from .io.spreadsheets.load import ImportFailure
    from .io.project.project_file import ProjectError
    from .workspace import Workspace, WorkspaceError

    if len(projects) > 1 or len(args.inputs) > 1 or args.sample:
        raise CliError("give one .strandrisk project alone (add spreadsheets to it in the app)", EXIT_INVALID)
    ws = Workspace()
    try:
        ws.open(projects[0])
    except ProjectError as exc:
        raise CliError(str(exc), EXIT_UNREADABLE) from None
    if args.scenario is not None:
        if args.scenario not in ws.scenarios:
            raise CliError(f"the project has no scenario called '{args.scenario}'; its scenarios are: "
                           + ", ".join(f"'{n}'" for n in ws.scenarios), EXIT_INVALID)
        ws.switch_scenario(args.scenario)
    if args.mapping:
        ws.mapping = load_mapping(args.mapping).to_dict()
    check_targets(args, [projects[0], args.mapping, *ws.source_paths])
    if args.saved_data or not ws.source_paths:
        if ws.inputs is None:
            raise CliError(f"{Path(projects[0]).name} holds no data: add spreadsheets to it in the app", EXIT_INVALID)
        if not args.saved_data:
            print("note: the project lists no spreadsheets to re-read: modelling the data saved in it", file=sys.stderr)
    else:
        progress = TerminalProgress("Reading")
        try:
            changed = ws.reimport_task(accept_changed=args.accept_changed).run(progress)
        except (WorkspaceError, ImportFailure) as exc:
            raise CliError(str(exc), EXIT_UNREADABLE) from None
        finally:
            progress.close()
        for path in changed:
            print(f"note: {path} changed since the project was saved; its new contents are modelled", file=sys.stderr)
        _refuse_imported_errors(ws.imported)
    overrides = _run_overrides(args)
    if overrides:
        ws.edit_scenario(dict(ws.scenario_dict(), **overrides), "Command-line settings")
    result = ws.result
    if result is None:
        raise CliError(f"scenario '{ws.current_scenario}' cannot be run: {ws.run_problem}", EXIT_INVALID)
    return finish_run(args, result, ws.imported, reuse=_saved_simulations_used(args, ws, result))


def _saved_simulations_used(args, ws, result) -> bool:
    """Whether the project's saved simulations are used as they are (they are when their fingerprint matches
    the data and scenario run now and they have the scenario's number of draws), saying which on stderr."""
    from .workspace.workspace import SIM_SAVED, SIM_SAVED_OUT_OF_DATE

    for note in ws.simulation_notes:
        print(f"note: {note}", file=sys.stderr)
    status, mc, wanted = ws.simulation_status(), result.monte_carlo, int(result.scenario.simulations)
    if status == SIM_SAVED_OUT_OF_DATE and wanted > 0:
        print("note: the simulations saved in the project were run on other data, settings or StrandRisk version: "
              "simulating again", file=sys.stderr)
    if status != SIM_SAVED or mc is None:
        return False
    if args.rerun_simulations or mc.simulations != wanted:
        why = "as asked (--rerun-simulations)" if args.rerun_simulations else \
            f"the project holds {mc.simulations:,} draws and the scenario asks for {wanted:,}"
        if wanted > 0:
            print(f"note: simulating again, {why}", file=sys.stderr)
        result.monte_carlo = None
        return False
    print(f"note: using the {mc.simulations:,} simulations (seed {mc.seed}) saved in the project: the data, the "
          "scenario and the StrandRisk version are those they were run with (--rerun-simulations runs them again)",
          file=sys.stderr)
    return True


def finish_run(args, result, imported, reuse: bool = False) -> int:
    """Tornado, Monte Carlo (unless ``reuse``: the result holds current saved ones), the summary table and
    the files asked for."""
    from .core.simulation import run_monte_carlo, tornado

    if not reuse:
        result.tornado = tornado(result.system, result.scenario)
    if result.scenario.simulations > 0 and not reuse:
        progress = TerminalProgress("Simulating")
        try:
            result.monte_carlo = run_monte_carlo(result.system, result.scenario, progress=progress,
                                                 break_even=result.break_even)
        finally:
            progress.close()
    print(summary_table(result))
    if args.json:
        from .io.report.results_json import write_json

        with _plain_failure(f"writing the results to {args.json}"):
            write_json(result.to_document(), Path(args.json))
        print(f"\nResults written to {args.json}")
    if args.out:
        from .io.report.workbook import write_report

        with _plain_failure(f"writing the report to {args.out}"):
            write_report(result, Path(args.out), imported=imported)
        print(f"Report written to {args.out}")
    return EXIT_OK


@contextmanager
def _plain_failure(doing: str):
    """Any failure of a write (disk full, read-only, folder gone) as one line and exit 2, never a traceback."""
    from .io.failures import describe_failure

    try:
        yield
    except (CliError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - worded by describe_failure, logged when unexpected
        raise CliError(describe_failure(exc, doing), EXIT_UNREADABLE) from None


REPORT_SUFFIXES = (".xlsx",)
NOT_JSON_SUFFIXES = (PROJECT_SUFFIX, ".xlsx", ".xlsm", ".xls", ".ods", ".csv")


def _same_file(a: Path, b: Path) -> bool:
    """The same file by resolved path, or by identity (hard links, different spellings of one path)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _refuse_target(option: str, target: Path, what: str, read, suffixes=None, not_suffixes=()) -> None:
    suffix = target.suffix.lower()
    if suffixes and suffix not in suffixes:
        raise CliError(f"{option} writes {what}: give a file name ending {' or '.join(suffixes)} "
                       f"(not {target.name}); nothing was written", EXIT_UNREADABLE)
    if suffix in not_suffixes:
        raise CliError(f"{option} writes {what}, not a {suffix} file: give a name ending .json "
                       f"(not {target.name}); nothing was written", EXIT_UNREADABLE)
    if target.is_dir():
        raise CliError(f"{option} {target} is a folder: give a file name; nothing was written", EXIT_UNREADABLE)
    if not target.resolve().parent.is_dir():
        raise CliError(f"cannot write {what}: the folder {target.resolve().parent} does not exist", EXIT_UNREADABLE)
    for p in read:
        if p and Path(p).exists() and _same_file(Path(p), target):
            raise CliError(f"refusing to write {what} over {target.name}, a file this command reads; "
                           "choose another name (nothing was written)", EXIT_UNREADABLE)
    from .io.atomic import is_read_only

    if target.exists() and is_read_only(target):
        raise CliError(f"{target.name} is read-only: choose another name, or make it writable first "
                       "(nothing was written)", EXIT_UNREADABLE)


def check_targets(args, read) -> None:
    """Refuse, before any work, a --json or --out that would destroy the project or an input read, that
    names the wrong kind of file, or that cannot be written (the files are left untouched)."""
    read = [str(p) for p in read if p]
    if args.out:
        _refuse_target("--out", Path(args.out), "the Excel report", read, suffixes=REPORT_SUFFIXES)
    if args.json:
        _refuse_target("--json", Path(args.json), "the results as JSON", read, not_suffixes=NOT_JSON_SUFFIXES)
    if args.out and args.json and _same_file(Path(args.out), Path(args.json)):
        raise CliError("--json and --out name the same file: give each its own name", EXIT_UNREADABLE)


def _fmt_money(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"({abs(x):,.0f})" if x < 0 else f"{x:,.0f}"


def summary_table(result) -> str:
    """Per provider and form: status, NPV stranded cost, cumulative surplus, closing cash, worst rating,
    break-even."""
    import numpy as np

    from .core.labels import FORM_LABELS
    from .core.status import STATUS_RULE_TEXT, statuses

    sc = result.scenario
    head = (f"StrandRisk {__version__} - scenario '{sc.name}', base year {result.scenario.to_dict()['base_year']}, "
            f"{result.years[0]} to {result.years[-1]} (GBP 000; brackets are negative)")
    cols = ["Provider", "Form", "Status", "NPV stranded", "Cum. surplus", "Shift impact", "Closing cash",
            "Cash short from", "Worst rating", "Break-even x"]
    rows = []
    sy = result.system
    with_contracts = set(np.asarray(sy.line_provider).tolist())
    status = {form: statuses(result, form) for form in result.forms}
    for p in range(sy.n_providers):
        for form in result.provider_forms(p):
            m = result.forms[form]
            ratings = m["rating_finance"][p]
            worst = "-" if np.all(np.isnan(ratings)) else str(int(np.nanmax(ratings)))
            be = result.break_even.get(form)
            be_text = "n/a" if be is None else ("none" if np.isnan(be[p]) else f"{be[p]:.2f}")
            if p not in with_contracts:
                be_text = "no contracts"
            rows.append([str(sy.provider_code[p]), FORM_LABELS[form], str(status[form][p]),
                         _fmt_money(m["npv_stranded_gbp_k"][p]),
                         _fmt_money(m["cumulative_surplus_gbp_k"][p]), _fmt_money(m["shift_impact_gbp_k"][p]),
                         _fmt_money(m["cash_gbp_k"][p][-1]), result.first_liquidity_risk_year(form, p) or "never",
                         worst, be_text])
    widths = [max(len(str(r[i])) for r in rows + [cols]) for i in range(len(cols))]
    lines = [head, ""]
    lines.append("  ".join(c.ljust(widths[i]) if i < 3 else c.rjust(widths[i]) for i, c in enumerate(cols)))
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(c).ljust(widths[i]) if i < 3 else str(c).rjust(widths[i]) for i, c in enumerate(r)))
    bare = sy.n_providers - len(with_contracts)
    if bare:
        lines.append("")
        from .core.wording import counted

        lines.append(f"{counted(bare, 'provider')} {'has' if bare == 1 else 'have'} no block contracts (TAC data "
                     "alone gives accounts, not contracts): their income and costs follow the scenario's price uplift "
                     "and cost inflation, nothing strands, and both forms are alike. Add Block contracts and Community "
                     "budgets to compare the forms.")
    lines.append("")
    lines.append("Shift impact: cumulative surplus minus the same with no shift of activity out of hospital "
                 "(positive: the shift helps). Cash short from: the first year cash falls below "
                 f"{sc.min_cash_days:g} days of cost. Status: {STATUS_RULE_TEXT}")
    lines.append("")
    lines.append(bridges_text(result))
    if result.tornado is not None:
        lines.append("")
        lines.append(drivers_text(result))
    if result.monte_carlo is not None:
        lines.append("")
        lines.append(result.monte_carlo.summary_text(result))
    return "\n".join(lines)


def _signed(x: float) -> str:
    """+32,327 / -71,470: an effect on surplus, as MODEL.md writes the bridges."""
    if abs(x) < 0.5:
        return "0"
    return f"{'-' if x < 0 else '+'}{abs(x):,.0f}"


def _effects(bridge: dict) -> str:
    """The largest effects named, the rest summed."""
    from .workspace.explain import component_label, largest_effects

    named, others, rest = largest_effects(bridge)
    parts = [f"{component_label(name)} {_signed(v)}" for name, v in named]
    if others:
        parts.append(f"{others} other{'s' if others > 1 else ''} {_signed(rest)}")
    return ", ".join(parts) if parts else "no effect"


def bridges_text(result) -> str:
    """Each provider's shift bridge per form and its form bridge: what the headline figures are made of."""
    from .core.labels import FORM_LABELS
    from .workspace.explain import form_bridge, shift_bridge

    sy = result.system
    lines = ["What the figures are made of (GBP 000, effects on the cumulative surplus; the largest named, "
             "the rest summed):",
             "  shift bridge = the run minus the same with no shift, adding up to the shift impact;",
             "  form bridge  = integrated minus acute-only, adding up to the difference in cumulative surplus."]
    entries = []  # (provider code, which bridge, bridge)
    for p in range(sy.n_providers):
        code = str(sy.provider_code[p])
        for form in result.provider_forms(p):
            entries.append((code, f"shift, {FORM_LABELS[form].lower()}", shift_bridge(result, form, p)))
        bridge = form_bridge(result, p)
        if bridge is not None:
            entries.append((code, "integrated - acute-only", bridge))
    totals = [_signed(sum(bridge.values())) for _c, _w, bridge in entries]
    widths = [max(len(e[i]) for e in entries) for i in (0, 1)] + [max(len(t) for t in totals)]
    for (code, which, bridge), total in zip(entries, totals):
        lines.append(f"{code.ljust(widths[0])}  {which.ljust(widths[1])}  {total.rjust(widths[2])} = "
                     f"{_effects(bridge)}")
    return "\n".join(lines)


def drivers_text(result) -> str:
    """The assumption that moves each tornado metric most, per provider and form."""
    from .core.labels import FORM_LABELS
    from .core.simulation import TORNADO_METRIC_LABELS, TORNADO_METRICS
    from .workspace.explain import biggest_drivers

    sy = result.system
    cols = ["Provider", "Form"] + [TORNADO_METRIC_LABELS[m] for m in TORNADO_METRICS]
    rows = []
    for p in range(sy.n_providers):
        for form in result.provider_forms(p):
            if form not in result.tornado.forms:
                continue
            rows.append([str(sy.provider_code[p]), FORM_LABELS[form]]
                        + [label if label == "-" else f"{label}: {swing:,.0f}"
                           for _metric, label, swing in biggest_drivers(result.tornado, form, p)])
    widths = [max(len(r[i]) for r in rows + [cols]) for i in range(len(cols))]
    lines = ["Biggest driver of each metric (tornado: each uncertain assumption at the low and the high end of its "
             "range, the rest at their modes; after it, how far apart the two ends put the metric, GBP 000)", ""]
    lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(cols)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)


# screen ------------------------------------------------------------------------------------------

def _add_screen_parser(sub) -> None:
    screen = sub.add_parser("screen", help="screen every trust in England from NHS England's TAC files alone")
    screen.add_argument("inputs", nargs="+", metavar="TAC_FILE", help="TAC data workbooks (both sectors, any years)")
    screen.add_argument("--scenario", metavar="FILE", help="scenario JSON file (defaults for anything it leaves out)")
    screen.add_argument("--settings", metavar="FILE",
                        help="screen settings JSON: fixed_term_years, elective_variable_rate, "
                             "emergency_variable_rate, community_ratio")
    screen.add_argument("--tac-region", metavar="NAME", help="only trusts in this NHS England region")
    screen.add_argument("--json", metavar="FILE", help="write every trust's status, flags, inputs and results")
    screen.add_argument("--out", metavar="SCREEN.xlsx", help="write the screen workbook")
    screen.add_argument("--export-inputs", metavar="DIR",
                        help="write DIR/inputs.xlsx (the derived inputs, template layout) and DIR/scenario.json")


def cmd_screen(args) -> int:
    """`strandrisk screen`: both forms for every trust of the TAC files, ranked (logic in io/tac/screen.py)."""
    from .io.failures import ImportFailure
    from .io.tac.derive import ScreenSettings
    from .io.tac.reader import TacSelection
    from .io.tac.screen import Screen, ranked_table_text
    from .io.tac.screen_export import write_inputs, write_screen_workbook

    scenario = load_scenario(args.scenario)
    settings = ScreenSettings()
    if args.settings:
        try:
            settings = ScreenSettings.from_dict(json.loads(Path(args.settings).read_text(encoding="utf-8-sig")))
        except (OSError, json.JSONDecodeError, ValueError, TypeError) as exc:
            raise CliError(f"screen settings {args.settings}: {getattr(exc, 'strerror', None) or exc}",
                           EXIT_INVALID) from None
    check_targets(args, args.inputs)
    if args.export_inputs and Path(args.export_inputs).is_dir():
        for name in ("inputs.xlsx", "scenario.json"):
            _refuse_target("--export-inputs", Path(args.export_inputs) / name, "the derived inputs",
                           [*args.inputs, args.scenario, args.settings])
    region = (args.tac_region or "").strip()
    progress = TerminalProgress("Reading")
    try:
        screen = Screen(args.inputs, TacSelection(regions=[region] if region else []), progress)
    except ImportFailure as exc:
        raise CliError(str(exc), EXIT_UNREADABLE) from None
    finally:
        progress.close()
    result = screen.run(scenario, settings)
    for problem in result.problems:
        if problem.severity in ("error", "warning"):
            print(f"  {problem}", file=sys.stderr)
    if result.result is None:
        raise CliError("no trust could be screened", EXIT_INVALID)
    print(ranked_table_text(result))
    with _plain_failure("writing the screen"):
        if args.json:
            from .io.report.results_json import write_json

            write_json(result.to_document(), Path(args.json))
            print(f"\nScreen written to {args.json}")
        if args.export_inputs:
            path = write_inputs(result, Path(args.export_inputs), args.inputs)
            print(f"Derived inputs written to {path} (run them with: strandrisk run {path} --scenario "
                  f"{Path(args.export_inputs) / 'scenario.json'})")
        if args.out:
            write_screen_workbook(result, Path(args.out), args.inputs)
            print(f"Screen workbook written to {args.out}")
    return EXIT_OK


# check and template --------------------------------------------------------------------------------

def cmd_check(args) -> int:
    from .io.spreadsheets.check import run_check

    return run_check(args.inputs, mapping_path=args.mapping, as_json=args.json, tac_selection=tac_selection(args))


def cmd_template(args) -> int:
    from .io.spreadsheets.template import write_template

    path = Path(args.path)
    if path.suffix.lower() != ".xlsx":
        raise CliError(f"the template is an Excel workbook: give a name ending .xlsx (not {path.name})", EXIT_UNREADABLE)
    if path.exists() and not args.force:
        raise CliError(f"{path} already exists: choose another name, or add --force to replace it", EXIT_UNREADABLE)
    with _plain_failure(f"writing the template to {path}"):
        write_template(path)
    print(f"Template written to {path}")
    return EXIT_OK
