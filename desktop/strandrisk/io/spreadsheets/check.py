"""`strandrisk check FILE... [--mapping FILE] [--json]`: what was found in each sheet, then every problem.

Exit 0 when the inputs are usable (warnings allowed), 1 when a value or column is invalid, 2 when a
file (or the mapping file) cannot be read at all.
"""

from __future__ import annotations

import json
import sys

from ...core.problems import NOTE, by_severity, severity_counts
from ...core.wording import counted
from .matching import CONFIDENT

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def run_check(paths, mapping_path=None, as_json: bool = False, out=None, tac_selection=None) -> int:
    from .load import ImportFailure, load_inputs
    from .mapping import MappingError, read_mapping_file

    out = out or sys.stdout
    try:
        mapping = read_mapping_file(mapping_path) if mapping_path else None
        result = load_inputs(list(paths), mapping=mapping, tac_selection=tac_selection)
    except (ImportFailure, MappingError) as exc:
        if as_json:
            print(json.dumps({"ok": False, "unreadable": str(exc), "sheets": [], "problems": []}), file=out)
        else:
            print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    code = EXIT_INVALID if result.has_errors else EXIT_OK
    if as_json:
        doc = {"ok": code == EXIT_OK,
               "sheets": [s.to_dict() for s in result.sheets],
               "problems": [p.to_dict() | {"where": p.where} for p in by_severity(result.problems)],
               "value_mappings": [v.to_dict() for v in result.value_mappings],
               "counts": {k: t.n_rows for k, t in result.inputs.tables().items()}}
        print(json.dumps(doc, indent=2, default=str), file=out)
        return code
    for s in result.sheets:
        if s.kind:
            line = (f"{s.file}: {s.sheet}: {s.kind}, {counted(s.rows, 'row')} (header in row {s.header_row}), "
                    f"{counted(len(s.mapping), 'column')} mapped")
        else:
            line = f"{s.file}: {s.sheet}: not used"
        print(line, file=out)
        confidence = getattr(s, "confidence", {}) or {}
        chosen = set(getattr(s, "chosen", ()))
        renamed = [f"{_short(h)} -> {n}" + (" (your choice)" if h in chosen else
                                            f" ({confidence[h]:.0%})" if h in confidence else "")
                   for h, n in s.mapping.items() if _plain(h) != _plain(n) and not _is_template_header(s.kind, h, n)]
        if renamed:
            print(f"    mapped (confidence): {', '.join(renamed[:12])}" + (" ..." if len(renamed) > 12 else ""),
                  file=out)
        weak = [h for h, c in confidence.items() if c < CONFIDENT]
        if weak:
            print(f"    to confirm: {', '.join(_short(h) for h in weak)} (weak matches, see the warnings)", file=out)
        if s.unmapped:
            print(f"    columns not used: {', '.join(_short(h) for h in s.unmapped[:20])}"
                  + (" ..." if len(s.unmapped) > 20 else ""), file=out)
        read = _value_lines(s)
        if read:
            print(f"    values read by meaning: {'; '.join(read[:12])}" + (" ..." if len(read) > 12 else ""),
                  file=out)
        for note in s.notes:
            print(f"    {note}", file=out)
    shown = [p for p in by_severity(result.problems) if p.severity != NOTE]
    if shown:
        print("", file=out)
        for p in shown[:1000]:
            print(str(p), file=out)
        if len(shown) > 1000:
            print(f"... and {len(shown) - 1000} more (use --json for all of them)", file=out)
    print(f"\n{severity_counts(result.problems, notes=False)}. "
          + ("The inputs cannot be used until the errors are fixed." if code else "The inputs can be used."),
          file=out)
    return code


def _value_lines(sheet) -> list[str]:
    """"'EL' -> Elective (elective), by the matcher (100% sure)" for each value read as another."""
    from ...core.labels import value_label

    return [f"{_short(v.written)} -> {value_label(v.used, with_key=True)}, by {v.decided_by}"
            for v in getattr(sheet, "value_mappings", ())]


def _short(header: str) -> str:
    """A header as printed: quoted, spacing collapsed, at most 60 characters."""
    text = " ".join(str(header)[:200].split())
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _plain(text: str) -> str:
    return "".join(ch for ch in str(text).lower() if ch.isalnum())


def _is_template_header(kind_key, header: str, name: str) -> bool:
    from ...core import schema

    kind = schema.KINDS_BY_KEY.get(kind_key)
    if kind is None or name not in kind.names:
        return False
    return _plain(kind.column(name).header) == _plain(header)
