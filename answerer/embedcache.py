"""Per-embedder memo of text -> vector, so one file's texts are embedded once.

Composing an answer ranks the items, then looks for evidence sentences for
each sub-question; the same summaries recur across files (the seeds share
papers). Vectors are cached per embedder object (weakly: a dropped embedder
drops its cache), bounded, and only for embedders that produce the same
vector for the same text — which the `Embedder` protocol promises.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Sequence

import numpy as np

from indexer.embedder import Embedder

#: Most vectors kept per embedder (384 floats each: ~1.5 KiB).
MAX_ENTRIES = 20_000

_caches: "weakref.WeakKeyDictionary[Embedder, OrderedDict[str, np.ndarray]]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def encode(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """`embedder.encode(texts)` with repeated texts served from the cache; float32 (n, d)."""
    texts = [t if isinstance(t, str) else str(t) for t in texts]
    try:
        with _lock:
            cache = _caches.setdefault(embedder, OrderedDict())
    except TypeError:  # not weak-referenceable: no caching
        return np.asarray(embedder.encode(texts), dtype=np.float32)
    with _lock:
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
    if missing:
        vectors = np.asarray(embedder.encode(missing), dtype=np.float32)
        with _lock:
            for text, vec in zip(missing, vectors):
                cache[text] = vec
            while len(cache) > MAX_ENTRIES:
                cache.popitem(last=False)
    with _lock:
        rows = []
        for t in texts:
            vec = cache.get(t)
            if vec is None:  # evicted meanwhile (tiny caches only)
                vec = np.asarray(embedder.encode([t]), dtype=np.float32)[0]
            else:
                cache.move_to_end(t)
            rows.append(vec)
    if not rows:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.vstack(rows).astype(np.float32, copy=False)
