"""Jupyter kernels reused across reports, warmed up while the caller prepares the run.

A report made in a warm kernel is the same as one made alone: the namespace is
emptied before each run (see :mod:`diagnostic.report.execute`).
"""
from __future__ import annotations

import os
import subprocess
import threading
import time
from queue import Empty

from jupyter_client.manager import KernelManager

KERNEL_NAME = "python3"

#: Run silently by a new kernel while the caller prepares the run (fingerprint,
#: nbconvert...): the kit's modules, its reference geography, its tables and the
#: commune contours are loaded once, and the notebook finds them warm. Nothing is
#: left in the user namespace (each run starts with ``%reset -f`` anyway), and a
#: failure here only means a colder first notebook.
WARM_UP = """
def _diagnostic_warm_up():
    import threading
    import diagnostic.charts, diagnostic.export, diagnostic.maps, diagnostic.report.diagnostic
    from diagnostic import data
    from diagnostic.sources import geometries
    from diagnostic.territory import france, geography
    # The contours (read and decoded mostly outside the GIL) load beside the rest; the
    # first map of a report comes late enough to find them loaded.
    contours = threading.Thread(target=geometries._all_polygons, daemon=True)
    contours.start()
    geography()
    france()
    data.warm()
    return contours
try:
    _diagnostic_contours = _diagnostic_warm_up()
except Exception:
    _diagnostic_contours = None
del _diagnostic_warm_up
# What is loaded now lives as long as the kernel: out of the garbage collector's sight, the
# full collections of each run's "%reset" (and the automatic ones) cost far less.
import gc
gc.collect()
gc.freeze()
"""


class KernelSession:
    """One Jupyter kernel reused across several notebooks (batch workers, and single reports).

    The kernel is started without waiting for it (:meth:`start`), and a silent
    warm-up cell (:data:`WARM_UP`) imports the kit and loads its tables while the
    caller does its own preparation; :meth:`ready` waits for both. One kernel
    client (ZMQ channels) serves every run. Each run starts with a cell that
    empties the user namespace (``%reset -f``), so a report is the same as with a
    fresh kernel, while imported modules and their caches (store tables,
    reference values of the département, région and France, contours) stay warm.
    A kernel that died is started again on next use.
    """

    def __init__(self, kernel_name: str = KERNEL_NAME, warm_up: bool = True, start: bool = False,
                 env: dict | None = None):
        self.kernel_name = kernel_name
        self.warm_up = warm_up
        #: Variables added to the kernel's environment.
        self.env = dict(env or {})
        self.km = None
        self.kc = None
        self.runs = 0
        #: Held while the kernel makes a report (a batch never shuts a busy kernel down).
        self.lock = threading.Lock()
        self._pending: set[str] = set()
        self._started_at: float | None = None
        #: Seconds from the start of the kernel to its readiness (warm-up included).
        self.start_seconds = 0.0
        if start:
            self.start()

    def try_start(self) -> None:
        """:meth:`start`, a failure left for :meth:`ready` to report (then in French)."""
        try:
            self.start()
        except Exception:
            self.shutdown()

    def start(self) -> None:
        """Start the kernel (and its warm-up) if it is not running; do not wait for it."""
        if self.km is not None and self.km.is_alive():
            return
        self.shutdown()
        self._started_at = time.perf_counter()
        km = KernelManager(kernel_name=self.kernel_name)
        km.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        **({"env": {**os.environ, **self.env}} if self.env else {}))
        kc = km.client()
        kc.start_channels()
        self.km, self.kc, self.runs = km, kc, 0
        # Queued until the kernel listens; answered in order.
        self._pending = {kc.kernel_info()}
        if self.warm_up:
            self._pending.add(kc.execute(WARM_UP, silent=True, store_history=False))

    def ready(self, timeout: float = 120) -> float:
        """Wait until the kernel answers and has run its warm-up; return the seconds waited."""
        self.start()
        waited = time.perf_counter()
        deadline = waited + timeout
        while self._pending:
            try:
                msg = self.kc.get_shell_msg(timeout=0.5)
            except Empty:
                if not self.km.is_alive():
                    self.shutdown()
                    raise RuntimeError("le noyau Jupyter s'est arrêté pendant son démarrage")
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"le noyau Jupyter n'a pas répondu en {timeout:.0f} s")
                continue
            self._pending.discard(msg.get("parent_header", {}).get("msg_id"))
            if not self._pending:
                self.start_seconds = time.perf_counter() - (self._started_at or waited)
        while True:  # what the warm-up printed: not part of any report
            try:
                self.kc.get_iopub_msg(timeout=0)
            except Empty:
                break
        return time.perf_counter() - waited

    def shutdown(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
            self.kc = None
        if self.km is not None:
            process = getattr(getattr(self.km, "provisioner", None), "process", None)
            try:  # killed and reaped at once: jupyter_client checks for its end every 0.1 s
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait(timeout=5)
            except Exception:
                pass
            try:  # then the usual shutdown: its process group, connection file, ZMQ context
                self.km.shutdown_kernel(now=True)
            except Exception:
                pass
            self.km = None
        self._pending = set()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()
