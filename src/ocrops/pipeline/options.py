"""Conversion options: what to run on which pages. Serialisable, so workers and jobs get them as data."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ocrops.errors import BadParameter, PageRangeError
from ocrops.preprocess import PREPROCESS_VERSION, PreprocessOptions


class ConvertOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: str = "auto"
    engine_options: dict[str, Any] = Field(default_factory=dict)
    pages: str | None = Field(None, description="Page selection like '1-3,7' (1-based); None for all.")
    languages: tuple[str, ...] = ("eng",)
    dpi: int = Field(300, ge=36, le=1200)
    password: str | None = Field(None, repr=False)
    preprocess: PreprocessOptions = Field(default_factory=PreprocessOptions)

    @field_validator("languages", mode="before")
    @classmethod
    def _split_languages(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part for part in value.replace(",", "+").split("+") if part.strip()]
        return tuple(v.strip() for v in value) if value else ("eng",)

    @field_validator("pages")
    @classmethod
    def _check_pages(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            parse_page_ranges(value, None)
            return value.strip()
        return None

    def result_key(self) -> str:
        """Hash of everything that changes a page's result (not pages, password)."""
        payload = self.model_dump(mode="json", exclude={"pages", "password"})
        payload["preprocess_version"] = PREPROCESS_VERSION
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def parse_page_ranges(spec: str, page_count: int | None) -> list[int]:
    """'1-3,7,10-' -> [1, 2, 3, 7, 10, ...]; bounds checked when ``page_count`` is known."""
    numbers: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        start_text, dash, end_text = part.partition("-")
        try:
            start = int(start_text) if start_text.strip() else 1
            end = (int(end_text) if end_text.strip() else page_count or start) if dash else start
        except ValueError:
            raise BadParameter(f"invalid page range {spec!r}: use forms like 1-3,7,10-") from None
        if start < 1 or end < start:
            raise BadParameter(f"invalid page range {part!r} in {spec!r}")
        if page_count is not None and end > page_count:
            raise PageRangeError(f"page {end} is out of bounds: the document has {page_count} page(s)")
        numbers.extend(range(start, end + 1))
    if not numbers:
        raise BadParameter(f"page range {spec!r} selects no page")
    return sorted(set(numbers))
