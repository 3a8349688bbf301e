#!/usr/bin/env python
"""Cold start of a one-shot `modelkb search`, with and without the ONNX export.

Each number is the wall time of a fresh process (median of `--repeats` runs):

- `python -c "import torch"`: the floor the sentence-transformers path pays;
- `modelkb search` with the ONNX export beside the index (queries embedded by
  onnxruntime, torch never imported);
- the same search with the export moved away (fallback: sentence-transformers);
- `modelkb --help`.

The catalog is `--files` generated prompt files (gen_prompts.py), ingested by
the real App with the bundled model, which also writes the export. Each run also
reports which heavy modules the search process imported, so a regression that
pulls torch back in shows up as such, not only as a slower number.

Run alone (`python benchmarks/cold_start.py`) or as the `cold_start` section of
`make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)
import modelkb.config  # noqa: E402,F401  (sets the offline environment before torch loads)
from measure import median_runs, wall_runs  # noqa: E402

QUESTION = "sharpen a blurry photo of a car"
HEAVY = ("torch", "sentence_transformers", "transformers", "onnxruntime", "alembic", "scipy.sparse", "ftfy")
# Runs the CLI like the console script does and reports the heavy modules it imported.
_WRAPPER = (
    "import atexit, json, os, sys\n"
    "atexit.register(lambda: open(os.environ['MODULES_FILE'], 'w').write("
    f"json.dumps([m for m in {HEAVY!r} if sys.modules.get(m) is not None])))\n"
    "from modelkb.cli import main\n"
    "sys.argv[0] = 'modelkb'\n"
    "main()\n"
)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MODELKB_DB", "MODELKB_MODEL")}
    env.update(MODELKB_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p))
    return env


def _median_wall(cmd: list[str], env: dict[str, str], repeats: int) -> dict[str, Any]:
    median, runs = median_runs(wall_runs(cmd, env, repeats, cwd=ROOT))
    return {"median_s": median, "runs_s": runs}


def _search(home: Path, repeats: int, work: Path) -> dict[str, Any]:
    env = _env(home)
    env["MODULES_FILE"] = str(work / "modules.json")
    out = _median_wall([sys.executable, "-c", _WRAPPER, "-q", "search", QUESTION, "-k", "5"], env, repeats)
    out["imported"] = json.loads((work / "modules.json").read_text())
    return out


def build_catalog(home: Path, files: int, work: Path) -> dict[str, Any]:
    """Ingest generated prompt files with the real model; the App exports to ONNX after embedding."""
    from gen_prompts import generate
    from indexer.onnx_encoder import onnx_folder, read_export_manifest
    from modelkb.app import App
    from modelkb.config import load_settings
    from modelkb.inputs import expand

    os.environ["MODELKB_HOME"] = str(home)
    generate(work / "prompts", files)
    app = App(load_settings())
    t0 = time.perf_counter()
    app.ingest(expand([str(work / "prompts")]))
    report = app.sync_index()
    seconds = time.perf_counter() - t0
    folder = onnx_folder(app.settings.index_dir)
    manifest = read_export_manifest(folder)
    if manifest is None:
        raise SystemExit(f"cold_start: no ONNX export was written to {folder}")
    items = app.catalog.stats()["items"]
    app.catalog.close()
    return {"items": items, "embedded": report.embedded, "ingest_and_export_s": round(seconds, 1),
            "export_max_abs_diff": manifest.get("max_abs_diff"), "export_folder": folder}


def bench_cold_start(work: Path, files: int = 200, repeats: int = 5) -> dict[str, Any]:
    """The section for benchmarks/run.py: a catalog in `work`, then the subprocess timings."""
    home = work / "cold-home"
    catalog = build_catalog(home, files, work)
    folder: Path = catalog.pop("export_folder")
    env = _env(home)
    result: dict[str, Any] = {"catalog": catalog, "repeats": repeats}
    result["import_torch"] = _median_wall([sys.executable, "-c", "import torch"], env, repeats)
    result["help"] = _median_wall([sys.executable, "-m", "modelkb.cli", "--help"], env, repeats)
    _search(home, 1, work)  # first run after the ingest: warm the OS file cache like a user's second call
    result["search_onnx"] = _search(home, repeats, work)
    aside = folder.with_name(folder.name + ".aside")
    folder.rename(aside)
    try:
        result["search_fallback"] = _search(home, repeats, work)
    finally:
        aside.rename(folder)
    result["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result["note"] = ("fresh process per run, wall time; search_onnx must not import torch "
                      "(see 'imported'); the fallback is sentence-transformers")
    return result


def summary_line(v: dict[str, Any]) -> str:
    return (f"cold      {v['catalog']['items']} items, median of {v['repeats']}: `import torch` "
            f"{v['import_torch']['median_s']:.2f}s; one-shot search with ONNX {v['search_onnx']['median_s']:.2f}s "
            f"(imports {', '.join(v['search_onnx']['imported']) or 'nothing heavy'}), without "
            f"{v['search_fallback']['median_s']:.2f}s; --help {v['help']['median_s']:.2f}s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=200, help="generated prompt files in the catalog (default 200)")
    ap.add_argument("--repeats", type=int, default=5, help="runs per measurement (default 5)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="modelkb-cold-"))
    try:
        result = bench_cold_start(work, args.files, args.repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))
    print(summary_line(result), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
