"""The worker's scheduled jobs on a thread beside the web app (`serve` without --no-worker)."""

from __future__ import annotations

import logging
import threading

from leadflow.services.context import Context

log = logging.getLogger("leadflow.worker")


class BackgroundWorker:
    """Runs the worker's due jobs every `interval` seconds until stopped."""

    def __init__(self, ctx: Context, interval: float = 15.0) -> None:
        self._ctx = ctx
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the loop on a daemon thread."""
        self._thread = threading.Thread(target=self._loop, name="leadflow-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the loop to finish and wait for the current round."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        from leadflow.services.worker import run_once

        while not self._stop.is_set():
            try:
                run_once(self._ctx, force=False)
            except Exception:  # a failing job must not take the web app down; it is retried next round
                log.exception("worker round failed")
            self._stop.wait(self._interval)
