"""How fast one API key may call: a token bucket per key, through every door together.

A key starts with `burst` requests in hand and earns `per_second` more each second, up to
`burst` again; a request finding none left is refused (RateLimited, which each door answers
429 in its own error format, with Retry-After). The buckets live in the serving process: with
several processes behind one address each one counts on its own, so the whole allows that many
times the rate. A limit of 0 turns it off, and then nothing is counted.
"""

import math
import threading
import time
import uuid

from contacthub.core.errors import RateLimited


class RateLimiter:
    def __init__(self, per_second: float = 0.0, burst: int = 0):
        self.per_second = per_second
        # one second's worth unless told otherwise (at least one request)
        self.burst = burst if burst > 0 else max(1, math.ceil(per_second))
        self._buckets: dict[uuid.UUID, tuple[float, float]] = {}  # key id -> (tokens, as of)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_second > 0

    def take(self, key_id: uuid.UUID) -> None:
        """Counts one request of the key, or raises RateLimited when it has none left."""
        if self.per_second <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(key_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.per_second)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                raise RateLimited(math.ceil((1.0 - tokens) / self.per_second), self.per_second)
            self._buckets[key_id] = (tokens - 1.0, now)
