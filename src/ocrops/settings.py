"""Settings, built once at start-up from ``OCROPS_*`` environment variables and passed in."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ocrops.errors import ConfigError

_TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)


def _default_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "ocrops"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCROPS_", extra="ignore", frozen=True)

    home: Path = Field(default_factory=_default_home, description="Where ocrops keeps its data.")
    cache_dir: Path | None = Field(None, description="Result cache folder (default: HOME/cache).")
    cache: bool = Field(True, description="Cache page results by content, page, engine and options.")
    workers: int = Field(0, ge=0, description="Worker processes for pages; 0 means one per core.")
    default_engine: str = "auto"
    ocr_engine: str = Field("tesseract", description="OCR engine the auto engine falls back to.")
    dpi: int = Field(300, ge=36, le=1200, description="Render DPI for PDF pages.")
    max_image_pixels: int = Field(
        200_000_000, ge=1, description="Images larger than this are refused (decompression bombs)."
    )
    max_file_bytes: int = Field(512 * 1024 * 1024, ge=1, description="Files larger than this are refused.")
    max_archive_ratio: int = Field(200, ge=1, description="Max uncompressed/compressed ratio of office files.")
    tessdata: Path | None = Field(None, description="Tesseract language data folder (auto-detected).")
    database_url: str | None = Field(None, description="SQLAlchemy URL (default: SQLite in HOME).")
    log_level: str = "INFO"
    log_json: bool = False

    @field_validator("default_engine", "ocr_engine")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @cached_property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir or self.home / "cache"

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'ocrops.db'}"

    @cached_property
    def resolved_workers(self) -> int:
        return self.workers or max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)

    @cached_property
    def resolved_tessdata(self) -> Path | None:
        if self.tessdata:
            return self.tessdata
        env = os.environ.get("TESSDATA_PREFIX")
        candidates = ([env] if env else []) + list(_TESSDATA_CANDIDATES)
        for candidate in candidates:
            path = Path(candidate)
            if (path / "eng.traineddata").exists() or any(path.glob("*.traineddata")):
                return path
        return None


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; fail fast with a ConfigError on bad values."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"OCROPS_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None
