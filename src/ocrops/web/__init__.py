"""The web UI: static HTML, CSS and JavaScript modules that call the public REST API only.

``mount_web(app)`` serves the single page at ``/`` and its files under ``/ui/``. There is no
build step: the files in ``static/`` are what the browser runs. Everything the UI shows comes
from ``/api/v1`` (signed in through ``POST /api/v1/session``, which sets an HTTP-only cookie).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSETS_PREFIX = "/ui"

# The page loads its own scripts and styles only; images may be blobs or data URLs (page images,
# overlays); frames only from this origin (benchmark reports, themselves sandboxed).
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}


def mount_web(app: FastAPI) -> None:
    """Serve the UI: ``GET /`` is the page, ``/ui/...`` its scripts and styles."""
    from fastapi.responses import FileResponse
    from starlette.staticfiles import StaticFiles

    class _Assets(StaticFiles):
        def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            response = super().file_response(*args, **kwargs)
            response.headers["Cache-Control"] = "no-cache"  # revalidate (ETag): no stale UI after an upgrade
            response.headers["X-Content-Type-Options"] = "nosniff"
            return response

    def index() -> FileResponse:
        page = STATIC_DIR / "index.html"
        return FileResponse(page, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    app.add_api_route("/", index, methods=["GET"], include_in_schema=False)
    app.mount(ASSETS_PREFIX, _Assets(directory=STATIC_DIR), name="web")


__all__ = ["ASSETS_PREFIX", "STATIC_DIR", "mount_web"]
