"""SearchIndex lifecycle: incremental sync, stale/corrupt detection, search modes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.faiss_index import APPROX_THRESHOLD, ivf_nlist, ivf_nprobe
from indexer.store import Hit, IndexEntry, IndexStateError, SearchIndex, fingerprint

TEXTS = {
    1: "image deblurring: MIMO UNet Real Blur. Deblur-MIMO-UNet-RealBlur removes motion blur",
    2: "text-to-image generation: Stable Diffusion V1 Cyber Realistic. Txt2Img-StableDiffusionV1-CyberRealistic",
    3: "Removing Reflections from RAW Photos. We remove reflections from RAW photos",
    4: "super-resolution upscaling: Real ESRGAN x4. SR-RealESRGAN-x4 upscales images 4x",
    5: "Online Overexposed Pixels Hallucination in Videos. HDR details for overexposed video frames",
}


def entries(texts: dict[int, str] = TEXTS) -> list[IndexEntry]:
    return [IndexEntry.of(i, t) for i, t in texts.items()]


@pytest.fixture
def index(tmp_path, fake_embedder) -> SearchIndex:
    return SearchIndex(tmp_path / "index", fake_embedder)


def test_first_sync_embeds_everything_and_writes_plain_files(index, fake_embedder) -> None:
    report = index.sync(entries())
    assert (report.embedded, report.removed, report.total, report.rebuilt) == (5, 0, 5, False)
    assert fake_embedder.calls == 5
    files = {p.name for p in index.directory.iterdir()}
    assert {"manifest.json", "ids.npy", "vectors.npy", "hashes.json", "faiss.index", "bm25"} <= files
    manifest = json.loads((index.directory / "manifest.json").read_text())
    assert manifest["model"] == "fake-hash-embedder" and manifest["dimension"] == 64
    assert manifest["count"] == 5 and manifest["index_type"] == "flat"
    assert manifest["fingerprint"] == fingerprint([(e.id, e.hash) for e in entries()])
    vectors = np.load(index.directory / "vectors.npy")
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert index.check(entries()) == []


def test_incremental_add_embeds_only_new(index, fake_embedder) -> None:
    first = dict(list(TEXTS.items())[:3])
    index.sync(entries(first))
    fake_embedder.calls = 0
    report = index.sync(entries())
    assert (report.embedded, report.added, report.total, report.rebuilt) == (2, 2, 5, False)
    assert fake_embedder.calls == 2
    assert index.check(entries()) == []


def test_resync_unchanged_embeds_nothing_and_writes_nothing(index, fake_embedder) -> None:
    index.sync(entries())
    before = (index.directory / "manifest.json").stat().st_mtime_ns
    fake_embedder.calls = 0
    fresh = SearchIndex(index.directory, fake_embedder)  # a new process, same folder
    report = fresh.sync(entries())
    assert (report.embedded, report.removed, report.rebuilt, report.written) == (0, 0, False, False)
    assert fake_embedder.calls == 0
    assert (index.directory / "manifest.json").stat().st_mtime_ns == before


def test_changed_text_reembeds_one(index, fake_embedder) -> None:
    index.sync(entries())
    fake_embedder.calls = 0
    changed = {**TEXTS, 3: TEXTS[3] + " with a new summary about glass"}
    report = index.sync(entries(changed))
    assert (report.embedded, report.changed, report.rebuilt) == (1, 1, False)
    assert fake_embedder.calls == 1
    assert index.search("glass", mode="lexical")[0].id == 3


def test_removal(index, fake_embedder) -> None:
    index.sync(entries())
    fake_embedder.calls = 0
    kept = {i: t for i, t in TEXTS.items() if i != 3}
    report = index.sync(entries(kept))
    assert (report.embedded, report.removed, report.total) == (0, 1, 4)
    assert all(h.id != 3 for h in index.search("reflections RAW photos", k=10))
    assert index.check(entries(kept)) == []
    assert any("out of date" in p for p in index.check(entries()))


def test_check_and_sync_count_new_changed_and_removed_alike(index, fake_embedder) -> None:
    """`doctor` (check) and the sync report count one edit the same way (one shared plan)."""
    index.sync(entries())
    edited = {i: t for i, t in TEXTS.items() if i != 3}
    edited[1] = TEXTS[1] + " now also about glass"
    edited[99] = "a brand new item about telescopes"
    assert index.check(entries(edited)) == ["index is out of date: 1 new, 1 changed, 1 removed item(s)"]
    report = index.sync(entries(edited))
    assert (report.added, report.changed, report.removed, report.embedded, report.total) == (1, 1, 1, 2, 5)
    assert index.check(entries(edited)) == []


def test_progress_reports_embedded_counts(tmp_path, fake_embedder) -> None:
    seen: list[int] = []
    idx = SearchIndex(tmp_path / "ix", fake_embedder, batch_size=1)  # chunks of 4
    report = idx.sync(entries(), progress=seen.append)
    assert sum(seen) == report.embedded == 5 and len(seen) == 2


def test_other_model_forces_rebuild_with_reason(index, fake_embedder) -> None:
    index.sync(entries())

    class OtherModel(type(fake_embedder)):
        name = "other-model"

    other = OtherModel()
    idx2 = SearchIndex(index.directory, other)
    problems = idx2.check(entries())
    assert problems and "fake-hash-embedder" in problems[0] and "other-model" in problems[0]
    with pytest.raises(IndexStateError):
        idx2.search("blur")
    report = idx2.sync(entries())
    assert report.rebuilt and report.embedded == 5 and other.calls == 5
    assert report.reason == "index was built with model 'fake-hash-embedder', now 'other-model'"
    assert idx2.check(entries()) == []


def test_other_dimension_forces_rebuild(index, fake_embedder) -> None:
    index.sync(entries())

    class Narrow(type(fake_embedder)):
        dimension = 32

    report = SearchIndex(index.directory, Narrow()).sync(entries())
    assert report.rebuilt and "dimension" in (report.reason or "") and report.embedded == 5


def test_deleted_faiss_index_is_rebuilt(index, fake_embedder) -> None:
    index.sync(entries())
    (index.directory / "faiss.index").unlink()
    idx2 = SearchIndex(index.directory, fake_embedder)
    assert "faiss.index is missing" in idx2.check(entries())
    with pytest.raises(IndexStateError):
        idx2.search("blur")
    fake_embedder.calls = 0
    report = idx2.sync(entries())
    assert report.rebuilt and "faiss.index is missing" in (report.reason or "")
    assert fake_embedder.calls == 0  # vectors were intact: derived files rebuilt from them
    assert idx2.check(entries()) == [] and idx2.search("blur", k=1)[0].id == 1


@pytest.mark.parametrize("same_size", [False, True])
def test_corrupted_faiss_index_is_reported_and_rebuilt(index, fake_embedder, same_size) -> None:
    index.sync(entries())
    path = index.directory / "faiss.index"
    path.write_bytes(b"\x00garbage" * (path.stat().st_size // 8 if same_size else 3))
    path.write_bytes(path.read_bytes().ljust(path.stat().st_size, b"x"))
    idx2 = SearchIndex(index.directory, fake_embedder)
    problems = idx2.check(entries())
    assert any("faiss.index is corrupt" in p for p in problems)
    report = idx2.sync(entries())
    assert report.rebuilt and "faiss.index" in (report.reason or "")
    assert idx2.check(entries()) == []


@pytest.mark.parametrize("victim", ["manifest.json", "vectors.npy", "hashes.json", "ids.npy"])
def test_missing_or_garbled_core_files_force_full_rebuild(index, fake_embedder, victim) -> None:
    index.sync(entries())
    path = index.directory / victim
    if victim == "manifest.json":
        path.write_text("{ not json")
    else:
        path.unlink()
    idx2 = SearchIndex(index.directory, fake_embedder)
    assert idx2.check(entries())
    fake_embedder.calls = 0
    report = idx2.sync(entries())
    assert report.rebuilt and report.reason and report.embedded == 5
    assert idx2.check(entries()) == []


def test_interrupted_write_leaves_no_valid_index(index, fake_embedder, monkeypatch) -> None:
    index.sync(entries(dict(list(TEXTS.items())[:2])))
    real_replace = os.replace
    calls = {"n": 0}

    def dying_replace(src, dst):  # the process "dies" after moving two files in
        calls["n"] += 1
        if calls["n"] > 2:
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        index.sync(entries())
    monkeypatch.setattr(os, "replace", real_replace)
    idx2 = SearchIndex(index.directory, fake_embedder)
    assert idx2.check(entries()), "a half-written index must not pass the check"
    with pytest.raises(IndexStateError):
        idx2.search("blur")
    report = idx2.sync(entries())
    assert report.rebuilt and "manifest.json is missing" in (report.reason or "")
    assert idx2.check(entries()) == []
    assert not list(index.directory.glob(".tmp-*"))


def test_search_before_any_sync_raises(index) -> None:
    with pytest.raises(IndexStateError):
        index.search("anything")
    assert index.check([]) != []


def test_other_instance_sees_new_sync(index, fake_embedder) -> None:
    index.sync(entries(dict(list(TEXTS.items())[:2])))
    reader = SearchIndex(index.directory, fake_embedder)
    assert {h.id for h in reader.search("photos", k=10)} == {1, 2}
    index.sync(entries())
    assert reader.search("reflections RAW photos", k=1)[0].id == 3


def test_search_modes_give_sensible_orders(index) -> None:
    index.sync(entries())
    dense = index.search("image deblurring blur", mode="dense", k=5)
    assert dense[0].id == 1 and dense[0].lexical is None and dense[0].dense == dense[0].score
    assert [h.score for h in dense] == sorted((h.score for h in dense), reverse=True)
    lexical = index.search("RealESRGAN x4", mode="lexical", k=5)
    assert lexical[0].id == 4 and lexical[0].dense is None
    assert all(h.lexical and h.lexical > 0 for h in lexical)  # only items sharing a token
    hybrid = index.search("remove reflections from a RAW photo", k=3)
    assert hybrid[0].id == 3 and hybrid[0].dense is not None and hybrid[0].lexical is not None
    weighted = index.search("remove reflections from a RAW photo", k=3, fusion="weighted")
    assert weighted[0].id == 3
    assert index.search("zebra", mode="lexical") == []
    with pytest.raises(ValueError):
        index.search("x", mode="fuzzy")  # type: ignore[arg-type]


def test_allowed_ids_filter_honours_k(index) -> None:
    index.sync(entries())
    for mode in ("dense", "hybrid"):
        hits = index.search("image deblurring blur", k=2, mode=mode, allowed_ids={2, 3, 5, 99})
        assert len(hits) == 2 and {h.id for h in hits} <= {2, 3, 5}
    assert index.search("reflections", mode="lexical", allowed_ids=[1, 2]) == []
    assert index.search("blur", allowed_ids=[]) == []
    assert index.search("blur", allowed_ids=[42]) == []


def test_tiny_corpora(tmp_path, fake_embedder) -> None:
    idx = SearchIndex(tmp_path / "one", fake_embedder)
    idx.sync([IndexEntry.of(7, "Removing Reflections from RAW Photos")])
    for mode in ("dense", "lexical", "hybrid"):
        hits = idx.search("reflections", k=50, mode=mode)
        assert [h.id for h in hits] == [7]
    assert idx.search("reflections", k=0) == []
    idx.sync([])
    assert idx.search("reflections") == [] and idx.check([]) == []
    assert json.loads((idx.directory / "manifest.json").read_text())["count"] == 0
    assert SearchIndex(idx.directory, fake_embedder).search("x") == []


def test_rebuild_reembeds_all(index, fake_embedder) -> None:
    index.sync(entries())
    fake_embedder.calls = 0
    report = index.rebuild(entries())
    assert report.rebuilt and report.embedded == 5 and fake_embedder.calls == 5


def test_duplicate_ids_rejected(index) -> None:
    with pytest.raises(ValueError):
        index.sync([IndexEntry.of(1, "a"), IndexEntry.of(1, "b")])


def _synthetic(n: int, dim: int = 64, seed: int = 0) -> list[IndexEntry]:
    rng = np.random.default_rng(seed)
    words = [f"w{j}" for j in range(300)]
    return [IndexEntry.of(i * 3 + 1, " ".join(rng.choice(words, size=12))) for i in range(n)]


def test_hnsw_path_matches_exact(tmp_path, fake_embedder) -> None:
    items = _synthetic(300)
    exact = SearchIndex(tmp_path / "exact", fake_embedder)
    approx = SearchIndex(tmp_path / "approx", fake_embedder, approx_threshold=100, approx_kind="hnsw")
    exact.sync(items)
    approx.sync(items)
    assert json.loads((exact.directory / "manifest.json").read_text())["index_type"] == "flat"
    manifest = json.loads((approx.directory / "manifest.json").read_text())
    # efSearch 512: what reached recall@10 >= 0.95 at 1M (benchmarks/ann_scale.py); `stats` shows it
    assert manifest["index_type"] == "hnsw" and manifest["hnsw"]["efSearch"] == 512
    for q in ["w1 w2 w3", "w10 w200", "w77 w5 w150 w9"]:
        e = exact.search(q, k=10, mode="dense")
        a = approx.search(q, k=10, mode="dense")
        assert np.allclose([h.score for h in a], [h.score for h in e], atol=1e-5)
        # the hashed fake embedder produces ties; ids must agree above the last tied score
        cutoff = e[-1].score + 1e-6
        assert [h.id for h in a if h.score > cutoff] == [h.id for h in e if h.score > cutoff]
    # additions grow the HNSW index in place
    approx.sync([*items, IndexEntry.of(10_000, "w1 w2 w3 w4")])
    assert approx.search("w1 w2 w3 w4", k=1, mode="dense")[0].id == 10_000
    # too many removals (stale > 25% of live) rebuild the graph
    approx.sync(items[:150])
    manifest = json.loads((approx.directory / "manifest.json").read_text())
    assert manifest["index_type"] == "hnsw" and manifest["stale"] == 0 and manifest["faiss_ntotal"] == 150
    assert approx.check(items[:150]) == []
    approx.sync(items[:50])  # below the threshold again -> exact
    assert json.loads((approx.directory / "manifest.json").read_text())["index_type"] == "flat"


def test_importing_indexer_is_light() -> None:
    code = (
        "import sys, indexer.embedder, indexer.store, indexer.scoring, indexer.text, indexer.tokenize;"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'bm25s', 'transformers') if m in sys.modules];"
        "assert not heavy, heavy;"
        # the bundled model's width is read from its config: checking a manifest needs no torch
        "from indexer.embedder import SentenceTransformerEmbedder as S;"
        "assert S().dimension == 384;"
        "assert 'torch' not in sys.modules"
    )
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_hit_is_a_value() -> None:
    assert Hit(1, 0.5, 0.5, None) == Hit(1, 0.5, 0.5, None)


def test_hnsw_changes_and_removals_leave_stale_entries_not_results(tmp_path, fake_embedder) -> None:
    items = _synthetic(300)
    approx = SearchIndex(tmp_path / "approx", fake_embedder, approx_threshold=100, approx_kind="hnsw")
    approx.sync(items)
    changed = [IndexEntry.of(e.id, e.text + " w299 w298") if n < 10 else e for n, e in enumerate(items)]
    final = changed[:-10]  # 10 changed, 10 removed
    fake_embedder.calls = 0
    report = approx.sync(final)
    assert (report.embedded, report.changed, report.removed, report.rebuilt) == (10, 10, 10, False)
    assert fake_embedder.calls == 10
    manifest = json.loads((approx.directory / "manifest.json").read_text())
    assert manifest["index_type"] == "hnsw" and manifest["stale"] == 20
    assert manifest["faiss_ntotal"] == 310 and manifest["count"] == 290
    reader = SearchIndex(approx.directory, fake_embedder)
    assert reader.check(final) == []
    exact = SearchIndex(tmp_path / "exact", fake_embedder)
    exact.sync(final)
    removed = {e.id for e in items[-10:]}
    for q in ["w299 w298", "w1 w2 w3", items[-1].text, items[0].text]:
        a = reader.search(q, k=10, mode="dense")
        e = exact.search(q, k=10, mode="dense")
        assert not removed & {h.id for h in a}
        assert len({h.id for h in a}) == len(a) == 10  # each item once despite stale copies
        assert np.allclose([h.score for h in a], [h.score for h in e], atol=1e-5)


def test_index_type_follows_the_size_thresholds(tmp_path, fake_embedder) -> None:
    """Flat below the threshold, IVF-SQ8 (the default) at and above it, HNSW when asked."""
    items = _synthetic(300)

    def kind(index: SearchIndex, n: int) -> str:
        index.sync(items[:n])
        return json.loads((index.directory / "manifest.json").read_text())["index_type"]

    default = SearchIndex(tmp_path / "d", fake_embedder, approx_threshold=200)
    assert kind(default, 199) == "flat"
    assert kind(default, 200) == "ivf-sq8"
    manifest = json.loads((default.directory / "manifest.json").read_text())
    assert manifest["ivf"] == {"nlist": ivf_nlist(200), "nprobe": ivf_nprobe(ivf_nlist(200))}
    assert kind(default, 150) == "flat"  # shrinking below the threshold goes back to exact
    hnsw = SearchIndex(tmp_path / "h", fake_embedder, approx_threshold=200, approx_kind="hnsw")
    assert kind(hnsw, 250) == "hnsw"
    assert SearchIndex(tmp_path / "h", fake_embedder).approx_threshold == APPROX_THRESHOLD
    with pytest.raises(ValueError):
        SearchIndex(tmp_path / "x", fake_embedder, approx_kind="lsh")


def test_ivf_nlist_and_nprobe_rules() -> None:
    assert ivf_nlist(1_000_000) == 1024 and ivf_nlist(200_000) == 512 and ivf_nlist(100) == 2
    assert ivf_nprobe(4096) == 128 and ivf_nprobe(1024) == 32 and ivf_nprobe(256) == 32
    assert ivf_nprobe(16) == 16 and ivf_nprobe(2) == 2


def test_ivf_search_matches_exact_and_grows_in_place(tmp_path, fake_embedder) -> None:
    items = _synthetic(300)
    exact = SearchIndex(tmp_path / "exact", fake_embedder)
    # probing every list: the IVF-SQ8 candidates, re-scored exactly, must give exact results
    approx = SearchIndex(tmp_path / "approx", fake_embedder, approx_threshold=100, nprobe=64)
    exact.sync(items)
    approx.sync(items)
    queries = ["w1 w2 w3", "w10 w200", "w77 w5 w150 w9", items[5].text]

    def same(e_index: SearchIndex, a_index: SearchIndex) -> None:
        for q in queries:
            e = e_index.search(q, k=10, mode="dense")
            a = a_index.search(q, k=10, mode="dense")
            assert np.allclose([h.score for h in a], [h.score for h in e], atol=1e-5)
            cutoff = e[-1].score + 1e-6  # the hashed fake embedder ties; ids agree above the last tie
            assert [h.id for h in a if h.score > cutoff] == [h.id for h in e if h.score > cutoff]

    same(exact, approx)
    # changes and removals: deleted from the inverted lists, no stale entries, still exact
    changed = [IndexEntry.of(e.id, e.text + " w299 w298") if n < 10 else e for n, e in enumerate(items)]
    final = [*changed[:-10], IndexEntry.of(10_000, "w1 w2 w3 w4")]
    fake_embedder.calls = 0
    report = approx.sync(final)
    assert (report.embedded, report.changed, report.removed, report.rebuilt) == (11, 10, 10, False)
    manifest = json.loads((approx.directory / "manifest.json").read_text())
    assert manifest["index_type"] == "ivf-sq8" and manifest["faiss_ntotal"] == manifest["count"] == 291
    exact.sync(final)
    reader = SearchIndex(approx.directory, fake_embedder, approx_threshold=100, nprobe=64)
    assert reader.check(final) == []
    same(exact, reader)
    assert reader.search("w1 w2 w3 w4", k=1, mode="dense")[0].id == 10_000
    removed = {e.id for e in items[-10:]}
    assert not removed & {h.id for q in queries for h in reader.search(q, k=50, mode="dense")}


def test_ivf_is_retrained_when_the_size_calls_for_other_lists(tmp_path, fake_embedder) -> None:
    items = _synthetic(1200)
    index = SearchIndex(tmp_path / "i", fake_embedder, approx_threshold=100)
    index.sync(items[:100])
    assert json.loads((index.directory / "manifest.json").read_text())["ivf"]["nlist"] == ivf_nlist(100) == 2
    index.sync(items)  # 12x the items: sqrt(1200) ~ 32 lists, not 2
    assert json.loads((index.directory / "manifest.json").read_text())["ivf"]["nlist"] == ivf_nlist(1200) == 30
    assert index.check(items) == []
