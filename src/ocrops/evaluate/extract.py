"""A small, rule-based key-field extractor for receipts (SROIE fields: company, date, address, total).

ocrops has no learned key-field extractor, so a benchmark's field F1 measures *the engine plus
these rules*: an engine whose text keeps lines intact and in order scores higher, which is what
the number is for (comparing engines on receipts), not a claim about extraction quality.

Rules, applied to the recognised text line by line:

* **company**: the first of the top lines that carries a company marker (``SDN BHD``, ``BHD``,
  ``ENTERPRISE``, ``TRADING``, ``RESTAURANT``, ``S/B``, ``PLT``...), joined with a next line that
  continues it; else the first line with at least three letters that is not a registration
  number, a total or a heading (phone, tax, receipt...).
* **address**: the lines after the company line up to the first line that looks like a phone,
  fax, tax/GST number, date, registration number or document heading (at most five lines),
  joined with spaces.
* **date**: the first date in the text (``dd/mm/yyyy``, ``dd-mm-yy``, ``yyyy-mm-dd``,
  ``dd Mon yyyy`` ...), as written.
* **total**: every line naming a total (``TOTAL``, ``GRAND TOTAL``, ``NETT TOTAL``,
  ``AMOUNT DUE``..., not sub-totals, quantities, tax or discounts) gives the first amount on it,
  or on one of the next two lines when it has none; a rounded total wins, else the largest.
"""

from __future__ import annotations

import re

FIELDS = ("company", "date", "address", "total")

_COMPANY_MARKERS = re.compile(
    r"\b(SDN\.?\s*BHD|BHD|BERHAD|ENTERPRISES?|TRADING|RESTAURANT|RESTORAN|S/B|PLT|CO\.?|COMPANY|"
    r"HARDWARE|STATIONERY|BOOKSTORE|MART|MARKET|SUPERMARKET|CAFE|KEDAI|LTD|LIMITED|INC)\b",
    re.IGNORECASE,
)
_REGISTRATION = re.compile(
    r"^\(?\s*(CO\.?\s*(REG|NO)\.?\s*:?\s*)?[\dA-Z]{0,3}\d{4,}[-\s]?[A-Z]\s*\)?$", re.IGNORECASE
)
_ADDRESS_END = re.compile(
    r"\b(TEL|PHONE|FAX|H/?P|GST|SST|TAX|INVOICE|RECEIPT|CASH\s*BILL|DOCUMENT|CASHIER|DATE|TIME|"
    r"BILL|ORDER|TABLE|REG\.?\s*NO|CO\.?\s*REG|E-?MAIL|WWW\.)\b|\b\d{3}-\d{6,}|^\(?\d{5,}-[A-Z]\)?$",
    re.IGNORECASE,
)
_BRACKETED_NUMBER = re.compile(r"^\([^,()]*\d{4,}[^,()]*\)$")
_PHONE = re.compile(r"(?<!\d)0\d{1,2}-?\s?\d{3,4}\s?\d{3,4}(?!\d)")
_DATE = re.compile(
    r"(?<!\d)(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|"
    r"\d{1,2}[\s-]?(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*[\s-]?\d{2,4})(?!\d)",
    re.IGNORECASE,
)
_TOTAL_LINE = re.compile(r"\b(TOTAL|AMOUNT\s+DUE|AMT\s+DUE|BALANCE\s+DUE|JUMLAH)\b", re.IGNORECASE)
_NOT_TOTAL = re.compile(
    r"\b(SUB[\s-]?TOTAL|TOTAL\s+(QTY|QUANTITY|ITEMS?|DISC(OUNT)?|SAVINGS?|GST|TAX|SST|EXCL\w*)|"
    r"(QTY|ITEMS?)\s+TOTAL|TOTAL\s+\w*\s*TAX)\b",
    re.IGNORECASE,
)
_ROUNDED = re.compile(r"\bROUND(ED|ING)?\b", re.IGNORECASE)
_AMOUNT = re.compile(
    r"(?<![\d.])\d{1,3}(?:,\d{3})*\.\d{2}(?!\d)|(?<![\d.])\d+\.\d{2}(?!\d)|(?<![\d.,])\d+,\d{2}(?![\d,])"
)  # 1,234.50 / 12.50 / 12,50 (OCR often reads the decimal point as a comma)


def extract_fields(text: str) -> dict[str, str]:
    """The receipt's fields found in ``text``; a field that is not found is left out."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    fields: dict[str, str] = {}
    company_index = _company_index(lines)
    if company_index is not None:
        company, after = _company(lines, company_index)
        fields["company"] = company
        address = _address(lines, after)
        if address:
            fields["address"] = address
    date = _DATE.search(text)
    if date:
        fields["date"] = date.group(0)
    total = _total(lines)
    if total:
        fields["total"] = total
    return fields


def _is_wordy(line: str) -> bool:
    return sum(ch.isalpha() for ch in line) >= 3 and not _REGISTRATION.match(line)


def _company_index(lines: list[str], top: int = 8) -> int | None:
    for index, line in enumerate(lines[:top]):
        if _COMPANY_MARKERS.search(line) and _is_wordy(line):
            return index
    plain = (
        i
        for i, line in enumerate(lines[:top])
        if _is_wordy(line) and not _TOTAL_LINE.search(line) and not _ADDRESS_END.search(line)
    )
    return next(plain, None)


def _company(lines: list[str], index: int) -> tuple[str, int]:
    """The company line, joined with a following line that continues it; and the next index."""
    parts, index = [lines[index]], index + 1
    while index < len(lines) and len(parts) < 3:
        line = lines[index]
        continues = parts[-1].endswith("&") or (
            _COMPANY_MARKERS.search(line)
            and not _ADDRESS_END.search(line)
            and not any(ch.isdigit() for ch in line)
        )
        if not continues or not _is_wordy(line):
            break
        parts.append(line)
        index += 1
    return " ".join(parts), index


def _address(lines: list[str], start: int, max_lines: int = 5) -> str:
    parts: list[str] = []
    for line in lines[start:]:
        if not parts and (_REGISTRATION.match(line) or _BRACKETED_NUMBER.match(line)):
            continue  # "(742016-W)", "(CO. REG : 860671-D)" right under the company name
        if (
            _ADDRESS_END.search(line)
            or _DATE.search(line)
            or _PHONE.fullmatch(line)
            or len(parts) == max_lines
        ):
            break
        parts.append(line)
    return " ".join(parts)


def _plain_amount(amount: str) -> str:
    """ "1,234.50" -> "1234.50"; "12,50" -> "12.50"."""
    if "." not in amount and re.fullmatch(r"\d+,\d{2}", amount):
        return amount.replace(",", ".")
    return amount.replace(",", "")


def _amount_value(amount: str) -> float:
    return float(amount)


def _total(lines: list[str]) -> str | None:
    candidates: list[tuple[bool, float, str]] = []  # (rounded total?, value, amount)
    for index, line in enumerate(lines):
        if not _TOTAL_LINE.search(line) or _NOT_TOTAL.search(line):
            continue
        found = None
        for candidate in lines[index : index + 3]:  # the amount may sit on one of the next lines
            found = _AMOUNT.search(candidate)
            if found is not None:
                break
        if found is not None:
            amount = _plain_amount(found.group(0))
            candidates.append((bool(_ROUNDED.search(line)), _amount_value(amount), amount))
    if not candidates:
        return None
    return max(candidates)[2]
