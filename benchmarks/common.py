"""Shared helpers: timing, printing figures, memory of a process tree, the results file."""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

RESULTS = Path(__file__).with_name("results") / "latest.json"
ROOT = Path(__file__).resolve().parent.parent

_figures: dict[str, dict] = {}


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(name: str, value: float, unit: str, target: str | None = None) -> None:
    """Print ``name: value unit`` and keep the figure for the results file."""
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    line = f"{name}: {text} {unit}"
    if target:
        line += f"   (objectif : {target})"
    print(line, flush=True)
    _figures[name] = {"value": value, "unit": unit, **({"target": target} if target else {})}


def note(text: str) -> None:
    """A comment line of the output (not a figure)."""
    print(f"  # {text}", flush=True)


@contextmanager
def cache_dir(path):
    """Point the kit's store at ``path`` for the block, then back where it was (override and
    ``$DIAGNOSTIC_CACHE`` alike)."""
    from diagnostic import config, data, store

    saved_override = config.options_set().cache
    saved_env = os.environ.get("DIAGNOSTIC_CACHE")
    config.set_cache(path)
    store.clear_memory()
    data.clear_cache()
    try:
        yield Path(path)
    finally:
        config.configure(cache=saved_override)
        if saved_env is None:
            os.environ.pop("DIAGNOSTIC_CACHE", None)
        else:
            os.environ["DIAGNOSTIC_CACHE"] = saved_env
        store.clear_memory()
        data.clear_cache()


class TreeMemory:
    """Peak resident memory (RSS) of a process and all its descendants, sampled every 0.1 s."""

    def __init__(self, pid: int | None = None, interval: float = 0.1):
        import psutil

        self.process = psutil.Process(pid or os.getpid())
        self.interval = interval
        self.peak = 0
        self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        import psutil

        try:
            procs = [self.process, *self.process.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        if total > self.peak:
            self.peak, self.processes = total, len(procs)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


def run_python(code: str, timeout: float = 3600, env: dict | None = None) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter of this environment: (wall seconds, stdout)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"échec du sous-processus ({done.returncode}) :\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "charge_1min": round(load[0], 2)}


def save() -> Path:
    previous = {}
    if RESULTS.exists():
        try:
            previous = json.loads(RESULTS.read_text()).get("figures", {})
        except ValueError:
            previous = {}
    data = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": machine(),
        "figures": {**previous, **_figures},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False))
    tmp.replace(RESULTS)
    return RESULTS
