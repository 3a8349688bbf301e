"""Write the ONNX export that `indexer.onnx_encoder` reads (needs torch and onnx).

Run where torch is loaded anyway (after an ingest embedded something, or by
`modelkb reindex`), never on a search. Only the plain Transformer -> mean
Pooling (-> Normalize) layout without a default prompt is exported; any other
model simply keeps using sentence-transformers. The export is compared with
sentence-transformers on probe texts (short, long past the truncation limit,
non-ASCII, empty, padded batches) before it is installed; one that differs by
more than `TOLERANCE` is discarded.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embedder import EmbedderError, SentenceTransformerEmbedder
from indexer.files import fsync_write, locked
from indexer.onnx_encoder import (
    DATA_FILE,
    EXPORT_FORMAT,
    EXPORT_FORMAT_VERSION,
    EXPORT_MANIFEST,
    MODEL_FILE,
    TOKENIZER_FILE,
    TOLERANCE,
    OnnxEncoder,
    configure_tokenizer,
    export_problem,
    source_fingerprint,
)

LOCK = "onnx.lock"  # beside the export folder: one exporter at a time
_TMP_PREFIX = ".onnx-tmp-"
OPTIMIZED = "ORT_ENABLE_EXTENDED"  # graph optimizations applied at export (not layout-specific ones)
_OLD_PREFIX = ".onnx-old-"

#: Texts the export must embed like sentence-transformers does.
PROBES = (
    "sharpen a blurry photo",
    "",
    "Ünïcödé café naïve façade — 日本語のテキスト, 中文, Ελληνικά, русский 🤖",
    "GPT-4 vs. Llama-3.1-70B: which is better @ code? (2x/4x, 1e-4, <tag>)",
    "deblurring network restores sharp detail from motion blur " * 80,  # past max_seq_length
    "x",
)


class ExportError(EmbedderError):
    """The model cannot be exported, or its export does not reproduce its vectors."""


def unsupported_reason(model: Any) -> str | None:
    """Why the loaded SentenceTransformer `model` is not exportable here; None if it is."""
    kinds = [type(m).__name__ for m in model]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return f"modules {kinds} (only Transformer, mean Pooling, Normalize are exported)"
    pooling = model[1].get_config_dict().get("pooling_mode")
    if pooling != "mean":
        return f"pooling {pooling!r} (only mean pooling is exported)"
    if getattr(model, "default_prompt_name", None):
        return f"a default prompt {model.default_prompt_name!r}"
    tokenizer = getattr(model, "tokenizer", None)
    if tokenizer is None or not getattr(tokenizer, "is_fast", False):
        return "no fast (Rust) tokenizer"
    names = list(tokenizer.model_input_names)
    if "input_ids" not in names or "attention_mask" not in names or not set(names) <= {
        "input_ids", "attention_mask", "token_type_ids"
    }:
        return f"tokenizer inputs {names}"
    return None


def _traceable(auto_model: Any, names: list[str]) -> Any:
    """The transformer as a module of positional tensors returning its token vectors."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = auto_model

        def forward(self, *tensors: Any) -> Any:
            return self.model(**dict(zip(names, tensors))).last_hidden_state

    return LastHiddenState().eval()


def _write_export(model: Any, tmp: Path, names: list[str]) -> None:
    import torch

    tokenizer = model.tokenizer
    sample = tokenizer(["a short text", "a somewhat longer text to make padding happen here"],
                       padding=True, truncation="longest_first", return_tensors="pt")
    args = tuple(sample[n] for n in names)
    axes = {n: {0: "batch", 1: "tokens"} for n in names}
    axes["last_hidden_state"] = {0: "batch", 1: "tokens"}
    traced, optimized = tmp / "traced.onnx", tmp / "optimized.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer / deprecation chatter, not actionable for users
        torch.onnx.export(
            _traceable(model[0].auto_model, names), args, str(traced),
            input_names=names, output_names=["last_hidden_state"], dynamic_axes=axes,
            opset_version=17, do_constant_folding=True, dynamo=False,
        )
    _optimize(traced, optimized, tmp / MODEL_FILE)
    traced.unlink()
    optimized.unlink()
    from tokenizers import Tokenizer

    backend = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())  # a copy: the model's stays as it was
    configure_tokenizer(backend, int(model.max_seq_length), int(tokenizer.pad_token_id), str(tokenizer.pad_token))
    backend.save(str(tmp / TOKENIZER_FILE))


def _optimize(traced: Path, optimized: Path, target: Path) -> None:
    """Let onnxruntime optimize the graph once (fusions; `OPTIMIZED` level) and store it with
    its weights in a separate file, which onnxruntime memory-maps when a search loads it."""
    import onnx
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, OPTIMIZED)
    options.optimized_model_filepath = str(optimized)
    ort.InferenceSession(str(traced), options, providers=["CPUExecutionProvider"])
    onnx.save_model(onnx.load(str(optimized)), str(target), save_as_external_data=True,
                    all_tensors_to_one_file=True, location=DATA_FILE, size_threshold=1024)


def _max_diff(encoder: OnnxEncoder, embedder: SentenceTransformerEmbedder) -> float:
    """Largest |onnx - sentence-transformers| over the probes, batched and one by one."""
    probes = list(PROBES)
    diffs = [np.abs(encoder.encode(probes) - embedder.encode(probes)).max()]
    for text in probes[:3]:
        diffs.append(np.abs(encoder.encode([text]) - embedder.encode([text])).max())
    return float(max(diffs))


def export_onnx(embedder: SentenceTransformerEmbedder, folder: Path) -> dict[str, Any]:
    """Export `embedder`'s model to `folder` (replacing what is there), check it, return
    its manifest. Raises ExportError when the model is not exportable or the check fails;
    `folder` is then left as it was."""
    import torch

    folder = Path(folder)
    fingerprint = source_fingerprint(embedder.location)
    if fingerprint is None:
        raise ExportError(f"model {embedder.location!r} is not a local folder; not exported")
    model = embedder.model()
    reason = unsupported_reason(model)
    if reason is not None:
        raise ExportError(f"model {embedder.name!r} has {reason}; not exported")
    names = [n for n in model.tokenizer.model_input_names if n in ("input_ids", "attention_mask", "token_type_ids")]
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=folder.parent))
    try:
        _write_export(model, tmp, names)
        manifest: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "format_version": EXPORT_FORMAT_VERSION,
            "model": embedder.name,
            "location": str(embedder.location),
            "source_fingerprint": fingerprint,
            "dimension": int(embedder.dimension),
            "max_seq_length": int(model.max_seq_length),
            "do_lower_case": bool(getattr(model[0], "do_lower_case", False)),
            "pad_id": int(model.tokenizer.pad_token_id),
            "pad_token": str(model.tokenizer.pad_token),
            "pooling": "mean",
            "inputs": names,
            "output": "last_hidden_state",
            "optimized": OPTIMIZED,
            "files": {n: (tmp / n).stat().st_size for n in (MODEL_FILE, DATA_FILE, TOKENIZER_FILE)},
            "torch": torch.__version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        fsync_write(tmp / EXPORT_MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))
        try:
            encoder = OnnxEncoder.load(tmp)
        except Exception as exc:  # noqa: BLE001
            raise ExportError(f"the ONNX export of {embedder.name!r} does not load ({type(exc).__name__}: {exc})") from exc
        diff = _max_diff(encoder, embedder)
        if not diff <= TOLERANCE:
            raise ExportError(
                f"the ONNX export of {embedder.name!r} differs from sentence-transformers by {diff:.2e} "
                f"(more than {TOLERANCE:.0e}); not used"
            )
        manifest["max_abs_diff"] = diff
        manifest["probe"] = {"text": PROBES[0],
                             "vector": [round(float(x), 7) for x in embedder.encode([PROBES[0]])[0]]}
        fsync_write(tmp / EXPORT_MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))
        _install(tmp, folder)
        return manifest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _install(tmp: Path, folder: Path) -> None:
    """Put `tmp` in place of `folder`; the old folder is moved aside first, then removed."""
    aside = None
    if folder.exists():
        aside = Path(tempfile.mkdtemp(prefix=_OLD_PREFIX, dir=folder.parent)) / "old"
        os.replace(folder, aside)
    os.replace(tmp, folder)
    if aside is not None:
        shutil.rmtree(aside.parent, ignore_errors=True)


def ensure_export(embedder: SentenceTransformerEmbedder, folder: Path, *, load: bool = False) -> dict[str, Any] | None:
    """Export `embedder`'s model to `folder` unless a valid export is there already.

    Exports only when the model is loaded (torch already paid for) or `load` is true.
    Returns the new manifest, or None when nothing was written. Raises ExportError."""
    folder = Path(folder)
    if not (embedder.loaded or load):
        return None
    if export_problem(folder, embedder.name, embedder.location, embedder.dimension) is None:
        return None
    with locked(folder.parent / LOCK, exclusive=True):
        for leftover in (*folder.parent.glob(_TMP_PREFIX + "*"), *folder.parent.glob(_OLD_PREFIX + "*")):
            with contextlib.suppress(OSError):
                shutil.rmtree(leftover)  # an exporter that died; none is live while we hold the lock
        if export_problem(folder, embedder.name, embedder.location, embedder.dimension) is None:
            return None  # another process exported meanwhile
        return export_onnx(embedder, folder)
