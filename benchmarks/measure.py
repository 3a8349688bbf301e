"""Timing helpers the benchmark sections share (`make bench` = run.py and the standalone scripts).

One place for how a latency is summarized, how a subprocess is timed, how the
embedder's own time is separated from ours, and what the machine was, so every
section reports the same fields the same way.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also when a standalone script imports this first
    sys.path.insert(0, str(ROOT))

from indexer.embedder import WrappedEmbedder  # noqa: E402


def latency(samples: list[float]) -> dict[str, float]:
    """p50 / p95 / mean in ms (numpy percentiles) and the sample count."""
    ms = np.array(samples) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "n": len(samples),
    }


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """`fn()`'s result and its wall time in seconds."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def say(msg: str) -> None:
    """Progress on stderr, so stdout keeps only the summary."""
    print(msg, file=sys.stderr, flush=True)


def modelkb_command() -> list[str]:
    """The installed `modelkb` console script beside this Python, else `python -m modelkb.cli`."""
    exe = Path(sys.executable).with_name("modelkb")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "modelkb.cli"]


def wall_runs(cmd: Sequence[str], env: dict[str, str], repeats: int, cwd: Path | None = None) -> list[float]:
    """Wall seconds of `repeats` fresh runs of `cmd` (each must succeed): cold-process timings."""
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(list(cmd), env=env, check=True, capture_output=True, cwd=cwd)
        runs.append(time.perf_counter() - t0)
    return runs


def median_runs(runs: list[float]) -> tuple[float, list[float]]:
    """The median and the runs, rounded to ms, as the results JSON stores them."""
    return round(statistics.median(runs), 3), [round(r, 3) for r in runs]


class TimedEmbedder(WrappedEmbedder):
    """Wraps the real embedder and adds up the time spent in `encode`."""

    def __init__(self, base: Any) -> None:
        super().__init__(base)
        self.seconds = 0.0
        self.texts = 0

    def encode(self, texts: Any, batch_size: int = 32, show_progress: bool = False) -> Any:
        texts = list(texts)
        t0 = time.perf_counter()
        out = self.base.encode(texts, batch_size=batch_size, show_progress=show_progress)
        self.seconds += time.perf_counter() - t0
        self.texts += len(texts)
        return out


class threads:
    """Run a block with `n` torch intra-op threads and `n` FAISS OpenMP threads, then restore."""

    def __init__(self, n: int | None) -> None:
        self.n = n

    def __enter__(self) -> "threads":
        import faiss
        import torch

        self.saved = (torch.get_num_threads(), faiss.omp_get_max_threads())
        if self.n:
            torch.set_num_threads(self.n)
            faiss.omp_set_num_threads(self.n)
        return self

    def __exit__(self, *exc: Any) -> None:
        import faiss
        import torch

        torch.set_num_threads(self.saved[0])
        faiss.omp_set_num_threads(self.saved[1])


def machine() -> dict[str, Any]:
    """What the numbers were measured on (cores, versions, threads, load at start)."""
    import faiss
    import torch

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "faiss": faiss.__version__,
        "faiss_threads": faiss.omp_get_max_threads(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


def say_at(msg: str) -> None:
    """Progress on stderr with the wall-clock time, for runs that last many minutes."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)
