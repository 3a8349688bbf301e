"""Query encoding without torch: the embedding model exported to ONNX, run by onnxruntime.

Importing torch costs seconds, so a one-shot `modelkb search` would spend far
more time starting than searching. `indexer.onnx_export` (which needs torch)
writes the transformer of the sentence-transformers model to ONNX once, beside
the search index; this module (which needs only onnxruntime, tokenizers and
numpy) reads it back and reproduces the model's vectors: the same tokenizer
with the same truncation, mean pooling over the attention mask, L2 norm. The
export is checked against sentence-transformers when it is written, and on
every load against the model it came from (name + fingerprint of its files),
so a changed `--model` never uses a stale export.

`QueryEmbedder` uses the export when it is valid and falls back to
sentence-transformers when it is missing, foreign or broken.

Folder layout (`<index dir>/onnx/`): `model.onnx` (the graph, already optimized
by onnxruntime), `model.onnx.data` (its weights), `tokenizer.json`, and
`export.json` (written last; see `read_export_manifest`). Loading costs a small
fraction of importing torch because the graph is not optimized again and the
weights are memory-mapped, not parsed.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from indexer.embedder import SentenceTransformerEmbedder, normalize_rows

ONNX_DIR = "onnx"
EXPORT_MANIFEST = "export.json"
MODEL_FILE = "model.onnx"
DATA_FILE = "model.onnx.data"  # the weights, kept outside the graph: onnxruntime maps them instead of parsing
TOKENIZER_FILE = "tokenizer.json"
EXPORT_FORMAT = "modelkb-onnx"
EXPORT_FORMAT_VERSION = 1
#: Vectors of the export may differ from sentence-transformers' by at most this (max abs).
TOLERANCE = 1e-4


def source_fingerprint(location: str | os.PathLike[str]) -> str | None:
    """sha256 over (relative path, size, mtime) of every file of a model folder.

    Cheap (stat calls only), so it can be checked on every load; changes when the
    weights, tokenizer or configs of the folder change. None when `location` is
    not a folder (a Hugging Face cache name): such a model is never exported.
    """
    root = Path(location)
    if not root.is_dir():
        return None
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            try:
                st = path.stat()
            except OSError:
                continue
            h.update(f"{path.relative_to(root).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def read_export_manifest(folder: Path) -> dict[str, Any] | None:
    """`export.json` of an export folder, or None when missing or unreadable.

    Keys: format, format_version, model (embedder name), location, source_fingerprint,
    dimension, max_seq_length, do_lower_case, pad_id, pad_token, pooling ("mean"),
    inputs (ONNX input names), output, optimized (the onnxruntime optimization level
    already applied), files ({name: size}), max_abs_diff (measured at export), probe
    ({text, vector}: checked on every load), created.
    """
    try:
        data = json.loads((folder / EXPORT_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def export_problem(folder: Path, name: str, location: str, dimension: int | None) -> str | None:
    """Why the export in `folder` cannot stand in for model `name` at `location`; None if it can.

    Checks the manifest and file sizes only (no model loading)."""
    manifest = read_export_manifest(folder)
    if manifest is None:
        return "no ONNX export" if not folder.exists() else "the ONNX export has no readable export.json"
    if manifest.get("format") != EXPORT_FORMAT or manifest.get("format_version") != EXPORT_FORMAT_VERSION:
        return f"the ONNX export has format {manifest.get('format')!r} {manifest.get('format_version')!r}"
    if manifest.get("model") != name:
        return f"the ONNX export is of model {manifest.get('model')!r}, not {name!r}"
    fp = source_fingerprint(location)
    if fp is None or manifest.get("source_fingerprint") != fp:
        return f"the ONNX export was made from other files than {location!r}"
    if dimension is not None and manifest.get("dimension") != dimension:
        return f"the ONNX export has dimension {manifest.get('dimension')}, the model {dimension}"
    files = manifest.get("files")
    if not isinstance(files, dict) or not {MODEL_FILE, TOKENIZER_FILE} <= set(files):
        return "the ONNX export's manifest lists no model or tokenizer"
    for fname, size in files.items():
        path = folder / fname
        try:
            actual = path.stat().st_size
        except OSError:
            return f"the ONNX export lacks {fname}"
        if actual != size:
            return f"the ONNX export's {fname} has {actual} bytes, its manifest says {size}"
    return None


@dataclass
class OnnxEncoder:
    """The exported transformer + tokenizer; `encode` returns unit float32 rows."""

    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer, truncation + padding configured
    inputs: tuple[str, ...]
    dimension: int
    do_lower_case: bool = False

    @classmethod
    def load(cls, folder: Path) -> "OnnxEncoder":
        """Open an export folder (assumed checked by `export_problem`); raises on broken files."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        manifest = read_export_manifest(folder)
        if manifest is None:
            raise ValueError(f"{folder / EXPORT_MANIFEST} is missing or unreadable")
        tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        configure_tokenizer(tokenizer, int(manifest["max_seq_length"]), manifest.get("pad_id", 0),
                            manifest.get("pad_token", "[PAD]"))
        options = ort.SessionOptions()
        options.log_severity_level = 3  # warnings about unused initializers are noise on a CLI
        # One thread per call: a query is a few tokens, where a second thread costs more in
        # hand-off than it saves, and spinning threads steal the core another request (or
        # another process) needs. Measured on 2 cores: ~2x faster warm, far steadier under load.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if manifest.get("optimized"):  # optimized once at export; doing it again costs ~1 s per process
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = ort.InferenceSession(str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        inputs = tuple(i.name for i in session.get_inputs())
        if inputs != tuple(manifest["inputs"]):
            raise ValueError(f"model.onnx takes inputs {inputs}, export.json says {manifest['inputs']}")
        encoder = cls(session, tokenizer, inputs, int(manifest["dimension"]), bool(manifest.get("do_lower_case")))
        probe = manifest.get("probe")
        if probe is not None:  # damaged weights of the right size load fine but compute nonsense
            expected = np.asarray(probe["vector"], dtype=np.float32)
            got = encoder.encode([probe["text"]])[0]
            if got.shape != expected.shape or not float(np.abs(got - expected).max()) <= TOLERANCE:
                raise ValueError("the exported model no longer reproduces its recorded probe vector")
        return encoder

    def encode(self, texts: Sequence[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        """Embed `texts` in batches of `batch_size`; float32 (n, d), unit-length rows."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single string")
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        if self.do_lower_case:
            texts = [t.lower() for t in texts]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        step = max(int(batch_size), 1)
        for start in range(0, len(texts), step):
            out[start : start + step] = self._batch(texts[start : start + step])
        return normalize_rows(out)

    def _batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        columns = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        feed = {name: np.asarray(columns[name], dtype=np.int64) for name in self.inputs}
        tokens = self.session.run(None, feed)[0]
        return mean_pool(np.asarray(tokens, dtype=np.float32), feed["attention_mask"])


def configure_tokenizer(tokenizer: Any, max_length: int, pad_id: int, pad_token: str) -> None:
    """Truncate and pad as sentence-transformers calls the tokenizer: longest-first
    truncation at the model's max_seq_length, padding to the longest text of the batch."""
    tokenizer.no_truncation()
    tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
    tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token)


def mean_pool(tokens: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean pooling: the average of the token vectors the
    attention mask keeps (the divisor clamped at 1e-9), not yet normalized."""
    mask = attention_mask.astype(np.float32)[:, :, None]
    summed = (tokens * mask).sum(axis=1)
    return summed / np.clip(mask.sum(axis=1), 1e-9, None)


def onnx_folder(index_dir: Path) -> Path:
    """Where the ONNX export of an index's model lives."""
    return Path(index_dir) / ONNX_DIR


class QueryEmbedder:
    """Embeds queries with the ONNX export when it is valid for `base`'s model, else with
    `base` (sentence-transformers). Same `name` and `dimension` as `base`, so an index
    written with `base` is searched with this one.

    The export is looked at once, on the first `encode`; `notify` hears why it was not
    used, when it exists but is unusable (a missing one is the normal first state).
    """

    def __init__(
        self, base: SentenceTransformerEmbedder, folder: Path, notify: Callable[[str], None] | None = None
    ) -> None:
        self.base = base
        self.folder = Path(folder)
        self.name = base.name
        self.notify = notify or (lambda msg: None)
        self._encoder: OnnxEncoder | None = None
        self._checked = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"QueryEmbedder(name={self.name!r}, folder={str(self.folder)!r})"

    @property
    def dimension(self) -> int:  # type: ignore[override]
        return self.base.dimension

    def onnx(self) -> OnnxEncoder | None:
        """The ONNX encoder, or None when the export is missing or unusable (checked once)."""
        if self._checked:
            return self._encoder
        with self._lock:
            if not self._checked:
                self._encoder = self._open()
                self._checked = True
        return self._encoder

    def _open(self) -> OnnxEncoder | None:
        problem = export_problem(self.folder, self.name, self.base.location, self.base.dimension)
        if problem is not None:
            if self.folder.exists():
                self.notify(f"{problem}; embedding queries with sentence-transformers")
            return None
        try:
            return OnnxEncoder.load(self.folder)
        except Exception as exc:  # noqa: BLE001 - a broken export must never stop a search
            self.notify(
                f"the ONNX export in {self.folder} cannot be loaded ({type(exc).__name__}: "
                f"{' '.join(str(exc).split())[:200]}); embedding queries with sentence-transformers"
            )
            return None

    def forget(self) -> None:
        """Look at the export folder again on the next `encode` (after an export)."""
        with self._lock:
            self._encoder = None
            self._checked = False

    def encode(self, texts: Sequence[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        """Vectors of `texts`: through ONNX when possible, else sentence-transformers."""
        encoder = self.onnx()
        if encoder is not None:
            return encoder.encode(texts, batch_size=batch_size)
        return self.base.encode(texts, batch_size=batch_size, show_progress=show_progress)



def query_embedder_for(base: Any, index_dir: Path, notify: Callable[[str], None] | None = None) -> Any:
    """The embedder for queries against the index in `index_dir`: a `QueryEmbedder` over
    `base` when it is a sentence-transformers model, else `base` itself (a test's fake)."""
    if isinstance(base, SentenceTransformerEmbedder):
        return QueryEmbedder(base, onnx_folder(index_dir), notify)
    return base
