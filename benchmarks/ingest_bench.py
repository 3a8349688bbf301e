"""`make bench` sections `ingest` and `reingest`: the bench catalog everything else searches.

`ingest` times parse + store + embed of generated prompt files against raw
`SentenceTransformer.encode` on the very same texts (ratio = our embed path /
raw encode); `reingest` ingests the same files again and must embed nothing
(the one correctness check `make bench` asserts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from measure import TimedEmbedder, say, timed


def bench_ingest(work: Path, n: int, embedder: Any) -> tuple[dict[str, Any], Any, list]:
    """Ingest `n` generated prompt files into $MODELKB_HOME; returns the section, the App and the files."""
    from catalog import parse_bytes
    from gen_prompts import generate
    from modelkb.app import App
    from modelkb.config import load_settings
    from modelkb.inputs import expand

    prompts = work / "prompts"
    _, gen_s = timed(lambda: generate(prompts, n))
    files = expand([str(prompts)])
    say(f"ingest: {len(files)} generated prompt files ({gen_s:.1f}s to generate)")

    def parse_all():
        return [parse_bytes(f.read_or_fail(), f.name) for f in files]

    docs, parse_s = timed(parse_all)
    mentions = sum(len(d.items) for d in docs)

    settings = load_settings()
    timed_embedder = TimedEmbedder(embedder)
    app = App(settings, embedder=timed_embedder)
    summary, ingest_s = timed(lambda: app.ingest(files))
    assert summary.files_failed == 0, summary.errors[:3]

    _, load_s = timed(lambda: embedder.encode(["warm up the model"]))
    report, sync_s = timed(app.sync_index)
    embed_s = timed_embedder.seconds
    texts = [e.text for e in app.index_entries()]
    say(f"ingest: stored {summary.items_new} items in {ingest_s:.1f}s; synced (embedded {report.embedded}) in {sync_s:.1f}s")
    # A real `modelkb ingest` leaves the ONNX query export beside the index (App.refresh_query_export);
    # the injected embedder here bypasses that, so write it the same way for the cli/serve sections.
    from indexer.onnx_encoder import onnx_folder
    from indexer.onnx_export import ensure_export

    _, export_s = timed(lambda: ensure_export(embedder, onnx_folder(settings.index_dir), load=True))

    model = embedder._load()  # the SentenceTransformer itself

    def raw():
        return model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True)

    _, raw_s = timed(raw)
    say(f"ingest: raw model.encode of the same {len(texts)} texts: {raw_s:.1f}s")
    chars = sum(len(t) for t in texts)
    return (
        {
            "files": len(files),
            "mentions": mentions,
            "items": summary.items_new,
            "items_enriched": summary.items_enriched,
            "parse_s": round(parse_s, 3),
            "parse_and_store_s": round(ingest_s, 3),
            "onnx_export_s": round(export_s, 3),
            "store_s": round(ingest_s - parse_s, 3),
            "files_per_s_parse_and_store": round(len(files) / ingest_s, 1),
            "model_load_s": round(load_s, 3),
            "sync_s": round(sync_s, 3),
            "embedded": report.embedded,
            "embed_s": round(embed_s, 3),
            "index_write_s": round(sync_s - embed_s, 3),
            "embed_texts_per_s": round(report.embedded / embed_s, 1) if embed_s else None,
            "mean_text_chars": round(chars / max(len(texts), 1)),
            "raw_encode_s": round(raw_s, 3),
            "raw_encode_texts_per_s": round(len(texts) / raw_s, 1),
            "ratio_embed_vs_raw_encode": round(embed_s / raw_s, 3),
            "ratio_sync_vs_raw_encode": round(sync_s / raw_s, 3),
            "ratio_total_ingest_vs_raw_encode": round((ingest_s + sync_s) / raw_s, 3),
        },
        app,
        files,
    )


def bench_reingest(files: list, embedder: Any) -> dict[str, Any]:
    """The same files again through a fresh App (a new process's view): nothing may be embedded."""
    from modelkb.app import App
    from modelkb.config import load_settings

    timed_embedder = TimedEmbedder(embedder)
    app = App(load_settings(), embedder=timed_embedder)  # a new process's view: index read from disk
    summary, ingest_s = timed(lambda: app.ingest(files))
    report, sync_s = timed(app.sync_index)
    ok = report.embedded == 0 and timed_embedder.texts == 0 and summary.files_unchanged == len(files)
    say(f"reingest: {summary.files_unchanged} unchanged, embedded {report.embedded} ({'ok' if ok else 'FAIL'})")
    app.catalog.close()
    return {
        "files": len(files),
        "files_unchanged": summary.files_unchanged,
        "embedded": report.embedded,
        "texts_sent_to_model": timed_embedder.texts,
        "ingest_s": round(ingest_s, 3),
        "sync_s": round(sync_s, 3),
        "files_per_s": round(len(files) / ingest_s, 1),
        "ok": ok,
    }


def ingest_lines(i: dict[str, Any]) -> list[str]:
    """The `ingest` section in the run summary."""
    return [
        f"ingest    {i['files']} files -> {i['items']} items: parse {i['parse_s']:.1f}s + store {i['store_s']:.1f}s "
        f"({i['files_per_s_parse_and_store']:.0f} files/s); embed {i['embedded']} texts {i['embed_s']:.1f}s "
        f"({i['embed_texts_per_s']:.0f}/s) + index write {i['index_write_s']:.1f}s",
        f"          raw model.encode same texts {i['raw_encode_s']:.1f}s ({i['raw_encode_texts_per_s']:.0f}/s): "
        f"embed/raw = {i['ratio_embed_vs_raw_encode']:.2f}x, sync/raw = {i['ratio_sync_vs_raw_encode']:.2f}x, "
        f"whole ingest/raw = {i['ratio_total_ingest_vs_raw_encode']:.2f}x",
    ]


def reingest_lines(i: dict[str, Any]) -> list[str]:
    """The `reingest` section in the run summary."""
    return [(f"reingest  {i['files_unchanged']}/{i['files']} unchanged, embedded {i['embedded']} "
            f"[{'ok' if i['ok'] else 'FAIL'}] in {i['ingest_s'] + i['sync_s']:.1f}s ({i['files_per_s']:.0f} files/s)")]
