"""Webhooks: a signed POST when a job finishes, retried with exponential backoff, every attempt recorded.

Each attempt is a row of ``webhook_deliveries``. A finished job gets a *pending* attempt due now;
whoever delivers it (the worker right away, or a :class:`WebhookDispatcher`) claims it
(pending -> sending, one winner), POSTs, records the outcome, and on failure adds the next
attempt due after ``webhook_retry_base_s * 2 ** (attempt - 1)``, up to ``webhook_max_attempts``.
Pending rows survive restarts, so retries are not lost with the process.

Verifying a delivery (receivers)
--------------------------------
Every POST carries::

    X-Ocrops-Timestamp: 1767225600            (unix seconds)
    X-Ocrops-Signature: sha256=<hex>          (HMAC-SHA256 with the tenant's webhook secret)

where ``<hex>`` is the HMAC of ``f"{timestamp}.{raw body}"``. Recompute it over the raw body
bytes, compare in constant time, and refuse timestamps more than a few minutes old (replays)::

    from ocrops.jobs.webhooks import verify_signature
    ok = verify_signature(secret, request.headers["X-Ocrops-Timestamp"], raw_body,
                          request.headers["X-Ocrops-Signature"])

The secret is the tenant's (``services.keys.webhook_secret``), created with the tenant.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import structlog

from ocrops.errors import NotFound
from ocrops.store import service as store

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ocrops.services.context import ServiceContext
    from ocrops.store.tables import JobRow

log = structlog.get_logger("ocrops.webhooks")

TIMESTAMP_HEADER = "X-Ocrops-Timestamp"
SIGNATURE_HEADER = "X-Ocrops-Signature"
EVENT_HEADER = "X-Ocrops-Event"
DELIVERY_HEADER = "X-Ocrops-Delivery"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature header value: ``sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes | str,
    header: str,
    *,
    tolerance_s: float = 300,
    now: float | None = None,
) -> bool:
    """True when ``header`` signs ``body`` at ``timestamp`` with ``secret`` and the timestamp is fresh."""
    try:
        sent = int(str(timestamp).strip())
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance_s:
        return False
    raw = body.encode() if isinstance(body, str) else body
    return hmac.compare_digest(sign(secret, sent, raw), header.strip())


def payload(job: JobRow) -> dict[str, Any]:
    return {
        "event": f"job.{job.state}",
        "job_id": job.id,
        "document_id": job.document_id,
        "state": job.state,
        "pages_done": job.pages_done,
        "pages_total": job.pages_total,
        "error": job.error,
        "dedup_of": job.dedup_of,
        "finished_at": (store.aware(job.finished_at) or store.utcnow()).isoformat(),
    }


def schedule(session: Session, job: JobRow) -> None:
    """Queue the first delivery for a finished job (no-op without a webhook URL)."""
    if job.webhook_url:
        body = payload(job)
        store.add_delivery(session, job, event=body["event"], payload=body, attempt=1, due=store.utcnow())


def deliver_due(ctx: ServiceContext, *, job_id: str | None = None, limit: int = 20) -> int:
    """Send the attempts that are due (of one job, or all); returns how many were sent."""
    with ctx.db.session() as session:
        due = store.due_deliveries(session, job_id=job_id, limit=limit)
    return sum(1 for delivery_id in due if _deliver(ctx, delivery_id))


def _deliver(ctx: ServiceContext, delivery_id: int) -> bool:
    with ctx.db.session() as session:
        row = store.claim_delivery(session, delivery_id)
        if row is None:
            return False  # another dispatcher has it
        url, event, body_data, attempt = row.url, row.event, row.payload, row.attempt
        try:
            secret: str | None = store.get_tenant(session, row.tenant_id).webhook_secret
        except NotFound:
            secret = None
    if secret is None:
        status_code, error, attempt = (
            None,
            "the tenant has no webhook secret",
            ctx.settings.webhook_max_attempts,
        )
    else:
        body = json.dumps(body_data, separators=(",", ":"), sort_keys=True).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "ocrops-webhooks",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp, body),
            EVENT_HEADER: event,
            DELIVERY_HEADER: str(delivery_id),
        }
        status_code, error = _post(url, body, headers, ctx.settings.webhook_timeout_s)
    delivered = status_code is not None and 200 <= status_code < 300
    with ctx.db.session() as session:
        row = store.record_delivery(
            session, delivery_id, delivered=delivered, status_code=status_code, error=error
        )
        if not delivered and attempt < ctx.settings.webhook_max_attempts:
            delay = ctx.settings.webhook_retry_base_s * 2 ** (attempt - 1)
            job = store.job_by_id(session, row.job_id)
            if job is not None:
                store.add_delivery(
                    session,
                    job,
                    event=event,
                    payload=body_data,
                    attempt=attempt + 1,
                    due=store.utcnow() + timedelta(seconds=delay),
                )
    log.info(
        "webhook.attempt",
        job_id=body_data.get("job_id"),
        attempt=attempt,
        status=status_code,
        delivered=delivered,
        error=error,
    )
    return True


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str | None]:
    import httpx

    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    error = None if response.is_success else f"HTTP {response.status_code}: {response.text[:200]}"
    return response.status_code, error


class WebhookDispatcher:
    """A thread that sends due attempts (retries, and deliveries left by a restart)."""

    def __init__(self, ctx: ServiceContext, *, poll_s: float | None = None) -> None:
        self.ctx = ctx
        self.poll_s = poll_s or ctx.settings.worker_poll_s
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="ocrops-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.wake.clear()
            try:
                deliver_due(self.ctx)
                with self.ctx.db.session() as session:
                    next_at = store.next_delivery_at(session)
            except Exception:
                log.exception("webhook.dispatcher_error")
                next_at = None
            wait = self.poll_s
            if next_at is not None:
                wait = min(wait, max(0.0, (next_at - store.utcnow()).total_seconds()))
            self.wake.wait(wait)
