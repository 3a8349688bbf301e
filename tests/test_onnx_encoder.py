"""Torch-free query encoding: the ONNX export reproduces sentence-transformers' vectors,
is made by the first embedding ingest, is refused when stale or broken (falling back to
sentence-transformers), and lets a one-shot `modelkb search` run without importing torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.embedder import SentenceTransformerEmbedder
from indexer.onnx_encoder import (
    DATA_FILE,
    EXPORT_MANIFEST,
    MODEL_FILE,
    OnnxEncoder,
    QueryEmbedder,
    export_problem,
    onnx_folder,
    source_fingerprint,
)

ROOT = Path(__file__).resolve().parent.parent

TEXTS = [
    "sharpen a blurry photo",
    "Which model upscales 4x anime frames?",
    "",
    "   leading and trailing spaces   ",
    "Ünïcödé café, naïve façade; straße",
    "日本語の画像超解像モデル 中文图像去模糊",
    "مرحبا بالعالم — Ελληνικά — русский текст",
    "emoji 🤖🔥 and symbols <>&\"' \t tabs\nnewlines",
    "GPT-4 vs. Llama-3.1-70B @ 1e-4 lr, (x2/x4) [CLS] [SEP] [PAD]",
    "motion deblurring with multi-scale features " * 120,  # far past 256 tokens: truncated
    "ß" * 3000,
]


PROMPTS = {
    "deblur.txt": ("How do I remove camera shake blur from a photo?",
                   [{"name": "Deblur-MIMO-UNet-RealBlur", "paper": "http://arxiv.org/pdf/2108.05054v1.pdf"}],
                   [{"name": "Rethinking Coarse-to-Fine Approach in Single Image Deblurring",
                     "paper": "http://arxiv.org/pdf/2108.05054v1.pdf",
                     "summary": "A multi-input multi-output U-net restores sharp images from motion blur."}]),
    "render.txt": ("Which model renders a photorealistic product shot from a text prompt?",
                   [{"name": "Txt2Img-StableDiffusionV1-5", "paper": None}],
                   [{"name": "High-Resolution Image Synthesis with Latent Diffusion Models",
                     "paper": "http://arxiv.org/pdf/2112.10752v2.pdf",
                     "summary": "Latent diffusion models generate images from text prompts."}]),
    "upscale.txt": ("Upscale a low-resolution anime frame 4x",
                    [{"name": "SR-RealESRGAN-x4", "paper": "http://arxiv.org/pdf/2107.10833v2.pdf"}],
                    [{"name": "Real-ESRGAN: Training Real-World Blind Super-Resolution with Pure Synthetic Data",
                      "paper": "http://arxiv.org/pdf/2107.10833v2.pdf",
                      "summary": "Super-resolution of real-world degraded images, 日本語 アニメ, café."}]),
}


@pytest.fixture(scope="module")
def exported_home(real_embedder, tmp_path_factory) -> Path:
    """A data home with a small catalog, indexed by an App that then exported the model
    to ONNX on its own (torch was loaded for the embedding anyway)."""
    from catalog.prompt_format import format_prompt
    from modelkb.app import App
    from modelkb.config import load_settings
    from modelkb.inputs import expand

    home = tmp_path_factory.mktemp("onnx-home")
    prompts = home / "prompts"
    prompts.mkdir()
    for name, (question, models, papers) in PROMPTS.items():
        (prompts / name).write_text(format_prompt(question, models, papers), encoding="utf-8")
    settings = load_settings(db=f"sqlite:///{home / 'catalog.db'}")
    notes: list[str] = []
    app = App(settings, embedder=real_embedder, notify=notes.append)
    assert app.ingest(expand([str(prompts)])).files_failed == 0
    app.sync_index()
    assert any("exported the embedding model to ONNX" in n for n in notes), notes
    app.catalog.engine.dispose()  # the copies below must see a quiet database file
    return home


@pytest.fixture(scope="module")
def export_dir(exported_home) -> Path:
    return onnx_folder(exported_home / "catalog.db.index")


def _linked_copy(src: Path, dst: Path) -> Path:
    """A copy of an export folder whose big files are hard links (so never write into them)."""
    shutil.copytree(src, dst, copy_function=os.link)
    return dst


def _replace(path: Path, data: bytes) -> None:
    path.unlink()  # break the hard link before writing
    path.write_bytes(data)


@pytest.mark.real_model
def test_onnx_vectors_equal_sentence_transformers(real_embedder, export_dir):
    assert export_problem(export_dir, real_embedder.name, real_embedder.location, 384) is None
    encoder = OnnxEncoder.load(export_dir)
    expected = real_embedder.encode(TEXTS)
    for batch_size in (1, 4, 32):  # padded batches of mixed lengths and single texts
        got = encoder.encode(TEXTS, batch_size=batch_size)
        assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
        assert np.abs(got - expected).max() <= 1e-4, f"batch_size {batch_size}"
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # truncation is real: the long text equals its own first ~250 words
    long_text = TEXTS[9]
    head = " ".join(long_text.split()[:250])
    assert np.abs(encoder.encode([long_text]) - encoder.encode([head])).max() < 1e-6
    assert encoder.encode([]).shape == (0, 384)


@pytest.mark.real_model
def test_query_embedder_uses_the_export_and_matches(real_embedder, export_dir):
    query = QueryEmbedder(real_embedder, export_dir)
    assert query.name == real_embedder.name and query.dimension == 384
    assert query.onnx() is not None
    assert np.abs(query.encode(TEXTS[:5]) - real_embedder.encode(TEXTS[:5])).max() <= 1e-4


@pytest.mark.real_model
def test_missing_export_falls_back_to_sentence_transformers(real_embedder, tmp_path):
    notes: list[str] = []
    query = QueryEmbedder(real_embedder, tmp_path / "onnx", notes.append)
    assert query.onnx() is None
    assert np.array_equal(query.encode(TEXTS[:3]), real_embedder.encode(TEXTS[:3]))
    assert notes == []  # no export yet is the normal first state, not worth a notice


@pytest.mark.real_model
@pytest.mark.parametrize("damage", ["truncated model", "garbage model", "truncated weights", "garbage weights",
                                    "bad manifest", "no tokenizer"])
def test_corrupt_export_falls_back_with_a_notice(real_embedder, export_dir, tmp_path, damage):
    folder = _linked_copy(export_dir, tmp_path / "onnx")
    model = folder / MODEL_FILE
    if damage == "truncated model":
        _replace(model, model.read_bytes()[: model.stat().st_size // 2])
    elif damage == "garbage model":  # same size, so only loading it can tell
        _replace(model, os.urandom(model.stat().st_size))
    elif damage == "truncated weights":
        _replace(folder / DATA_FILE, (folder / DATA_FILE).read_bytes()[:-4096])
    elif damage == "garbage weights":  # loads fine, computes nonsense: the probe vector tells
        data = bytearray((folder / DATA_FILE).read_bytes())
        data[4096:1 << 20] = os.urandom((1 << 20) - 4096)
        _replace(folder / DATA_FILE, bytes(data))
    elif damage == "bad manifest":
        _replace(folder / EXPORT_MANIFEST, b"{not json")
    else:
        (folder / "tokenizer.json").unlink()
    notes: list[str] = []
    query = QueryEmbedder(real_embedder, folder, notes.append)
    assert query.onnx() is None
    assert np.array_equal(query.encode(TEXTS[:2]), real_embedder.encode(TEXTS[:2]))
    assert len(notes) == 1 and "sentence-transformers" in notes[0], notes


@pytest.mark.real_model
def test_export_of_another_model_is_not_used(export_dir, tmp_path):
    """`--model other/folder` must not pick up the bundled model's export (and vice versa)."""
    other = tmp_path / "other-model"
    shutil.copytree(Path(SentenceTransformerEmbedder().location), other, copy_function=os.link)
    embedder = SentenceTransformerEmbedder(str(other))
    assert embedder.name != "all-MiniLM-L6-v2"
    problem = export_problem(export_dir, embedder.name, embedder.location, 384)
    assert problem is not None and "model" in problem
    assert QueryEmbedder(embedder, export_dir).onnx() is None


def test_fingerprint_changes_with_the_model_files(tmp_path):
    folder = tmp_path / "model"
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "1_Pooling" / "config.json").write_text('{"pooling_mode": "mean"}')
    first = source_fingerprint(folder)
    assert first == source_fingerprint(folder)
    (folder / "1_Pooling" / "config.json").write_text('{"pooling_mode": "cls"}')
    assert source_fingerprint(folder) != first
    assert source_fingerprint(tmp_path / "not-a-folder") is None


@pytest.mark.real_model
def test_stale_fingerprint_in_the_manifest_is_refused(real_embedder, export_dir, tmp_path):
    folder = _linked_copy(export_dir, tmp_path / "onnx")
    manifest = json.loads((folder / EXPORT_MANIFEST).read_text())
    manifest["source_fingerprint"] = "0" * 64  # the weights changed since the export
    _replace(folder / EXPORT_MANIFEST, json.dumps(manifest).encode())
    problem = export_problem(folder, real_embedder.name, real_embedder.location, 384)
    assert problem is not None and "other files" in problem


@pytest.mark.real_model
def test_existing_valid_export_is_not_redone(real_embedder, export_dir):
    from indexer.onnx_export import ensure_export

    before = (export_dir / MODEL_FILE).stat().st_mtime_ns
    assert ensure_export(real_embedder, export_dir) is None
    assert (export_dir / MODEL_FILE).stat().st_mtime_ns == before


_NO_TORCH_WRAPPER = (
    "import atexit, json, os, sys\n"
    "def _report():\n"
    "    heavy = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]\n"
    "    open(os.environ['MODULES_FILE'], 'w').write(json.dumps(heavy))\n"
    "atexit.register(_report)\n"
    "from modelkb.cli import main\n"
    "sys.argv[0] = 'modelkb'\n"
    "main()\n"
)


def _search_subprocess(home: Path, tmp_path: Path, *args: str) -> tuple[list[dict], list[str]]:
    modules = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if k not in ("MODELKB_DB", "MODELKB_MODEL")}
    env.update(MODELKB_HOME=str(home), MODULES_FILE=str(modules), HF_HUB_OFFLINE="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", _NO_TORCH_WRAPPER, "-q", "search", *args, "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout), json.loads(modules.read_text())


@pytest.mark.real_model
@pytest.mark.slow
def test_one_shot_search_with_an_export_does_not_import_torch(exported_home, tmp_path):
    question = "remove camera shake blur from a photo"
    fast, heavy = _search_subprocess(exported_home, tmp_path, question, "-k", "5")
    assert heavy == [], f"a search with an ONNX export imported {heavy}"
    assert fast[0]["name"] == "Deblur-MIMO-UNet-RealBlur"

    # without the export: the same results, through sentence-transformers (torch)
    home = tmp_path / "home"
    shutil.copytree(exported_home, home, ignore=shutil.ignore_patterns("onnx"))
    slow, heavy = _search_subprocess(home, tmp_path, question, "-k", "5")
    assert "torch" in heavy
    assert [r["key"] for r in fast] == [r["key"] for r in slow]
    assert np.allclose([r["score"] for r in fast], [r["score"] for r in slow], atol=1e-3)
