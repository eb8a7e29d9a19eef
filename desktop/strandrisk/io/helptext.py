"""Help derived from core/schema.py at runtime: the column tables of each input kind.

The app's help pane, the report's Inputs sheet and the template's instructions all call these,
so the help can never list a column the importer does not know.
"""

from __future__ import annotations

from ..core import schema, vocabulary

TYPE_WORDS = {
    schema.TEXT: "text", schema.CODE: "ODS code", schema.MONEY: "money", schema.NUMBER: "number",
    schema.COUNT: "count", schema.SHARE: "share (0 to 1, or a %)", schema.BOOL: "Yes or No",
    schema.FY: "financial year (2025/26)", schema.DATE: "date (dd/mm/yyyy)", schema.MONTH: "month (M1 to M12)",
    schema.ENUM: "one of a list", schema.YEARS: "years",
}


def column_rows(kind: schema.InputKind) -> list[dict]:
    """One dict per column: header, name, type, need, allowed, help (plain strings)."""
    rows = []
    for col in kind.columns:
        if col.required:
            need = "required"
        elif col.default is not None:
            need = f"optional, default {_fmt_default(col.default)}"
        else:
            need = "optional"
        kind_word = TYPE_WORDS.get(col.type, col.type)
        if col.unit and col.unit not in kind_word:
            kind_word = f"{kind_word}, {col.unit}"
        rows.append({"header": col.header, "name": col.name, "type": kind_word, "need": need,
                     "allowed": ", ".join(col.allowed), "help": col.help, "limits": plausible_words(col)})
    return rows


def plausible_words(col: schema.Column) -> str:
    """The values a column accepts, in words ('' for text and lists): from schema.value_range."""
    limits = schema.value_range(col)
    if limits is None:
        return ""
    low, high = limits
    rule = schema.PLAUSIBLE[col.type]
    if (low, high) == (rule.low, rule.high):
        return rule.words
    if col.type == schema.SHARE:
        return f"{low:.0%} to {high:.0%}"
    if col.type == schema.MONEY:
        return f"{_money(low)} to {_money(high)}"
    return f"{_number(low)} to {_number(high)}"


def _money(v: float) -> str:
    return "£0" if v == 0 else f"{'-' if v < 0 else ''}£{abs(v) / 1e6:g}bn"


def _number(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:g}"


def limits_markdown() -> str:
    """Markdown: the plausibility limit of each value type, then every column that narrows it."""
    lines = ["| Type | Values accepted |", "|---|---|"]
    for type_key, rule in schema.PLAUSIBLE.items():
        lines.append(f"| {_md_escape(TYPE_WORDS.get(type_key, type_key))} | {_md_escape(rule.words)} |")
    narrower = []
    for kind in schema.INPUT_KINDS:
        for col in kind.columns:
            words = plausible_words(col)
            if words and words != schema.PLAUSIBLE[col.type].words:
                narrower.append(f"| {kind.sheet} | {_md_escape(col.header)} | {_md_escape(words)} |")
    if narrower:
        lines += ["", "Columns with a narrower range:", "", "| Sheet | Column | Values accepted |", "|---|---|---|"]
        lines += narrower
    return "\n".join(lines) + "\n"


def _fmt_default(v) -> str:
    if isinstance(v, bool):
        return "Yes" if v else "No"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|")


def input_kinds_markdown(heading_level: int = 3) -> str:
    """Markdown: for each input kind, its help and a table of its columns."""
    hashes = "#" * heading_level
    parts = []
    for kind in schema.INPUT_KINDS:
        parts.append(f"{hashes} {kind.sheet}\n\n{kind.help}\n")
        parts.append("| Column (template header) | Canonical name | Type | Needed | Allowed values | Meaning |")
        parts.append("|---|---|---|---|---|---|")
        for r in column_rows(kind):
            parts.append("| " + " | ".join(_md_escape(r[k]) for k in
                                             ("header", "name", "type", "need", "allowed", "help")) + " |")
        parts.append("")
    return "\n".join(parts)


def header_words_markdown() -> str:
    """Markdown: the words each column is recognised by, the words that mean the same anywhere in a
    header, and the words for each allowed value (all from core/vocabulary.py)."""
    lines = []
    for kind in schema.INPUT_KINDS:
        lines.append(f"- **{kind.sheet}**")
        for col in kind.columns:
            words = vocabulary.HEADERS.get(kind.key, {}).get(col.name, ())
            weak = vocabulary.WEAK_HEADERS.get(kind.key, {}).get(col.name, ())
            if words:
                lines.append(f"  - {col.label}: " + ", ".join(f"`{s}`" for s in words)
                             + ("; more weakly " + ", ".join(f"`{s}`" for s in weak) if weak else ""))
    lines.append("")
    lines.append("Words that mean the same anywhere in a header (the word on the left is used for all of them):")
    lines.append("")
    for word, same in vocabulary.CONCEPTS.items():
        lines.append(f"- `{word}`: " + ", ".join(f"`{s}`" for s in same))
    lines.append("")
    lines.append("Words read as each allowed value:")
    lines.append("")
    for set_name, values in vocabulary.VALUES.items():
        columns = ", ".join(c for c, v in vocabulary.VALUE_SET_OF_COLUMN.items() if v == set_name)
        lines.append(f"- **{columns}**")
        for value, words in values.items():
            lines.append(f"  - {value}: " + ", ".join(f"`{w}`" for w in words))
    return "\n".join(lines)


def fill_generated(text: str) -> str:
    """Fill the generated parts ({{input_kinds}}, {{header_words}}, {{value_limits}}) of any help page."""
    if "{{" not in text:
        return text
    return (text.replace("{{input_kinds}}", input_kinds_markdown())
                .replace("{{header_words}}", header_words_markdown())
                .replace("{{value_limits}}", limits_markdown()))


def import_help_markdown() -> str:
    """resources/help/import.md with its generated parts filled in."""
    from importlib.resources import files

    return fill_generated(files("strandrisk.resources").joinpath("help", "import.md").read_text(encoding="utf-8"))
