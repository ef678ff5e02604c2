"""The REST API (FastAPI): ``create_app`` builds it around a ServiceContext."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ocrops.api.app import create_app


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from ocrops.api.app import create_app

        return create_app
    raise AttributeError(name)


__all__ = ["create_app"]
