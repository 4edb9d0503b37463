"""What the HTTP app holds: the review store, the list store, the screener (opened lazily
and reopened when the lists change), the settings, key cache and rate limiter."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from counterflow.api.settings import ApiSettings
from counterflow.errors import CounterflowError
from counterflow.match.types import Screener
from counterflow.records.model import Party
from counterflow.review.keys import KeyInfo, hash_key
from counterflow.review.store import ReviewStore

T = TypeVar("T")
# Screening calls faster than this on average run on the event loop; slower ones in a
# worker thread (a thread hop and GIL hand-offs cost more than they save on fast calls).
INLINE_MS = 20.0


class ServiceUnavailable(CounterflowError):
    """A part of the service is not there (no lists loaded, matcher not installed)."""


class TokenBucket:
    """Per-key token buckets: ``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._state: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key_id: int) -> float:
        """0.0 when allowed, else the seconds to wait before retrying."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(key_id, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._state[key_id] = (tokens - 1.0, now)
                return 0.0
            self._state[key_id] = (tokens, now)
            return (1.0 - tokens) / self.rate


class Services:
    def __init__(
        self,
        review: ReviewStore,
        *,
        list_store: Any = None,
        screener: Screener | None = None,
        screener_factory: Callable[[Any], Screener] | None = None,
        settings: ApiSettings | None = None,
    ) -> None:
        self.review = review
        self.list_store = list_store
        self.settings = settings or ApiSettings()
        self._screener = screener
        self._fixed_screener = screener is not None
        self._factory = screener_factory
        self._fingerprint: str | None = None
        self._checked = 0.0
        self.lock = threading.RLock()  # list store + screener are used one call at a time
        self.buckets = TokenBucket(self.settings.rate_per_s, self.settings.burst)
        self._keys: dict[str, tuple[KeyInfo | None, float]] = {}
        self._keys_by_id: dict[int, tuple[KeyInfo | None, float]] = {}
        self._session_secret: bytes | None = None
        self.screen_ms = 50.0  # moving average of one screening call (ms)
        # Screener over given records only (re-screening); None: review.rescreen's default.
        self.records_screener: Callable[[Sequence[Party]], Screener] | None = None

    # ----- keys -------------------------------------------------------------------------

    def key(self, plain: str) -> KeyInfo | None:
        """The active key for ``plain`` (cached for ``key_cache_s``)."""
        h = hash_key(plain)
        now = time.monotonic()
        hit = self._keys.get(h)
        if hit is not None and hit[1] > now:
            return hit[0]
        with self.review.backend.read() as tx:
            row = tx.one(
                "SELECT id, role, label, prefix FROM api_keys"
                " WHERE key_hash = ? AND revoked_at IS NULL",
                (h,),
            )
        info = (
            None
            if row is None
            else KeyInfo(int(row["id"]), row["role"], row["label"], row["prefix"])
        )
        if len(self._keys) > 10_000:
            self._keys.clear()
        self._keys[h] = (info, now + self.settings.key_cache_s)
        return info

    def key_by_id(self, key_id: int) -> KeyInfo | None:
        now = time.monotonic()
        hit = self._keys_by_id.get(key_id)
        if hit is not None and hit[1] > now:
            return hit[0]
        with self.review.backend.read() as tx:
            row = tx.one(
                "SELECT id, role, label, prefix FROM api_keys WHERE id = ? AND revoked_at IS NULL",
                (int(key_id),),
            )
        info = (
            None
            if row is None
            else KeyInfo(int(row["id"]), row["role"], row["label"], row["prefix"])
        )
        self._keys_by_id[key_id] = (info, now + self.settings.key_cache_s)
        return info

    def forget_keys(self) -> None:
        self._keys.clear()
        self._keys_by_id.clear()

    def session_secret(self) -> bytes:
        if self._session_secret is None:
            import secrets

            value = self.review.meta_or_create("session_secret", lambda: secrets.token_hex(32))
            self._session_secret = bytes.fromhex(value)
        return self._session_secret

    # ----- lists and screening ----------------------------------------------------------

    async def off_loop(self, fn: Callable[[], T]) -> T:
        """Run a screening call: inline while the matcher answers in under ``INLINE_MS`` on
        average, else in a worker thread so the event loop keeps serving other requests
        (decisions, health) meanwhile."""
        from starlette.concurrency import run_in_threadpool

        def measured() -> T:
            t = time.perf_counter()
            try:
                return fn()
            finally:
                took = (time.perf_counter() - t) * 1000.0
                self.screen_ms = 0.9 * self.screen_ms + 0.1 * took

        def locked() -> T:
            with self.lock:  # one screening at a time per process
                return measured()

        # Inline only when the lock is free: never block the event loop on a long upload.
        if self.screen_ms < INLINE_MS and self.lock.acquire(blocking=False):
            try:
                out = measured()
            finally:
                self.lock.release()
        else:
            out = await run_in_threadpool(locked)
        return out

    def lists_status(self) -> list[Any]:
        if self.list_store is None:
            return []
        with self.lock:
            return list(self.list_store.status())

    def datasets(self) -> set[str]:
        return {s.dataset for s in self.lists_status()}

    def screener(self) -> Screener:
        """The screener, reopened when the loaded lists changed (checked every 10 s)."""
        with self.lock:
            if self._fixed_screener and self._screener is not None:
                return self._screener
            now = time.monotonic()
            if self._screener is not None and now - self._checked < 10.0:
                return self._screener
            self._checked = now
            if self.list_store is None:
                raise ServiceUnavailable("no list store is open")
            fp = str(self.list_store.fingerprint())
            if self._screener is None or fp != self._fingerprint:
                self._screener = self._open_screener()
                self._fingerprint = fp
                versions = {
                    i.dataset: {"version": i.version, "sha256": i.sha256}
                    for i in self.list_store.status()
                }
                self.review.note_lists(fp, versions, "service")
            return self._screener

    def _open_screener(self) -> Screener:
        if self._factory is not None:
            return self._factory(self.list_store)
        from counterflow.match.screener import open_screener

        return open_screener(self.list_store)
