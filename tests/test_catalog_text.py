"""Bytes -> text: encodings, line endings, mojibake repair, and refusing non-text."""

from __future__ import annotations

import codecs

import pytest

from catalog import ParseError
from catalog.text import DEFAULT_MAX_FILE_BYTES, check_size, decode_bytes, max_file_bytes

SAMPLE = "Model: café — “quoted” →\nSummary: ok\n"


def test_utf8_untouched():
    out = decode_bytes(SAMPLE.encode("utf-8"), "f.txt")
    assert out.text == SAMPLE
    assert out.repairs == []


def test_bom_stripped():
    out = decode_bytes(codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "f.txt")
    assert out.text == SAMPLE
    assert out.repairs == ["stripped UTF-8 BOM"]


def test_crlf_and_cr_normalized():
    crlf = decode_bytes(SAMPLE.replace("\n", "\r\n").encode("utf-8"), "f.txt")
    assert crlf.text == SAMPLE
    assert crlf.repairs == ["normalized CRLF line endings"]
    cr = decode_bytes(SAMPLE.replace("\n", "\r").encode("utf-8"), "f.txt")
    assert cr.text == SAMPLE
    assert "normalized CR line endings" in cr.repairs


def test_cp1252_fallback():
    out = decode_bytes("Why “smart quotes” and café — naïve?\n".encode("cp1252"), "f.txt")
    assert out.text == "Why “smart quotes” and café — naïve?\n"
    assert any("cp1252" in r for r in out.repairs)


@pytest.mark.parametrize(
    "text, encoding, detected",
    [
        ("Вопрос: как сделать фото резче? Модели и статьи.\n", "cp1251", "cp1251"),
        ("这是一个测试文件，用于检测编码是否正确。模型和论文。\n", "gbk", "gb18030"),
        ("Résumé: les modèles génèrent des images très réalistes.\n", "latin-1", "cp1252"),
    ],
)
def test_legacy_encodings_detected(text, encoding, detected):
    out = decode_bytes(text.encode(encoding), "f.txt")
    assert out.text == text
    assert any(detected in r for r in out.repairs)


def test_utf8_with_stray_cp1252_bytes():
    data = "Input → Model, café ".encode("utf-8") + b"\x93quoted\x94 and \x81 junk\n"
    out = decode_bytes(data, "f.txt")
    assert out.text == "Input → Model, café “quoted” and \ufffd junk\n"
    assert "decoded 3 stray non-UTF-8 byte sequence(s) as cp1252" in out.repairs
    assert "replaced 1 undecodable byte(s) with U+FFFD" in out.repairs


def test_utf16_with_bom():
    out = decode_bytes(SAMPLE.encode("utf-16"), "f.txt")
    assert out.text == SAMPLE
    assert out.repairs == ["decoded as utf-16"]


def test_mojibake_repaired():
    broken = "ðŸ§  **User Question:**\nInput â†’ Model â†’ Output\nItâ€™s a cafÃ©\n"
    out = decode_bytes(broken.encode("utf-8"), "f.txt")
    assert out.text == "🧠 **User Question:**\nInput → Model → Output\nIt’s a café\n"
    assert "repaired mojibake" in out.repairs


def test_seed_001_mojibake(seeds_dir):
    raw = (seeds_dir / "001_b5c2937c3f908636.txt").read_bytes()
    out = decode_bytes(raw, "001.txt")
    assert out.text.startswith("🧠 **User Question:**")
    assert "**Input → Model → Output**" in out.text
    assert "ðŸ" not in out.text and "â†’" not in out.text
    assert "repaired mojibake" in out.repairs


def test_clean_seeds_need_no_repair(seeds_dir):
    for name in ("000_d34a6fb765d0ccc3.txt", "002_f5e658f80bf8bfc2.txt", "004_275fda37b4ddce02.txt"):
        raw = (seeds_dir / name).read_bytes()
        out = decode_bytes(raw, name)
        assert out.text == raw.decode("utf-8")
        assert out.repairs == []


def test_stray_control_characters_removed():
    out = decode_bytes(b"Model: x\x07y\nSummary: a long enough summary with one \x1bescape\n", "f.txt")
    assert out.text == "Model: xy\nSummary: a long enough summary with one escape\n"
    assert "removed control characters" in out.repairs


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty file"),
        (b" \n\t\r\n  ", "only whitespace"),
        (codecs.BOM_UTF8 + b"\n\n", "only whitespace"),
        (b"Model: x\x00y\n", "binary file"),
        (bytes(range(1, 9)) * 200, "binary file"),
    ],
)
def test_rejects(data, message):
    with pytest.raises(ParseError, match=message) as exc:
        decode_bytes(data, "dir/file name.txt")
    assert exc.value.path == "dir/file name.txt"
    assert str(exc.value).startswith("dir/file name.txt: ")


def test_max_file_bytes_setting(monkeypatch):
    assert max_file_bytes() == DEFAULT_MAX_FILE_BYTES == 64 * 1024 * 1024
    monkeypatch.setenv("MODELKB_MAX_FILE_BYTES", "1000")
    assert max_file_bytes() == 1000
    with pytest.raises(ParseError, match="too large: 1001 bytes, limit is 1000"):
        check_size(1001, "big.txt")
    check_size(1000, "ok.txt")
    monkeypatch.setenv("MODELKB_MAX_FILE_BYTES", "0")
    assert max_file_bytes() is None
    monkeypatch.setenv("MODELKB_MAX_FILE_BYTES", "lots")
    assert max_file_bytes() == DEFAULT_MAX_FILE_BYTES
