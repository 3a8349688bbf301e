"""`make bench` section `cli`: cold start of the console script on the bench catalog.

`modelkb --help` and a first `modelkb search`, each a fresh process, median of
3 (the one-shot search with / without the ONNX export: cold_start.py).
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

from measure import median_runs, modelkb_command, say, wall_runs

QUESTION = "sharpen a blurry photo of a car"


def bench_cli(home: Path, repeats: int = 3) -> dict[str, Any]:
    """Wall time of `--help` and of a first search against the catalog in `home`."""
    cmd = modelkb_command()
    env = dict(os.environ, MODELKB_HOME=str(home))
    help_runs = wall_runs(cmd + ["--help"], env, repeats)
    search_runs = wall_runs(cmd + ["search", QUESTION, "-k", "5"], env, repeats)
    help_s, search_s = statistics.median(help_runs), statistics.median(search_runs)
    say(f"cli: --help {help_s:.2f}s, first search {search_s:.2f}s (median of {repeats})")
    help_median, help_rounded = median_runs(help_runs)
    search_median, search_rounded = median_runs(search_runs)
    return {
        "help_s": help_median, "help_runs": help_rounded,
        "first_search_s": search_median, "first_search_runs": search_rounded,
        "note": "fresh process each run; first search includes importing torch and loading the model",
    }


def cli_lines(v: dict[str, Any]) -> list[str]:
    """The `cli` section in the run summary."""
    return [f"cli       --help {v['help_s']:.2f}s, first search {v['first_search_s']:.2f}s (median of 3, cold process)"]
