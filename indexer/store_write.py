"""Writing the folder index: resumable embedding, row assembly, and the on-disk commit.

`store.SearchIndex._write` decides what to embed and keep (under the writer
lock); this module does the work: embed in journal chunks so a killed sync
resumes, lay new and kept vectors out in id order, and write every file into a
temporary folder that is moved into place with the manifest last (so an
interrupted write leaves no manifest, hence no index that passes the check).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from indexer.embedder import Embedder, encode_batched
from indexer.faiss_index import FaissSettings, grow_or_build, index_type, ivf_info
from indexer.files import commit, fsync_write, save_npy, temp_dir
from indexer.journal import Journal
from indexer.lexical import BM25_DIR, save_bm25
from indexer.manifest import (
    FAISS,
    HASHES,
    IDS,
    MANIFEST,
    SIZED_FILES,
    VECTORS,
    IndexState,
    build_manifest,
    manifest_stamp,
    row_index,
)
from indexer.records import IndexEntry


def embed_resumable(
    embedder: Embedder,
    entries: Sequence[IndexEntry],
    journal: Journal,
    *,
    batch_size: int,
    journal_every: int,
    progress: Callable[[int], None] | None,
    on_start: Callable[[int], None] | None,
) -> tuple[np.ndarray, int]:
    """Vectors for `entries` (row order) and how many came from the journal.

    Texts go to the model longest first, like one `encode_batched` call, but in
    journal chunks; a job of at most one chunk is not journaled (a kill costs
    less than re-reading it would save)."""
    dim = int(embedder.dimension)
    journaled = len(entries) > journal_every
    known = journal.load() if journaled else {}
    need = [i for i, e in enumerate(entries) if e.hash not in known]
    if on_start is not None:
        on_start(len(need))
    out = np.empty((len(entries), dim), dtype=np.float32)
    for i, e in enumerate(entries):
        if e.hash in known:
            out[i] = known[e.hash]
    need.sort(key=lambda i: -len(entries[i].text))
    step = journal_every if journaled else max(len(need), 1)
    for start in range(0, len(need), step):
        rows = need[start : start + step]
        vecs = encode_batched(embedder, [entries[i].text for i in rows], dim, batch_size, progress)
        if journaled:
            journal.append([entries[i].hash for i in rows], vecs)
        out[rows] = vecs
    return out, len(entries) - len(need)


def merged_vectors(
    ids: np.ndarray, fresh: dict[int, int], new_vectors: np.ndarray, old: IndexState | None, dim: int
) -> np.ndarray:
    """One row per id (ascending): freshly embedded where `fresh` names it (id -> row
    of `new_vectors`), else the row the old index already holds (nothing re-embedded)."""
    vectors = np.empty((len(ids), dim), dtype=np.float32)
    id_list = ids.tolist()
    is_fresh = np.array([i in fresh for i in id_list], dtype=bool)
    if is_fresh.any():
        vectors[is_fresh] = new_vectors[[fresh[i] for i in id_list if i in fresh]]
    if not is_fresh.all():
        assert old is not None
        kept_rows = [old.row_of[i] for i in id_list if i not in fresh]
        vectors[~is_fresh] = np.asarray(old.vectors[kept_rows], dtype=np.float32)
    return vectors


def persist(
    directory: Path,
    *,
    model: str,
    ids: np.ndarray,
    vectors: np.ndarray,
    hashes: dict[int, str],
    texts: list[str],
    grow_from: IndexState | None,
    fresh: dict[int, int],
    dead: int,
    settings: FaissSettings,
    previous: dict[str, Any] | None,
) -> IndexState:
    """Write the whole index (FAISS grown or built, arrays, hashes, BM25, manifest last)
    and return it loaded; `previous` is the manifest it replaces (keeps `created`)."""
    import faiss

    with temp_dir(directory) as tmp:
        index, stale = grow_or_build(ids, vectors, grow_from, fresh, dead, settings)
        faiss.write_index(index, str(tmp / FAISS))
        save_npy(tmp / IDS, ids)
        save_npy(tmp / VECTORS, vectors)
        fsync_write(
            tmp / HASHES,
            json.dumps({str(i): h for i, h in hashes.items()}, indent=0).encode("utf-8"),
        )
        bm25 = save_bm25(tmp / BM25_DIR, texts)
        kind = index_type(index)
        manifest = build_manifest(
            folder=tmp,
            model=model,
            dimension=int(vectors.shape[1]),
            count=len(ids),
            index_type=kind,
            hashes=hashes,
            hnsw=(
                {"M": settings.hnsw_m, "efConstruction": settings.ef_construction, "efSearch": settings.ef_search}
                if kind == "hnsw"
                else None
            ),
            faiss_ntotal=int(index.ntotal),
            stale=stale,
            previous=previous,
        )
        manifest["ivf"] = ivf_info(index, settings)
        commit(tmp, directory, (*SIZED_FILES, BM25_DIR), MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))

    return IndexState(
        manifest=manifest,
        ids=ids,
        vectors=vectors,
        hashes=hashes,
        faiss_index=index,
        bm25=bm25,
        row_of=row_index(ids),
        stamp=manifest_stamp(directory),
    )
