"""A disk cache of embeddings for benchmarks, so a rerun of SciFact / the ANN
benchmark does not spend minutes re-embedding the same 5,183 abstracts.

The cache is keyed by (model name, sha256 of the exact text) and lives in the
git-ignored `benchmarks/work/`. It only ever returns what the same model
produced for the same text, so a number measured through it is the number the
model gives; `hits` / `misses` say how much was served from disk.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from indexer.embedder import WrappedEmbedder

WORK = Path(__file__).resolve().parent / "work"


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class CachedEmbedder(WrappedEmbedder):
    """Wraps an embedder; texts seen before (by this model) come from `path`."""

    def __init__(self, base, path: Path | None = None) -> None:
        super().__init__(base)
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", str(base.name))[-80:]
        self.path = path or WORK / f"embeddings-{safe}.npz"
        self._vectors: dict[bytes, np.ndarray] = {}
        self._dirty = False
        self.hits = 0
        self.misses = 0
        if self.path.is_file():
            with np.load(self.path) as data:
                for key, vec in zip(data["keys"], data["vectors"]):
                    self._vectors[bytes(key)] = vec

    def _load(self):  # noqa: ANN202 - the wrapped SentenceTransformer, for callers that time the load
        return self.base._load()

    def encode(self, texts: Sequence[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        texts = list(texts)
        keys = [_digest(t) for t in texts]
        todo = list(dict.fromkeys(k for k in keys if k not in self._vectors))
        if todo:
            first = {k: t for k, t in zip(keys, texts)}
            fresh = np.asarray(self.base.encode([first[k] for k in todo], batch_size=batch_size), dtype=np.float32)
            self._vectors.update(zip(todo, fresh))
            self._dirty = True
        self.misses += len(todo)
        self.hits += len(texts) - len(todo)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys])

    def save(self) -> None:
        """Write the cache (atomically) if anything new was embedded."""
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors), dtype="S32")
        vectors = np.stack(list(self._vectors.values())).astype(np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=vectors)
        tmp.replace(self.path)
        self._dirty = False
