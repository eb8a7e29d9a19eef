"""The one header matcher: reads a header (or an enumerated value) by meaning.

A header is cut to ``MAX_CELL_CHARS`` and split into words once, by a single character-class scan,
so every step is linear in the cell's length (a header cell holding 40,000 spaces costs microseconds).
The words are then normalised:

- units (``(£000)``, ``£k``, ``£'000``, ``(£m)``, ``(£)``) are taken out and remembered: they scale money;
- financial years and dates (``2025/26``, ``FY26``, ``25-26``, ``31 Mar 2026``) are taken out;
- ``%``, ``percent``, ``proportion`` become ``share``; ``?`` and ``(Y/N)`` become ``flag``; ``&`` is ``and``;
- plurals are made singular and American spellings British;
- the concepts of ``core/vocabulary.py`` rewrite phrases to one word (``cap`` -> ``ceiling``).

Before the concepts, a word the vocabulary does not know is corrected to the one vocabulary word a
single edit away (rapidfuzz's optimal string alignment distance: a letter added, dropped, changed or
two swapped), when there is exactly one. A bracketed remark (``End year (blank = rolling)``) is read
both with and without it. A header then scores against each field's phrases: 1 when the words are
the same set, less when the header has a word or two more or fewer, weighted so that words many
columns share count less.
Each sheet is solved as an assignment (``assign``): a column maps to at most one field and a field
to at most one column, for the best total score.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from ...core import schema, vocabulary as vocab

MAX_CELL_CHARS = 200  # a header is never longer; longer cells are cut before any text operation
CONFIDENT = 0.88  # at or above: mapped without a word
MIN_MAP = 0.74  # at or above (and below CONFIDENT): mapped with a warning asking the user to confirm
NEAREST = 0.40  # an unmapped column names the nearest field when it scores at least this

_WORD = re.compile(r"[A-Za-z]+|[0-9]+|[£%&?$€/]")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
           "january", "february", "march", "april", "june", "july", "august", "september", "october",
           "november", "december"}
_FORMAT_HINTS = {"yyyy", "yy", "dd", "mm", "mmm", "mmmm", "yyyymmdd", "ddmmyyyy", "eg", "ie", "etc"}
_THOUSANDS = {"000", "k", "thousand", "thousands", "000s"}
_MILLIONS = {"m", "mn", "million", "millions", "mill"}
_MONEY = {"£", "gbp", "pound", "pounds", "sterling"}


@dataclass(frozen=True)
class Words:
    """A normalised header: its meaning words (in order) and the money scale its unit implies."""

    tokens: tuple[str, ...]
    scale: float | None = None
    penalty: float = 1.0  # below 1 when a typing slip was corrected
    alt: tuple[str, ...] | None = None  # the words without the header's remarks in brackets

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def _singular(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ss", "us", "is", "ous")):
        return word
    if word.endswith("s"):
        return word[:-1]
    return word


def _spell(word: str) -> str:
    word = vocab.SPELLING.get(word, word)
    if word.endswith(("ization", "izations")):
        word = word.replace("ization", "isation")
    return word


def _raw_words(text: str) -> list[str]:
    text = _CAMEL.sub(" ", text[:MAX_CELL_CHARS].replace("\u00a0", " "))
    return [w.lower() for w in _WORD.findall(text)]


def _units(words: list[str]) -> tuple[list[str], float | None]:
    """Take the money units out of a word list; 'per £1m' stays as the words 'per million'."""
    out: list[str] = []
    scale = None
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        if w in _MONEY or (w == "k" and i + 1 < n and words[i + 1] == "£"):
            j = i + 1
            if w == "k":  # k£
                j, unit = i + 2, 1.0
            else:
                while j < n and words[j] == "1":
                    j += 1
                nxt = words[j] if j < n else ""
                if nxt in _THOUSANDS:
                    unit, j = 1.0, j + 1
                    if j < n and words[j] == "s":
                        j += 1
                elif nxt in _MILLIONS:
                    unit, j = 1000.0, j + 1
                else:
                    unit = 0.001
            if out and out[-1] == "per":
                out.append({1.0: "thousand", 1000.0: "million", 0.001: "pound"}[unit])
            elif scale is None:
                scale = unit
            i = j
            continue
        if w in ("000", "000s") or (w == "000" and i + 1 < n and words[i + 1] == "s"):
            scale = 1.0 if scale is None else scale
            i += 2 if (i + 1 < n and words[i + 1] == "s") else 1
            continue
        if w in ("millions",) and out and out[-1] == "in":
            out.pop()
            scale = 1000.0 if scale is None else scale
            i += 1
            continue
        out.append(w)
        i += 1
    return out, scale


def _dates_out(words: list[str]) -> list[str]:
    """Financial years and dates inside a header carry no meaning for the column."""
    has_digits = any(w.isdigit() for w in words)
    out = []
    for k, w in enumerate(words):
        if w in _FORMAT_HINTS or (w in ("e", "i") and k + 1 < len(words) and words[k + 1] in ("g", "e")) \
                or (w in ("g", "e") and k > 0 and words[k - 1] in ("e", "i") and w != words[k - 1]):
            continue
        if w.isdigit():
            if out and out[-1] == "per" and w == "1":
                continue
            continue
        if w == "fy" and k + 1 < len(words) and words[k + 1].isdigit():
            continue
        if has_digits and w in _MONTHS:
            continue
        if w == "m" and k > 0 and words[k - 1].isdigit():  # M1..M12 next to a year
            continue
        out.append(w)
    return out


def _flags(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if i + 2 < len(words) and words[i + 1] == "/" and (w, words[i + 2]) in (("y", "n"), ("yes", "no"),
                                                                               ("true", "false")):
            out.append("flag")
            i += 3
            continue
        if w == "yn":
            out.append("flag")
        elif w == "?":
            out.append("flag")
        elif w == "%":
            out.append("share")
        elif w == "&":
            out.append("and")
        elif w in ("/", "$", "€"):
            pass
        else:
            out.append(w)
        i += 1
    return out


def _base_words(text: str) -> tuple[list[str], float | None]:
    words, scale = _units(_raw_words(text))
    words = _flags(_dates_out(words))
    return [_singular(_spell(w)) for w in words], scale


def _phrase_table(groups: dict[str, tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for word, phrases in groups.items():
        for phrase in phrases:
            key = tuple(_base_words(phrase)[0])
            if key:
                table.setdefault(key, word)
    return table


@functools.lru_cache(maxsize=1)
def _tables():
    concepts = _phrase_table(vocab.CONCEPTS)
    concepts.update(_phrase_table({"share": vocab.SHARE_WORDS, "flag": vocab.FLAG_WORDS}))
    longest = max(len(k) for k in concepts)
    return concepts, longest, frozenset(vocab.STOP_WORDS)


def _rewrite(words: list[str], concepts, longest: int) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            hit = concepts.get(tuple(words[i:i + n]))
            if hit is not None:
                out.append(hit)
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


_REMARK = re.compile(r"\([^()]*\)")
REMARK_FACTOR = 0.97  # the reading without a bracketed remark loses ties to the full reading


def _meaning(words: list[str]) -> tuple[str, ...]:
    concepts, longest, stops = _tables()
    words = _rewrite(words, concepts, longest)
    kept = [w for w in words if w not in stops]
    return tuple(dict.fromkeys(kept if kept else words))


@functools.lru_cache(maxsize=65536)
def _normalise_cut(text: str) -> Words:
    words, scale = _base_words(text)
    words, penalty = _correct(words)
    alt = None
    if "(" in text:  # 'Provider name (as per ODS)', 'End year (blank = rolling)': also read without it
        rest, _ = _base_words(_REMARK.sub(" ", text))
        if rest and rest != words:
            rest, p2 = _correct(rest)
            alt = _meaning(rest)
            penalty = min(penalty, p2) if alt else penalty
    return Words(_meaning(words), scale, penalty, alt)


@functools.lru_cache(maxsize=8192)
def _phrase_words(text: str) -> tuple[str, ...]:
    """A vocabulary phrase's meaning words (no typo correction: the vocabulary is spelt right)."""
    return _meaning(_base_words(text)[0])


def normalise(text) -> Words:
    """A header's meaning words and unit scale. Linear in the cell's length (cut first)."""
    if text is None:
        return Words(())
    return _normalise_cut(str(text)[:MAX_CELL_CHARS])


def header_scale(text) -> float | None:
    """The money scale a header's unit implies (1.0 for £000/£k, 1000 for £m, 0.001 for £); None if none."""
    return normalise(text).scale


# Fields and scoring --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str
    phrases: tuple[str, ...]  # the first ones (name, label) are the field's own words
    weak: tuple[str, ...] = ()  # phrases that hint at the field more weakly


class FieldSet:
    """The fields of one kind (an input kind or a TAC sheet), with their phrases normalised once."""

    def __init__(self, key: str, fields: list[Field]):
        self.key = key
        self.fields = fields
        self.index: dict[str, list[tuple[int, frozenset, float]]] = {}
        self.value_words: dict[int, dict[str, str]] = {}  # enumerated field -> {word: allowed value}
        for f, field in enumerate(fields):
            seen = set()
            for k, phrase in enumerate(field.phrases + field.weak):
                tokens = frozenset(_phrase_words(phrase))
                if not tokens or tokens in seen:
                    continue
                seen.add(tokens)
                # the field's own words win a tie; weak hints lose to any other reading
                weight = 1.0 if k < 2 else (0.999 if k < len(field.phrases) else WEAK_WEIGHT)
                for t in tokens:
                    self.index.setdefault(t, []).append((f, tokens, weight))
            if field.type == schema.ENUM:
                words = {}
                for value, phrases in value_words_of(field.name).items():
                    for phrase in (value.replace("_", " "),) + phrases:
                        tokens = _phrase_words(phrase)
                        if len(tokens) == 1:
                            words.setdefault(tokens[0], value)
                self.value_words[f] = words
        self._cache: dict[tuple[str, ...], np.ndarray] = {}

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def scores(self, words: Words) -> np.ndarray:
        """Score of this header against every field (0 to 1)."""
        key = (words.tokens, words.alt, words.penalty)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        out = self._score_tokens(frozenset(words.tokens)) * words.penalty
        if words.alt:
            out = np.maximum(out, self._score_tokens(frozenset(words.alt)) * words.penalty * REMARK_FACTOR)
        if len(self._cache) < 20000:
            self._cache[key] = out
        return out

    def _score_tokens(self, header: frozenset) -> np.ndarray:
        out = np.zeros(len(self.fields))
        if header:
            for t in header:
                for f, phrase, weight in self.index.get(t, ()):
                    s = _set_score(header, phrase, self.fields[f].type) * weight
                    if s > out[f]:
                        out[f] = s
            for f, named in self.value_words.items():  # 'Block or activity?' names the allowed values
                if len({named[t] for t in header if t in named}) >= 2:
                    out[f] = max(out[f], 0.9)
        return out


def _set_score(header: frozenset, phrase: frozenset, type_: str) -> float:
    best = _plain_set_score(header, phrase)
    for hint, kinds in (("share", (schema.SHARE,)), ("flag", (schema.BOOL, schema.ENUM))):
        # 'Clawback %' names a share; 'Rebase?' a flag; 'Modelled as?' asks which of a list of values
        if hint in header and hint not in phrase and type_ in kinds and len(header) > 1:
            best = max(best, _plain_set_score(header - {hint}, phrase))
    return best


def _plain_set_score(header: frozenset, phrase: frozenset) -> float:
    """1 for the same words; less for extra or missing words, weighted so that a word many columns
    use ('organisation', 'year') counts less than one few use ('vehicle', 'clawback')."""
    if header == phrase:
        return 1.0
    w = _word_weight
    common = header & phrase
    if len(common) == len(phrase) and len(header) - len(phrase) <= 2 and not (header - phrase) & _NEGATIONS:
        # the header says a little more (but 'Non-recurrent income' is not income)
        return 0.70 + 0.25 * sum(map(w, phrase)) / sum(map(w, header))
    if len(common) == len(header):  # the header says less
        return 0.60 + 0.25 * sum(map(w, header)) / sum(map(w, phrase))
    return 0.6 * sum(map(w, common)) / sum(map(w, header | phrase))


def _word_weight(word: str) -> float:
    return _weights().get(word, 1.0)


@functools.lru_cache(maxsize=1)
def _weights() -> dict[str, float]:
    """1 / sqrt(number of input columns whose phrases use the word)."""
    count: dict[str, int] = {}
    for kind in schema.INPUT_KINDS:
        for field in _schema_fields(kind):
            words = {t for phrase in field.phrases for t in _phrase_words(phrase)}
            for t in words:
                count[t] = count.get(t, 0) + 1
    return {t: 1.0 / n ** 0.5 for t, n in count.items()}


@functools.lru_cache(maxsize=1)
def _known_words() -> tuple[frozenset, list[str]]:
    """Every word the vocabulary spells (before concepts are applied): typos are corrected to these."""
    texts: list[str] = []
    for word, phrases in vocab.CONCEPTS.items():
        texts.append(word)
        texts.extend(phrases)
    for kinds in (vocab.HEADERS, vocab.WEAK_HEADERS, vocab.TAC_HEADERS):
        for fields in kinds.values():
            for name, phrases in fields.items():
                texts.extend(phrases)
    for kind in schema.INPUT_KINDS:
        texts.extend(c.label for c in kind.columns)
    texts.extend(vocab.SPELLING.values())
    texts.extend(vocab.SHARE_WORDS + vocab.FLAG_WORDS)
    known = {w for t in texts for w in _base_words(t)[0] if w.isalpha()}
    return frozenset(known), sorted(known)


@functools.lru_cache(maxsize=8192)
def _correct_word(word: str) -> tuple[str, float]:
    """The vocabulary word a typing slip meant: one edit away (a letter added, dropped, changed or two
    swapped; two edits in words of 8 letters or more), and only when a single word is that close."""
    known, ordered = _known_words()
    if word in known or len(word) < 3 or not word.isalpha() or word in vocab.STOP_WORDS:
        return word, 1.0
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    most = 2 if len(word) >= 8 else 1
    hits = process.extract(word, ordered, scorer=OSA.distance, score_cutoff=most, limit=8)
    if len(word) == 3:  # three letters: only two letters swapped ('Ned' for 'end')
        hits = [h for h in hits if len(h[0]) == 3 and sorted(h[0]) == sorted(word)]
    if not hits:
        return word, 1.0
    best = min(h[1] for h in hits)
    closest = [h[0] for h in hits if h[1] == best]
    if len(closest) != 1 or len(closest[0]) < 3:
        return word, 1.0  # two words as close: no guess
    return closest[0], 0.94


def _correct(words: list[str]) -> tuple[list[str], float]:
    """Typos corrected to the nearest vocabulary word (before concepts are applied); the penalty is
    the lowest factor used."""
    penalty = 1.0
    out = []
    for w in words:
        fixed, p = _correct_word(w)
        out.append(fixed)
        penalty = min(penalty, p)
    return out, penalty


WEAK_WEIGHT = 0.93


def _schema_fields(kind: schema.InputKind) -> list[Field]:
    words = vocab.HEADERS.get(kind.key, {})
    weak = vocab.WEAK_HEADERS.get(kind.key, {})
    out = []
    for col in kind.columns:
        own = (col.name.removesuffix("_gbp_k").removesuffix("_gbp").replace("_", " "), col.label)
        out.append(Field(col.name, col.label, col.type, own + tuple(words.get(col.name, ())),
                         tuple(weak.get(col.name, ()))))
    return out


@functools.lru_cache(maxsize=1)
def _all_field_sets() -> dict[str, FieldSet]:
    sets = {k.key: FieldSet(k.key, _schema_fields(k)) for k in schema.INPUT_KINDS}
    for key, fields in vocab.TAC_HEADERS.items():
        sets[key] = FieldSet(key, [Field(name, name, schema.TEXT, (name,) + phrases)
                                   for name, phrases in fields.items()])
    return sets


def field_set(key: str) -> FieldSet:
    return _all_field_sets()[key]


# Assignment ----------------------------------------------------------------------------------------

def _hungarian_max(weights: np.ndarray) -> list[int]:
    """For each row the column assigned (or -1), maximising the total weight; rows <= columns.

    The classic O(n^2 m) shortest augmenting path method with potentials (matrices here are a few
    dozen wide at most, so a plain implementation is fast enough and needs no scipy).
    """
    n, m = weights.shape
    cost = (weights.max() if weights.size else 0.0) - weights
    inf = float("inf")
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    p = [0] * (m + 1)
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], inf, 0
            row = cost[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    out = [-1] * n
    for j in range(1, m + 1):
        if p[j]:
            out[p[j] - 1] = j - 1
    return out


def assign(scores: np.ndarray, minimum: float = MIN_MAP) -> dict[int, tuple[int, float]]:
    """{row: (column, score)} maximising the total score; pairs below ``minimum`` are never made.

    scores[i, f] is header i against field f. Earlier headers win ties (a repeated column is the
    later one), so a tiny preference for lower row numbers is added before solving.
    """
    if scores.size == 0:
        return {}
    usable = np.where(scores >= minimum, scores, 0.0)
    rows = np.flatnonzero(usable.max(axis=1) > 0)
    cols = np.flatnonzero(usable.max(axis=0) > 0)
    if not len(rows):
        return {}
    if len(rows) > len(cols) ** 2:  # a very wide sheet: some optimal assignment uses, for each field,
        # only its best len(cols) columns, so the others are left out of the solve (exactly)
        top = np.argsort(-usable[rows][:, cols], axis=0, kind="stable")[:len(cols)]
        rows = np.unique(rows[top.ravel()])
    sub = usable[np.ix_(rows, cols)] - 1e-6 * np.arange(len(rows))[:, None] * (usable[np.ix_(rows, cols)] > 0)
    if len(rows) <= len(cols):
        pick = _hungarian_max(sub)
        pairs = [(r, c) for r, c in enumerate(pick) if c >= 0]
    else:
        pick = _hungarian_max(sub.T)
        pairs = [(r, c) for c, r in enumerate(pick) if r >= 0]
    out = {}
    for r, c in pairs:
        s = float(usable[rows[r], cols[c]])
        if s > 0:
            out[int(rows[r])] = (int(cols[c]), s)
    return out


SHEET_HINT_BONUS = 0.5


def sheet_hint(sheet_name: str, kind_key: str) -> float:
    """A small bonus when a sheet's name hints at a kind ('Contracts 25-26' -> block_contracts)."""
    words = set(normalise(sheet_name).tokens)
    hints = {t for phrase in vocab.SHEET_HINTS.get(kind_key, ()) for t in normalise(phrase).tokens}
    return SHEET_HINT_BONUS if words & hints else 0.0


def match_row(cells, key: str, overrides: dict | None = None, ignore: str = "ignore"):
    """One candidate header row against a kind's fields: ({column index: field}, {column index: confidence}).

    overrides: the user's own choices (source header -> field or ``ignore``), taken as they are; the
    other text cells are solved as one assignment.
    """
    fs = field_set(key)
    overrides = overrides or {}
    out: dict[int, str] = {}
    conf: dict[int, float] = {}
    at, rows = [], []
    for j, h in enumerate(cells):
        if not isinstance(h, str) or not h.strip():
            continue
        text = h.strip()[:MAX_CELL_CHARS]
        if text in overrides:
            if overrides[text] != ignore and overrides[text] in fs.names:
                out[j], conf[j] = overrides[text], 1.0
            continue
        at.append(j)
        rows.append(fs.scores(normalise(text)))
    if at:
        scores = np.vstack(rows)
        scores[:, [fs.names.index(n) for n in out.values()]] = 0.0
        for r, (f, s) in assign(scores).items():
            out[at[r]], conf[at[r]] = fs.fields[f].name, round(s, 2)
    return dict(sorted(out.items())), conf


# Values ----------------------------------------------------------------------------------------

_NEGATIONS = frozenset({"non", "not", "no", "excluding", "exc", "excl", "ex", "except", "other", "without"})


def _value_words(text: str) -> frozenset:
    words = _flags(_raw_words(text))
    _, _, stops = _tables()
    words = [_singular(_spell(w)) for w in words]
    for k in range(len(words) - 2):  # 'A&E', 'A and E', 'AE' alike
        if words[k] == "a" and words[k + 1] == "and" and words[k + 2] == "e":
            words[k:k + 3] = ["ae", "", ""]
    words = [w for w in words if w]
    kept = [w for w in words if w not in stops]
    return frozenset(kept if kept else words)


@functools.lru_cache(maxsize=16)
def _value_index(set_name: str) -> dict[frozenset, str]:
    index: dict[frozenset, str] = {}
    for canonical, phrases in vocab.VALUES.get(set_name, {}).items():
        for phrase in (canonical.replace("_", " "),) + phrases:
            index.setdefault(_value_words(phrase), canonical)
    return index


def _squashed(text: str) -> str:
    """'A and E', 'AandE', 'A&E' -> 'aande'; 'Day case' -> 'daycase'."""
    return "".join("and" if w == "&" else w for w in _raw_words(text) if w.isalnum() or w == "&")


@functools.lru_cache(maxsize=16)
def _squashed_index(set_name: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, phrases in vocab.VALUES.get(set_name, {}).items():
        for phrase in (canonical.replace("_", " "),) + phrases:
            index.setdefault(_squashed(phrase), canonical)
    return index


def value_words_of(column: str) -> dict[str, tuple[str, ...]]:
    """canonical value -> the words meaning it, for an enumerated column (help, tests)."""
    return vocab.VALUES.get(vocab.VALUE_SET_OF_COLUMN.get(column, ""), {})


# How sure a value's reading is, by the way it was read (the report's audit of value mappings shows it).
VALUE_SURE = 1.0  # the allowed value itself, or a word the vocabulary gives for it
VALUE_SQUASHED = 0.95  # the same letters without spaces or signs ('AandE')
VALUE_REMARK = 0.9  # read without a bracketed remark that says nothing else
VALUE_TYPO = 0.9  # a word corrected to the vocabulary
VALUE_EXTRA_WORD = 0.85  # one word more than a vocabulary phrase, every reading agreeing


@functools.lru_cache(maxsize=8192)
def _match_value_cut(column: str, allowed: tuple[str, ...], text: str) -> tuple[str | None, float]:
    if text.strip().lower() in allowed:
        return text.strip().lower(), VALUE_SURE
    words = _value_words(text)
    if not words:
        return None, 0.0
    index = _value_index(vocab.VALUE_SET_OF_COLUMN.get(column, ""))
    for canonical in allowed:
        if words == _value_words(canonical.replace("_", " ")):
            return canonical, VALUE_SURE
    hit = index.get(words)
    if hit is not None:
        return (hit, VALUE_SURE) if hit in allowed else (None, 0.0)
    # typos: each word corrected to the value vocabulary, then the same exact lookup
    known = sorted({w for k in index for w in k} | {w for a in allowed for w in a.split("_")})
    from rapidfuzz import fuzz, process

    fixed = set()
    for w in words:
        if w in known or len(w) < 5:
            fixed.add(w)
            continue
        best = process.extractOne(w, known, scorer=fuzz.ratio, score_cutoff=87)
        fixed.add(best[0] if best else w)
    hit = index.get(frozenset(fixed))
    if hit is not None and hit in allowed:
        return hit, VALUE_TYPO
    # one extra word ('Subsidiary company', 'Block payment'): only when every reading agrees
    if len(words) >= 2:  # ... unless the extra word negates ('Not elective')
        found = {c for k, c in index.items() if k < words and len(words) - len(k) == 1
                 and not (words - k) & _NEGATIONS}
        if len(found) == 1:
            only = found.pop()
            return (only, VALUE_EXTRA_WORD) if only in allowed else (None, 0.0)
    return None, 0.0


def match_value(column: str, allowed: tuple[str, ...], raw) -> str | None:
    """The allowed value a cell means, or None when it has no clear meaning (see ``read_value``)."""
    return read_value(column, allowed, raw)[0]


def read_value(column: str, allowed: tuple[str, ...], raw) -> tuple[str | None, float]:
    """(the allowed value a cell means or None, how sure the reading is: 0 to 1).

    Read whole; then squashed ('AandE'); then without a bracketed remark ('Activity (PbR)'), taken
    only when the remark does not say something else."""
    if raw is None:
        return None, 0.0
    text = str(raw)[:MAX_CELL_CHARS]
    allowed = tuple(allowed)
    hit, sure = _match_value_cut(column, allowed, text)
    if hit is None:
        squashed = _squashed_index(vocab.VALUE_SET_OF_COLUMN.get(column, "")).get(_squashed(text))
        hit, sure = (squashed, VALUE_SQUASHED) if squashed in allowed else (None, 0.0)
    if hit is None and "(" in text:
        outside, sure_out = _match_value_cut(column, allowed, _REMARK.sub(" ", text))
        inside = [_match_value_cut(column, allowed, m[1:-1])[0] for m in _REMARK.findall(text)]
        if outside is not None and all(v in (None, outside) for v in inside):
            hit, sure = outside, min(sure_out, VALUE_REMARK)
    return hit, sure
