"""Embeddings computed by a sync that has not finished, kept so a killed bulk import resumes.

Embedding a big import takes minutes to hours, and the index files are written
once, at the end (rewriting vectors, FAISS and BM25 after every batch would
cost O(n^2)). So each chunk of fresh vectors is also appended to `journal/`
the moment it is computed: one small `.npz` per chunk (content hashes +
vectors + model name), written to a temporary name, flushed and renamed, so
a kill leaves only whole chunks. The next sync takes vectors from the
journal before asking the model; the journal is deleted once an index
holding those vectors is committed. A chunk of another model or dimension,
or one that cannot be read, is ignored (its texts are embedded again).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path
from typing import Sequence

import numpy as np

JOURNAL_DIR = "journal"
#: Texts per journal chunk: at most this many embeddings are lost to a kill
#: (about 10 s of work for MiniLM on 2 cores).
JOURNAL_EVERY = 1024


class Journal:
    """The `journal/` folder of one index: append chunks, read them back, clear."""

    def __init__(self, folder: Path, model: str, dimension: int) -> None:
        self.folder = Path(folder)
        self.model = str(model)
        self.dimension = int(dimension)

    def load(self) -> dict[str, np.ndarray]:
        """content hash -> vector for every readable chunk of this model and dimension."""
        found: dict[str, np.ndarray] = {}
        if not self.folder.is_dir():
            return found
        for path in sorted(self.folder.glob("*.npz")):
            try:
                with np.load(path, allow_pickle=False) as data:
                    if str(data["model"]) != self.model or data["vectors"].shape[1:] != (self.dimension,):
                        continue
                    hashes, vectors = data["hashes"], np.asarray(data["vectors"], dtype=np.float32)
                    if len(hashes) != len(vectors):
                        continue
                    found.update(zip((str(h) for h in hashes), vectors))
            except Exception:  # noqa: BLE001 - an unreadable chunk only costs re-embedding
                continue
        return found

    def append(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Durably add one chunk (temporary name, fsync, rename)."""
        if not len(hashes):
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{os.getpid()}"
        tmp = self.folder / f".{name}.part"
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                model=np.array(self.model),
                hashes=np.array(list(hashes), dtype=str),
                vectors=np.asarray(vectors, dtype=np.float32),
            )
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.folder / f"{name}.npz")

    def clear(self) -> None:
        """Drop every chunk (after the index holding them is committed)."""
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.folder)
