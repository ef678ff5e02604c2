"""Readiness (can this process serve?) and the job numbers behind the Prometheus gauges."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import text

from ocrops.services.context import ServiceContext
from ocrops.store import service as store

ENGINE_PROBE_TTL_S = 60.0
_engine_cache: dict[int, tuple[float, dict[str, Any]]] = {}
_engine_lock = threading.Lock()


def readiness(ctx: ServiceContext) -> dict[str, Any]:
    """``{"ready": bool, "checks": {name: {"ok": bool, "detail": str, ...}}}`` for the database,
    the queue, the blob storage and the engines. Never raises."""
    checks = {
        "database": _check(lambda: _database(ctx)),
        "queue": _check(ctx.queue.check),
        "storage": _check(ctx.storage.check),
        "engines": _engines(ctx),
    }
    return {"ready": all(c["ok"] for c in checks.values()), "checks": checks}


def _check(probe: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = probe() or "ok"
        ok = True
    except Exception as exc:
        ok, detail = False, str(exc) or type(exc).__name__
    return {"ok": ok, "detail": detail, "seconds": round(time.perf_counter() - started, 4)}


def _database(ctx: ServiceContext) -> str:
    with ctx.db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return ctx.db.safe_url.split(":", 1)[0]


def _engines(ctx: ServiceContext) -> dict[str, Any]:
    """Which engines run here (probed at most once a minute); ready when the default engine does."""
    with _engine_lock:
        cached = _engine_cache.get(id(ctx.settings))
        if cached is not None and time.monotonic() - cached[0] < ENGINE_PROBE_TTL_S:
            return cached[1]
    from ocrops.engines import engine_statuses

    statuses = [status for status, _ in engine_statuses(ctx.settings)]
    available = sorted(s.name for s in statuses if s.available)
    default = ctx.settings.default_engine
    ok = default in available
    result = {
        "ok": ok,
        "available": available,
        "detail": "ok" if ok else f"the default engine {default!r} is not available here",
    }
    with _engine_lock:
        _engine_cache[id(ctx.settings)] = (time.monotonic(), result)
    return result


def metrics_snapshot(ctx: ServiceContext) -> dict[str, Any]:
    """Jobs by state and queue depth (all tenants), read at scrape time."""
    with ctx.db.session() as session:
        by_state = store.count_jobs_by_state(session)
    return {"jobs_by_state": by_state, "queue_depth": by_state.get(store.QUEUED, 0)}
