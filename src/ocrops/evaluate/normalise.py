"""Named, composable text normalisations, applied explicitly before a metric.

Following jiwer's design, no metric normalises on its own: a caller builds a
:class:`Compose` of named steps and passes it to the metric, which records its
``spec`` (the list of step names) with the result, so every number says how its
text was prepared. ``Compose.name`` (``"nfkc+lowercase"``) and ``Compose.spec``
(``["nfkc", "lowercase"]``) both round-trip through :func:`normaliser_from_spec`.

Steps (see :data:`NORMALISATIONS`):

``strip``                leading and trailing whitespace
``collapse_whitespace``  every run of whitespace (newlines included) -> one space
``lowercase``            ``str.lower``
``casefold``             ``str.casefold`` (also folds ß -> ss and similar)
``remove_punctuation``   drop Unicode punctuation (categories P*); symbols stay
``nfc`` / ``nfkc``       Unicode normal forms
``strip_markdown``       Markdown/HTML markup -> its text (see :func:`strip_markdown`)
``omnidocbench``         OmniDocBench's ``clean_string`` (see :func:`omnidocbench_clean`)
``olmocr``               olmOCR-bench's ``normalize_text`` (see :func:`olmocr_normalize`)
``amount``               money amount -> ``"1234.50"`` (see :func:`normalise_amount`)
``date``                 date -> ISO ``"2018-12-25"`` (see :func:`normalise_date`)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ocrops.errors import BadParameter

__all__ = [
    "IDENTITY",
    "NORMALISATIONS",
    "Compose",
    "Step",
    "normaliser_from_names",
    "normaliser_from_spec",
    "register_normalisation",
]


@dataclass(frozen=True)
class Step:
    """One named text transformation."""

    name: str
    func: Callable[[str], str]

    def __call__(self, text: str) -> str:
        return self.func(text)


class Compose:
    """Steps applied in order; ``Compose([])`` is the identity (name ``"none"``)."""

    def __init__(self, steps: Iterable[Step | str] = ()) -> None:
        self.steps: tuple[Step, ...] = tuple(_resolve(step) for step in steps)

    @property
    def spec(self) -> list[str]:
        return [step.name for step in self.steps]

    @property
    def name(self) -> str:
        return "+".join(self.spec) or "none"

    def __call__(self, text: str) -> str:
        for step in self.steps:
            text = step.func(text)
        return text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Compose) and self.spec == other.spec

    def __hash__(self) -> int:
        return hash(tuple(self.spec))

    def __repr__(self) -> str:
        return f"Compose({self.spec!r})"


def normaliser_from_names(names: Sequence[str]) -> Compose:
    """``normaliser_from_names(["nfkc", "lowercase"])``; unknown names raise BadParameter."""
    return Compose(names)


def normaliser_from_spec(spec: str | Sequence[str] | Compose | None) -> Compose:
    """A normaliser from its ``name`` (``"nfkc+lowercase"``, commas also accepted), ``spec`` list or None."""
    if spec is None:
        return IDENTITY
    if isinstance(spec, Compose):
        return spec
    if isinstance(spec, str):
        names = [part.strip() for part in re.split(r"[+,]", spec) if part.strip()]
        return Compose([] if names == ["none"] else names)
    return Compose(spec)


def register_normalisation(name: str, func: Callable[[str], str]) -> Step:
    """Add a step to the registry (plugins and tests use this)."""
    step = Step(name, func)
    NORMALISATIONS[name] = step
    return step


def _resolve(step: Step | str) -> Step:
    if isinstance(step, Step):
        return step
    try:
        return NORMALISATIONS[step]
    except KeyError:
        known = ", ".join(sorted(NORMALISATIONS))
        raise BadParameter(f"unknown normalisation {step!r}; choose from: {known}") from None


# --- simple steps --------------------------------------------------------------------------

_WHITESPACE_RUN = re.compile(r"\s+")


def collapse_whitespace(text: str) -> str:
    return _WHITESPACE_RUN.sub(" ", text)


class _PunctuationTable(dict[int, int | None]):
    """``str.translate`` table that maps punctuation to None, filled lazily per code point."""

    def __missing__(self, code_point: int) -> int | None:
        value = None if unicodedata.category(chr(code_point)).startswith("P") else code_point
        self[code_point] = value
        return value


_PUNCTUATION = _PunctuationTable()


def remove_punctuation(text: str) -> str:
    return text.translate(_PUNCTUATION)


# --- OmniDocBench -------------------------------------------------------------------------

_OMNIDOCBENCH_DROP = re.compile(r"[^\w\u4e00-\u9fff]")


def omnidocbench_clean(text: str) -> str:
    """OmniDocBench's ``clean_string`` (``utils/data_preprocess.py``), reproduced exactly.

    Removes literal ``\\t``/``\\n`` escape sequences, tabs, newlines, ``/t`` and ``/n``, then
    every character that is not a word character (``\\w``: letters, digits, underscore, in
    any script) or a CJK ideograph, so all whitespace and punctuation go. OmniDocBench first
    turns inline LaTeX (``$...$``) into Unicode with pylatexenc (``textblock2unicode``); that
    step is not reproduced here, so text with inline math can score differently.
    """
    for literal in ("\\t", "\\n", "\t", "\n", "/t", "/n"):
        text = text.replace(literal, "")
    return _OMNIDOCBENCH_DROP.sub("", text)


# --- olmOCR-bench -------------------------------------------------------------------------

_OLMOCR_REPLACEMENTS = {
    "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "＿": "_",
    "–": "-", "—": "-", "‑": "-", "‒": "-", "−": "-", "\u00b5": "\u03bc",
}  # fmt: skip


def olmocr_normalize(text: str) -> str:
    """olmOCR-bench's ``normalize_text`` (allenai/olmocr ``olmocr/bench/tests.py``, Apache-2.0).

    ``<br>`` -> space, Markdown bold/italic and ``<b>``/``<i>`` markers removed, whitespace
    runs -> one space, NFC, curly quotes/dashes -> ASCII, micro sign -> Greek mu.
    """
    text = re.sub(r"<br/?>", " ", text)
    text = re.sub(r"\*\*(.*?)\*\*", r"\1", text)
    text = re.sub(r"__(.*?)__", r"\1", text)
    text = re.sub(r"</?b>", "", text)
    text = re.sub(r"</?i>", "", text)
    text = re.sub(r"(\*\*|__)(.*?)\1", r"\2", text)
    text = re.sub(r"(\*|_)(.*?)\1", r"\2", text)
    text = re.sub(r"\s+", " ", text)
    text = unicodedata.normalize("NFC", text)
    for fancy, plain in _OLMOCR_REPLACEMENTS.items():
        text = text.replace(fancy, plain)
    return text


# --- Markdown -----------------------------------------------------------------------------

_MD_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^[ \t]*(```|~~~).*$", re.MULTILINE), ""),  # code fences (content kept)
    (re.compile(r"<br\s*/?>", re.IGNORECASE), "\n"),
    (re.compile(r"<(/?)(td|th)\b[^>]*>", re.IGNORECASE), " "),
    (re.compile(r"</?(tr|table|thead|tbody|p|div|li|ul|ol|h[1-6])\b[^>]*>", re.IGNORECASE), "\n"),
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),  # any other HTML tag
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images: dropped
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links: their text
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE), r"\1"),
    (re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE), ""),  # block quotes
    (re.compile(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$", re.MULTILINE), ""),  # horizontal rules
    (re.compile(r"^([ \t]*)[-*+][ \t]+", re.MULTILINE), r"\1"),  # bullet markers
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"\*(.+?)\*"), r"\1"),
    (re.compile(r"(?<!\w)_(.+?)_(?!\w)"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])"), r"\1"),  # backslash escapes
]


def _is_table_separator(line: str) -> bool:
    content = line.replace("|", "").strip()
    return "|" in line and "-" in content and all(c in "-: \t" for c in content)


def _table_rows_to_text(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        if _is_table_separator(line):
            continue
        stripped = line.strip()
        if stripped.startswith("|") or (stripped.endswith("|") and "|" in stripped[:-1]):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", stripped.strip("|"))]
            line = " ".join(cell for cell in cells if cell)
        lines.append(line)
    return "\n".join(lines)


def strip_markdown(text: str) -> str:
    """Markdown (and inline HTML) -> plain text, line structure kept.

    Pipe tables -> their cell texts separated by spaces (separator rows dropped); headings,
    emphasis, strikethrough, inline code and backslash escapes -> their text; links -> their
    text; images dropped; code fences dropped, code kept; block-quote and bullet markers
    dropped (numbered-list numbers are kept: they are often real text); HTML ``<br>`` and
    block tags -> newlines, cell tags -> spaces, other tags removed. Compose with
    ``collapse_whitespace`` to compare the result as running text.
    """
    text = _table_rows_to_text(text)
    for pattern, replacement in _MD_RULES:
        text = pattern.sub(replacement, text)
    return text


# --- amounts and dates (receipt fields) ---------------------------------------------------

_CURRENCY = re.compile(r"(?i)myr|usd|sgd|eur|gbp|idr|rm|rp|[$€£¥\s]")
_AMOUNT = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?|-?\d+,\d{1,2}")


def normalise_amount(text: str) -> str:
    """``"RM 1,234.5"`` -> ``"1234.50"``: currency marks (RM, MYR, $, €...) and spaces removed,
    thousands commas dropped (a lone decimal comma as in ``"12,50"`` is a decimal point),
    two decimals. Text that is not an amount comes back stripped but otherwise unchanged."""
    cleaned = _CURRENCY.sub("", text)
    if not _AMOUNT.fullmatch(cleaned):
        return text.strip()
    if re.fullmatch(r"-?\d+,\d{1,2}", cleaned):
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only admits numbers
        return text.strip()
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)"), "dmy"),
    (re.compile(r"(?<!\d)(\d{1,2})[\s\-/.]*([A-Za-z]{3,9})\.?[\s\-/.,]*(\d{4}|\d{2})(?!\d)"), "dMy"),
    (re.compile(r"\b([A-Za-z]{3,9})\.?[\s\-/.]*(\d{1,2}),?[\s\-/.]*(\d{4}|\d{2})(?!\d)"), "Mdy"),
]


def _make_date(year: str, month: int | str, day: str) -> date | None:
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    try:
        return date(full_year, int(month), int(day))
    except ValueError:
        return None


def _parse_date(match: re.Match[str], order: str) -> date | None:
    a, b, c = match.groups()
    if order == "ymd":
        return _make_date(a, b, c)
    if order == "dmy":  # day first (receipts, most of the world); month first if that fails
        return _make_date(c, b, a) or _make_date(c, a, b)
    if order == "dMy":
        month = _MONTHS.get(b.lower())
        return _make_date(c, month, a) if month else None
    month = _MONTHS.get(a.lower())
    return _make_date(c, month, b) if month else None


def normalise_date(text: str) -> str:
    """The first date found in the text, as ISO ``yyyy-mm-dd``.

    Accepts ``yyyy-mm-dd`` (also ``/`` and ``.``), ``dd/mm/yyyy``, ``dd-mm-yy``, ``dd.mm.yyyy``
    (day first; month first only when day first is impossible, as in ``12/28/2017``),
    ``dd Mon yyyy``, ``dd-Mon-yy``, ``Mon dd, yyyy`` with English month names. Two-digit
    years are 20yy. Text without a date comes back stripped but otherwise unchanged.
    """
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parsed = _parse_date(match, order)
            if parsed is not None:
                return parsed.isoformat()
    return text.strip()


NORMALISATIONS: dict[str, Step] = {
    step.name: step
    for step in [
        Step("strip", str.strip),
        Step("collapse_whitespace", collapse_whitespace),
        Step("lowercase", str.lower),
        Step("casefold", str.casefold),
        Step("remove_punctuation", remove_punctuation),
        Step("nfc", lambda text: unicodedata.normalize("NFC", text)),
        Step("nfkc", lambda text: unicodedata.normalize("NFKC", text)),
        Step("strip_markdown", strip_markdown),
        Step("omnidocbench", omnidocbench_clean),
        Step("olmocr", olmocr_normalize),
        Step("amount", normalise_amount),
        Step("date", normalise_date),
    ]
}

IDENTITY = Compose()
