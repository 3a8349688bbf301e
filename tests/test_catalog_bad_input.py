"""The bad-input corpus (issue #5) at the parser level.

`tests/data/bad/EXPECTED.json` says, per file, "ok" (+ item count and
distinct keys) or "reject" (+ a message fragment). A rejected file must raise
ParseError naming the file, never any other exception.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog import ParseError, parse_bytes, parse_file

BAD = Path(__file__).resolve().parent / "data" / "bad"
EXPECTED: dict[str, dict] = json.loads((BAD / "EXPECTED.json").read_text(encoding="utf-8"))


def test_corpus_and_expectations_match():
    on_disk = {
        p.relative_to(BAD).as_posix()
        for p in BAD.rglob("*")
        if p.is_file() and p.name not in ("EXPECTED.json", "README.md", ".gitattributes")
    }
    assert on_disk == set(EXPECTED)
    assert {"empty.txt", "binary.bin", "truncated.txt", "no_question.txt", "many_papers.txt"} <= on_disk
    assert any(" " in name and not name.isascii() for name in on_disk)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_file(name):
    expected = EXPECTED[name]
    path = BAD / name
    if expected["expect"] == "reject":
        with pytest.raises(ParseError) as exc:
            parse_file(path)
        assert str(path) in str(exc.value)
        assert expected["message"] in exc.value.message
        return
    doc = parse_file(path)
    assert len(doc.items) == expected["items"]
    assert len({p.item.key for p in doc.items}) == expected["unique_keys"]
    assert [p.position for p in doc.items] == list(range(len(doc.items)))
    assert doc.question


def test_bad_input_never_raises_other_errors():
    """Every corpus file either parses or raises ParseError (nothing else)."""
    for name in EXPECTED:
        try:
            parse_bytes((BAD / name).read_bytes(), name)
        except ParseError as exc:
            assert name in str(exc)


def test_dup_versions_share_key_keep_both_mentions():
    doc = parse_file(BAD / "dup_versions.txt")
    v1, v2 = doc.items[1], doc.items[2]
    assert v1.item.key == v2.item.key == "arxiv:2404.14414"
    assert (v1.item.arxiv_version, v2.item.arxiv_version) == (1, 2)
    assert (v1.position, v2.position) == (1, 2)


def test_many_papers():
    doc = parse_file(BAD / "many_papers.txt")
    papers = [p for p in doc.items if p.role == "related"]
    assert len(papers) == 30
    assert all(p.item.kind == "paper" for p in papers)
    assert papers[-1].item.name == "Synthetic Stress-Test Paper 30 on Image Inpainting"


def test_mojibake_and_cp1252_repaired():
    moj = parse_file(BAD / "mojibake.txt")
    assert moj.question == "It’s a café photo — why does it look so real? 🧠"
    assert "repaired mojibake" in moj.repairs
    cp = parse_file(BAD / "cp1252.txt")
    assert cp.question == "Why does my café photo look “too sharp” after deblurring — is that normal?"


def test_path_with_spaces_and_non_ascii():
    path = BAD / "dir with spaces" / "café prompt.txt"
    doc = parse_file(path)
    assert doc.path == str(path)
    assert len(doc.items) == 3


def test_rejects_name_the_line_where_known():
    with pytest.raises(ParseError) as exc:
        parse_file(BAD / "truncated.txt")
    assert exc.value.line == 20
    assert str(exc.value).startswith(f"{BAD / 'truncated.txt'}:20: ")


def _giant_prompt(path: Path, summary_bytes: int) -> None:
    head = (BAD / "crlf.txt").read_bytes().replace(b"\r\n", b"\n").split(b"\n\nAnswer:")[0]
    with open(path, "wb") as fh:
        fh.write(head + b"\n\nModel: A Paper With A Giant Summary\nPaper: https://example.org/giant.pdf\nSummary: ")
        chunk = b"lorem ipsum dolor sit amet " * 40_000
        written = 0
        while written < summary_bytes:
            fh.write(chunk)
            written += len(chunk)
        fh.write(b"\n\nAnswer:\n")


@pytest.mark.slow
def test_50mb_prompt_parses(tmp_path):
    """50 MB is under the 64 MiB default: a valid file with a giant summary parses, in linear time."""
    path = tmp_path / "giant.txt"
    _giant_prompt(path, 50 * 1000 * 1000)
    assert path.stat().st_size > 50_000_000
    doc = parse_file(path)
    assert len(doc.items) == 4
    giant = doc.items[-1].item
    assert giant.name == "A Paper With A Giant Summary"
    assert len(giant.summary) > 50_000_000


def test_too_large_rejected_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big file.txt"
    _giant_prompt(path, 2 * 1000 * 1000)
    monkeypatch.setenv("MODELKB_MAX_FILE_BYTES", str(1024 * 1024))
    with pytest.raises(ParseError, match="file too large") as exc:
        parse_file(path)
    assert str(path) in str(exc.value)
    with pytest.raises(ParseError, match="file too large"):
        parse_bytes(path.read_bytes(), str(path))


def test_random_bytes_without_nul_rejected():
    import random

    rng = random.Random(7)
    data = bytes(rng.choice([b for b in range(256) if b]) for _ in range(8192))
    with pytest.raises(ParseError) as exc:
        parse_bytes(data, "noise.dat")
    assert "noise.dat" in str(exc.value)


def test_mutated_files_only_ever_raise_parse_error():
    """Deterministic fuzz: truncations, junk bytes and stray field labels never crash the parser."""
    import random

    rng = random.Random(2024)
    sources = [p.read_bytes() for p in sorted(BAD.glob("*.txt"))]
    snippets = [b"Model:", b"Paper:", b"GitHub:", b"Summary:", b"\n\n", b"### Related Papers:\n", b"**", b'"',
                b"\r", b"Answer:\n", b"None", b"[x](y)", b"http://[", b"\xef\xbb\xbf", b"\x81", "\u2192".encode()]
    for _ in range(400):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(len(data) + 1)
            op = rng.random()
            if op < 0.3:
                del data[pos : pos + rng.randint(1, 120)]
            elif op < 0.5:
                data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
            elif op < 0.6:
                del data[pos:]
            else:
                data[pos:pos] = rng.choice(snippets)
        try:
            parse_bytes(bytes(data), "fuzz.txt")
        except ParseError as exc:
            assert str(exc).startswith("fuzz.txt")
