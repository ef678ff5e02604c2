"""Per-key rate limiting: ``limit`` requests a minute, answered by 429 with Retry-After.

* ``TokenBucket`` (in memory) for the embedded default: one serve process, so one bucket per
  key is exact. Several API processes behind a proxy each keep their own buckets; rate-limit
  at the proxy, or use Redis.
* ``RedisWindow`` (a fixed one-minute window per key in Redis) when ``queue=celery``, where
  several API processes share the broker's Redis.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

import structlog

from ocrops.errors import RateLimited

log = structlog.get_logger("ocrops.ratelimit")


class RateLimiter(Protocol):
    def wait_time(self, key: str) -> float:
        """Take one request for ``key``: 0 when allowed, else seconds until one is."""


class TokenBucket:
    """``per_minute`` tokens refilled continuously; a full bucket allows a burst of ``per_minute``."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._lock = threading.Lock()

    def wait_time(self, key: str) -> float:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


class RedisWindow:
    """At most ``per_minute`` requests per key per clock minute, counted in Redis."""

    def __init__(self, per_minute: int, url: str) -> None:
        import redis

        self.limit = per_minute
        self.client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    def wait_time(self, key: str) -> float:
        now = time.time()
        window = int(now // 60)
        name = f"ocrops:ratelimit:{key}:{window}"
        try:
            pipe = self.client.pipeline()
            pipe.incr(name)
            pipe.expire(name, 120)
            count = int(pipe.execute()[0])
        except Exception as exc:  # Redis down: do not take the API down with it
            log.warning("ratelimit.redis_unavailable", error=str(exc))
            return 0.0
        return 0.0 if count <= self.limit else (window + 1) * 60 - now


def build_rate_limiter(per_minute: int, queue: str, broker_url: str | None) -> RateLimiter | None:
    """None when ``per_minute`` is 0 (no limit)."""
    if per_minute <= 0:
        return None
    if queue == "celery" and broker_url and broker_url.startswith(("redis://", "rediss://")):
        return RedisWindow(per_minute, broker_url)
    return TokenBucket(per_minute)


def check_rate(limiter: RateLimiter | None, key: str) -> None:
    """Raise RateLimited (429, with ``retry_after`` seconds) when ``key`` is over its limit."""
    if limiter is None:
        return
    wait = limiter.wait_time(key)
    if wait > 0:
        error = RateLimited(f"rate limit exceeded for this API key; retry in {wait:.0f} s")
        error.retry_after = wait  # type: ignore[attr-defined]
        raise error
