"""JSONL bulk import: `catalog.jsonl` and `modelkb ingest --jsonl`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog import ParseError
from catalog.jsonl import parse_jsonl_bytes

TINY_CORPUS = Path(__file__).resolve().parent / "data" / "beir_tiny" / "corpus.jsonl"


def jsonl(*rows) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows).encode()


def test_beir_rows_become_papers_keyed_by_id():
    doc = parse_jsonl_bytes(
        jsonl({"_id": "7", "title": "Segment Anything", "text": "Promptable segmentation."},
              {"_id": "8", "title": "Segment Anything", "text": "Video extension."}),
        "c.jsonl",
    )
    assert doc.format == "jsonl" and doc.question == ""
    a, b = (p.item for p in doc.items)
    assert (a.key, b.key) == ("jsonl:7", "jsonl:8")  # same title, distinct documents
    assert a.kind == "paper" and a.name == "Segment Anything" and a.summary == "Promptable segmentation."
    assert a.extra == {"source_id": "7"}
    assert [p.line for p in doc.items] == [1, 2] and [p.position for p in doc.items] == [0, 1]


def test_links_and_models_follow_the_identity_rules():
    doc = parse_jsonl_bytes(
        jsonl(
            {"_id": 1, "title": "Real-ESRGAN", "url": "http://arxiv.org/pdf/2107.10833v2.pdf",
             "github": "https://github.com/xinntao/Real-ESRGAN.git", "summary": "Blind SR."},
            {"_id": "2", "title": "A blog post", "paper_url": "https://www.example.com/post/"},
            {"kind": "model", "name": "Deblur-MIMO-UNet-RealBlur", "_id": "m1"},
            {"title": "No Id At All", "text": "body"},
        ),
        "c.jsonl",
    )
    paper, blog, model, untitled = (p.item for p in doc.items)
    assert paper.key == "arxiv:2107.10833" and paper.arxiv_version == 2
    assert paper.github_url == "https://github.com/xinntao/real-esrgan"
    assert paper.extra["source_id"] == "1"
    assert blog.key == "url:https://example.com/post"
    assert model.key == "model:deblur-mimo-unet-realblur" and model.kind == "model"
    assert (model.task, model.architecture, model.variant) == ("Deblur", "MIMO-UNet", "RealBlur")
    assert untitled.key == "title:no id at all" and untitled.extra == {}
    # Evaluation wants one item per corpus row, links or not.
    by_id = parse_jsonl_bytes(jsonl({"_id": 1, "title": "T", "url": "https://arxiv.org/abs/2107.10833"}), "c", key_by_id=True)
    assert by_id.items[0].item.key == "jsonl:1"


def test_row_without_title_is_named_from_its_text():
    words = " ".join(f"w{i}" for i in range(40))
    item = parse_jsonl_bytes(jsonl({"_id": "x", "title": "", "text": words}), "c").items[0].item
    assert item.name.startswith("w0 w1") and item.name.endswith("…") and item.summary == words


@pytest.mark.parametrize(
    "data, line, message",
    [
        (b'{"_id": "1", "title": "ok"}\n{"_id": "2", "title": \n', 2, "invalid JSON"),
        (b'{"_id": "1", "title": "ok"}\n\n[1, 2]\n', 3, "expected a JSON object"),
        (b'{"_id": "1", "text": ""}\n', 1, "no title"),
        (b'{"_id": "1", "title": "a"}\n{"_id": "1", "title": "b"}\n', 2, "duplicate _id '1' (first on line 1)"),
        (b'{"_id": "1", "title": "a", "kind": "dataset"}\n', 1, "unknown kind"),
        (b'{"_id": "1", "title": ["a"]}\n', 1, "must be a string"),
        (b'{"_id": "1", "title": "caf\xe9"}\n', 1, "not UTF-8"),
    ],
)
def test_bad_lines_name_the_file_and_line(data, line, message):
    with pytest.raises(ParseError) as info:
        parse_jsonl_bytes(data, "corpus.jsonl")
    assert info.value.line == line and info.value.path == "corpus.jsonl"
    assert message in str(info.value) and str(info.value).startswith(f"corpus.jsonl:{line}: ")


def test_empty_files_are_errors():
    for data in (b"", b"\n  \n"):
        with pytest.raises(ParseError, match="empty file"):
            parse_jsonl_bytes(data, "e.jsonl")


def test_bom_and_crlf_are_fine():
    doc = parse_jsonl_bytes(b'\xef\xbb\xbf{"_id": "1", "title": "A"}\r\n{"_id": "2", "title": "B"}\r\n', "c")
    assert [p.item.name for p in doc.items] == ["A", "B"]


# -- the command line ------------------------------------------------------------


def test_ingest_jsonl_then_search_and_reingest_is_a_noop(run_cli):
    first = run_cli("ingest", "--jsonl", str(TINY_CORPUS), "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["files_new"] == 1 and summary["items_new"] == 30 and summary["embedded"] == 30
    stats = json.loads(run_cli("stats", "--json").stdout)
    assert stats == {"documents": 1, "items": 30, "models": 0, "papers": 30, "mentions": 30}

    hits = json.loads(run_cli("search", "radiance field novel views", "--mode", "lexical", "--json").stdout)
    assert {"jsonl:d20", "jsonl:d21"} <= {h["key"] for h in hits[:3]}
    shown = json.loads(run_cli("show", "jsonl:d14", "--json").stdout)
    assert shown["name"] == "Segment Anything" and shown["sources"][0]["path"].endswith("corpus.jsonl")

    again = json.loads(run_cli("ingest", "--jsonl", str(TINY_CORPUS), "--json").stdout)
    assert again["files_unchanged"] == 1 and again["embedded"] == 0
    assert json.loads(run_cli("stats", "--json").stdout) == stats


def test_ingest_mixes_prompt_files_and_jsonl_and_reports_bad_lines(run_cli, tmp_path, make_prompt):
    prompt = tmp_path / "p.txt"
    prompt.write_text(make_prompt("sharpen a blurry photo", models=[{"name": "Deblur-MIMO-UNet-RealBlur"}],
                                  papers=[{"name": "Some Paper", "paper": "https://arxiv.org/abs/2108.05054"}]))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"_id": "1", "title": "fine"}\n{"_id": "2", "title": oops}\n')
    result = run_cli("ingest", str(prompt), "--jsonl", str(TINY_CORPUS), "--jsonl", str(bad), "--no-index")
    assert result.exit_code == 1
    assert "3 file(s): 2 new, 0 unchanged, 1 failed" in result.stdout
    assert f"{bad}:2: invalid JSON" in result.stderr
    stats = json.loads(run_cli("stats", "--json").stdout)
    assert stats["documents"] == 2 and stats["items"] == 32  # the bad file added nothing

    missing = run_cli("ingest", "--jsonl", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 1 and "nope.jsonl" in missing.stderr
    assert run_cli("ingest").exit_code != 0  # neither PATH nor --jsonl


def test_bulk_import_of_thousands_enriches_instead_of_duplicating(run_cli, tmp_path):
    rows = [{"_id": f"d{i}", "title": f"Paper number {i}", "text": f"Abstract {i}."} for i in range(1200)]
    first = tmp_path / "a.jsonl"
    first.write_bytes(jsonl(*rows))
    assert run_cli("ingest", "--jsonl", str(first), "--no-index").exit_code == 0
    # A second file: the same ids (longer abstracts for some) plus new ones.
    rows2 = [dict(r, text=r["text"] + " Now with more detail.") if i % 2 else r for i, r in enumerate(rows)]
    rows2 += [{"_id": f"n{i}", "title": f"New {i}", "text": "x"} for i in range(10)]
    second = tmp_path / "b.jsonl"
    second.write_bytes(jsonl(*rows2))
    out = json.loads(run_cli("ingest", "--jsonl", str(second), "--no-index", "--json").stdout)
    assert out["items_new"] == 10 and out["items_enriched"] == 600
    stats = json.loads(run_cli("stats", "--json").stdout)
    assert stats == {"documents": 2, "items": 1210, "models": 0, "papers": 1210, "mentions": 2410}
    shown = json.loads(run_cli("show", "jsonl:d1", "--json").stdout)
    assert shown["summary"] == "Abstract 1. Now with more detail."
