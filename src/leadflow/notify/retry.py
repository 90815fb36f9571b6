"""When to try a failed message again: a deterministic doubling schedule, capped, then the dead letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from leadflow.config import Settings


@dataclass(frozen=True)
class RetryPolicy:
    """Tries allowed and the wait after each failed try: base, 2*base, 4*base ... never above cap."""

    max_attempts: int = 8
    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The policy configured by LEADFLOW_NOTIFY_MAX_ATTEMPTS, _RETRY_BASE and _RETRY_CAP."""
        return cls(
            max_attempts=settings.notify_max_attempts,
            base=timedelta(seconds=settings.notify_retry_base),
            cap=timedelta(seconds=settings.notify_retry_cap),
        )

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed try (1 -> base, 2 -> 2*base, ...), capped."""
        if attempts < 1:
            return timedelta(0)
        # Bounded exponent: 2**40 * base already exceeds any sensible cap.
        return min(self.base * (1 << min(attempts - 1, 40)), self.cap)

    def is_exhausted(self, attempts: int) -> bool:
        """True when no try is left after `attempts` tries: the message goes to the dead letter."""
        return attempts >= self.max_attempts

    def next_attempt(self, attempts: int, now: datetime) -> datetime:
        """When to try again after the `attempts`-th failure at `now`."""
        return now + self.delay(attempts)

    def schedule(self) -> list[timedelta]:
        """Every wait between tries, in order (for docs and `outbox list`)."""
        return [self.delay(n) for n in range(1, self.max_attempts)]
