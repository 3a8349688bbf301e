"""A 100k-item catalog for serving benchmarks, built in minutes on 2 cores.

Embedding 100k texts with the real model would take most of an hour here, and a
search's latency does not depend on what the vectors mean, only on how many there
are and how they cluster. So, starting from a real catalog (the bench catalog:
real prompt files, real embeddings):

1. the catalog and its index folder (with the ONNX export) are copied;
2. synthetic items go in through the normal bulk path (`App.ingest(jsonl=...)`,
   i.e. `modelkb ingest --jsonl`): models named like real zoo models with a variant
   suffix, papers with reworded real titles and fake arXiv ids (year 29, never
   real), summaries spliced from real summaries' sentences, so BM25 sees real
   vocabulary and document lengths;
3. the index is synced through the normal path (`App.sync_index`: FAISS, BM25,
   manifest) with `DerivedEmbedder`: each synthetic text gets the real vector of
   one real item (picked by a hash of the text) plus noise, so vectors cluster the
   way real ones do. Queries are still embedded by the real model (ONNX).

    python benchmarks/big_catalog.py SOURCE_HOME OUT_HOME [--items 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = ["Ft", "Lite", "Pro", "XL", "Tiny", "HQ", "Fast", "Plus", "Mobile", "Wild", "Base", "Large"]
TWISTS = ["{t}", "Revisiting {t}", "{t}: An Empirical Study", "Towards Faster {t}", "{t} at Scale",
          "Lightweight {t}", "On the Robustness of {t}", "{t} Without Paired Data", "Rethinking {t}"]


class DerivedEmbedder:
    """Stands in for the real model when writing the big index: a text's vector is a
    real item's vector (chosen by a hash of the text) plus seeded noise, unit length.
    Same name and dimension as the real model, so the index is valid for its queries."""

    def __init__(self, name: str, base: np.ndarray, noise: float = 0.6):
        self.name = name
        self.dimension = int(base.shape[1])
        self.base = base
        self.noise = noise

    def encode(self, texts: Any, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for r, text in enumerate(texts):
            h = zlib.crc32(text.encode("utf-8"))
            rng = np.random.default_rng(h)
            v = self.base[h % len(self.base)] + self.noise * rng.standard_normal(self.dimension).astype(np.float32) / np.sqrt(self.dimension)
            out[r] = v / np.linalg.norm(v)
        return out


def synthetic_records(items: list[Any], n: int, seed: int = 7) -> list[dict[str, Any]]:
    """`n` JSONL records derived from real catalog items (`ItemView`s)."""
    from indexer.snippet import sentences

    rng = random.Random(seed)
    pool = [s for it in items if it.summary for s in sentences(it.summary)]
    out = []
    for i in range(n):
        parent = items[i % len(items)]
        summary = " ".join(rng.sample(pool, k=min(len(pool), rng.randint(2, 5))))
        if parent.kind == "model":
            name = f"{parent.name}-{rng.choice(VARIANTS)}{i:05d}"
            out.append({"_id": f"synth-m{i}", "kind": "model", "name": name, "summary": summary,
                        "github_url": f"https://github.com/synth-lab{i % 997}/{name.lower()}"})
        else:
            arxiv = f"29{1 + i % 12:02d}.{i:05d}"
            out.append({"_id": f"synth-p{i}", "kind": "paper", "title": rng.choice(TWISTS).format(t=parent.name),
                        "text": summary, "paper_url": f"https://arxiv.org/abs/{arxiv}"})
    return out


def build(source_home: Path, out_home: Path, total_items: int = 100_000) -> dict[str, Any]:
    """Copy the catalog in `source_home` to `out_home` and grow it to `total_items` items."""
    from db.engine import resolve_url
    from modelkb.app import App
    from modelkb.config import Settings, index_dir_for
    from modelkb.inputs import InputFile

    t0 = time.perf_counter()
    if out_home.exists():
        shutil.rmtree(out_home)
    shutil.copytree(source_home, out_home, ignore=shutil.ignore_patterns("server-*.json"))  # not its server
    url = resolve_url(str(out_home / "catalog.db"))
    settings = Settings(home=out_home, db_url=url, model=None, index_dir=index_dir_for(url, out_home))
    manifest = json.loads((settings.index_dir / "manifest.json").read_text())
    base = np.load(settings.index_dir / "vectors.npy")
    app = App(settings, embedder=DerivedEmbedder(manifest["model"], base))
    try:
        items = app.items()
        n = max(0, total_items - len(items))
        lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in synthetic_records(items, n))
        t = time.perf_counter()
        summary = app.ingest([], jsonl=[InputFile.of_bytes("synthetic.jsonl", lines.encode("utf-8"))])
        if summary.files_failed:
            raise RuntimeError("; ".join(summary.errors))
        ingest_s = time.perf_counter() - t
        t = time.perf_counter()
        report = app.sync_index()
        sync_s = time.perf_counter() - t
        count = app.stats().items
    finally:
        app.close()
    return {"items": count, "synthetic": n, "ingest_s": round(ingest_s, 1), "index_sync_s": round(sync_s, 1),
            "embedded": report.embedded, "total_s": round(time.perf_counter() - t0, 1),
            "index_type": json.loads((settings.index_dir / "manifest.json").read_text()).get("index_type")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source_home", type=Path)
    ap.add_argument("out_home", type=Path)
    ap.add_argument("--items", type=int, default=100_000)
    args = ap.parse_args()
    print(json.dumps(build(args.source_home, args.out_home, args.items), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
