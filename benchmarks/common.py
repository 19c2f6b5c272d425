"""Shared helpers: timing, printing figures, the results file."""
from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("results") / "latest.json"

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


def save() -> Path:
    previous = {}
    if RESULTS.exists():
        try:
            previous = json.loads(RESULTS.read_text()).get("figures", {})
        except ValueError:
            previous = {}
    data = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "figures": {**previous, **_figures},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False))
    tmp.replace(RESULTS)
    return RESULTS
