"""Bytes -> clean text: decode, normalize line endings, repair mojibake.

Prompt files come from many hands: BOMs, CRLF, cp1252 editors, and text that
was UTF-8 read as cp1252 and saved again (`ðŸ§ ` for 🧠). Each fix is
recorded so a user can see what was changed in their file; anything that is
not text at all is refused with a ParseError instead of being guessed at.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass, field
from typing import BinaryIO

import ftfy

from catalog.records import ParseError

MAX_FILE_BYTES_ENV = "MODELKB_MAX_FILE_BYTES"
DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024

# Control characters that have no business in a text file (tab, LF, FF, CR are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BINARY_SAMPLE = 1 << 20  # judge "mostly non-printable" on the first MiB
_BINARY_RATIO = 0.05
_FTFY_CHUNK = 1_000_000  # ftfy's own segment size; keeps huge lines linear

_UTF16_32_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_MIXED_ERRORS = "modelkb-catalog-cp1252"


def _stray_bytes_as_cp1252(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as cp1252 (U+FFFD if undefined)."""
    return exc.object[exc.start : exc.end].decode("cp1252", errors="replace"), exc.end


codecs.register_error(_MIXED_ERRORS, _stray_bytes_as_cp1252)


@dataclass
class DecodedText:
    """Text ready for parsing (LF line endings) and the repairs made to get it."""

    text: str
    repairs: list[str] = field(default_factory=list)


def max_file_bytes() -> int | None:
    """Largest file accepted (`MODELKB_MAX_FILE_BYTES`, default 64 MiB; <= 0 means no limit)."""
    raw = os.environ.get(MAX_FILE_BYTES_ENV, "").strip()
    try:
        limit = int(raw) if raw else DEFAULT_MAX_FILE_BYTES
    except ValueError:
        limit = DEFAULT_MAX_FILE_BYTES
    return limit if limit > 0 else None


def check_size(size: int, path: str) -> None:
    """Refuse oversized files up front, before reading or decoding them."""
    limit = max_file_bytes()
    if limit is not None and size > limit:
        raise ParseError(
            path,
            f"file too large: {size} bytes, limit is {limit} bytes (set {MAX_FILE_BYTES_ENV} to change)",
        )



_READ_CHUNK = 1 << 20


def read_capped(stream: BinaryIO, name: str) -> bytes:
    """Everything `stream` holds, read in chunks and never more than the size limit
    plus one byte: a pipe, a FIFO or /dev/zero cannot exhaust memory."""
    limit = max_file_bytes()
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(_READ_CHUNK if limit is None else min(_READ_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if limit is not None and total > limit:
            raise ParseError(
                name,
                f"file too large: more than {limit} bytes, limit is {limit} bytes "
                f"(set {MAX_FILE_BYTES_ENV} to change)",
            )


def read_file_bytes(path: str | os.PathLike[str], name: str | None = None) -> bytes:
    """The bytes of file `path`: a regular file is size-checked before it is opened,
    anything else (FIFO, device) is read with the cap of `read_capped`. Every failure
    is a ParseError naming the file (`name`, for display, defaults to the path)."""
    name = os.fspath(path) if name is None else name
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise ParseError(name, "is a directory, not a file")
        if stat.S_ISREG(st.st_mode):
            check_size(st.st_size, name)
        with open(path, "rb") as fh:
            return read_capped(fh, name)
    except ParseError:
        raise
    except IsADirectoryError:
        raise ParseError(name, "is a directory, not a file") from None
    except OSError as exc:
        raise ParseError(name, f"cannot read file: {exc.strerror or exc}") from None

def _decode(data: bytes, path: str, repairs: list[str]) -> str:
    for bom, codec in _UTF16_32_BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise ParseError(path, f"cannot decode: invalid {codec} at byte {exc.start}") from None
            repairs.append(f"decoded as {codec}")
            return text
    if b"\x00" in data:
        raise ParseError(path, "binary file (contains NUL bytes), not a text prompt file")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        repairs.append("stripped UTF-8 BOM")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    loose = data.decode("utf-8", errors="replace")
    n_bad = loose.count("\ufffd")
    # bytes that formed valid multi-byte UTF-8 (each U+FFFD re-encodes as 3 bytes)
    utf8_bytes = len(loose.encode("utf-8")) - len(loose.encode("ascii", "ignore")) - 3 * n_bad
    if utf8_bytes >= n_bad:
        # Mostly UTF-8 with a few pasted cp1252 bytes (a “smart quote” from Word):
        # keep the UTF-8, read only the stray bytes as cp1252.
        text = data.decode("utf-8", errors=_MIXED_ERRORS)
        repairs.append(f"decoded {n_bad} stray non-UTF-8 byte sequence(s) as cp1252")
        lost = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
        if lost:
            repairs.append(f"replaced {lost} undecodable byte(s) with U+FFFD")
        return text
    # A single-byte legacy encoding. charset-normalizer tells the script apart
    # (Cyrillic cp1251, GBK, Shift-JIS), but for Latin text it picks a cousin
    # (cp775, cp1250) at random, so Latin text is read as cp1252: what Western
    # editors write.
    try:
        western: str | None = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and not _is_latin(best.alphabets):
        repairs.append(f"decoded as {best.encoding} (not valid UTF-8; detected)")
        return str(best)
    if western is not None and not _mostly_binary(western):
        repairs.append("decoded as cp1252 (not valid UTF-8)")
        return western
    if best is not None:
        repairs.append(f"decoded as {best.encoding} (not valid UTF-8; detected)")
        return str(best)
    raise ParseError(path, "cannot decode: not UTF-8 and no known text encoding fits")


_SCRIPT_NEUTRAL = {"Control character", "General Punctuation", "Currency Symbols", "Letterlike Symbols"}


def _is_latin(alphabets: list[str]) -> bool:
    return all("Latin" in a or a in _SCRIPT_NEUTRAL for a in alphabets)


def _mostly_binary(text: str) -> bool:
    sample = text[:_BINARY_SAMPLE]
    if not sample:
        return False
    bad = sum(1 for _ in _CONTROL.finditer(sample))
    return bad / len(sample) > _BINARY_RATIO


_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,  # "&amp;" in a summary may be meant literally
    uncurl_quotes=False,  # keep the author's typography
    fix_character_width=False,  # full-width CJK text is not an error
    fix_line_breaks=False,  # done already, and line numbers must not move
    explain=True,
)


def _repair_line(line: str, steps: list[str]) -> str:
    out = []
    for start in range(0, len(line), _FTFY_CHUNK):
        fixed, explanation = ftfy.fix_and_explain(line[start : start + _FTFY_CHUNK], _FTFY_CONFIG)
        out.append(fixed)
        steps.extend(_describe(step) for step in explanation or ())
    return "".join(out)


_FIXER_NAMES = {
    "decode_inconsistent_utf8": "repaired mojibake",
    "fix_c1_controls": "replaced C1 control characters",
    "fix_latin_ligatures": "expanded ligatures",
    "fix_surrogates": "fixed surrogate pairs",
    "remove_terminal_escapes": "removed terminal escapes",
    "remove_control_chars": "removed control characters",
}


def _describe(step) -> str:
    action, detail = step[0], step[1]
    if action in ("encode", "decode", "transcode"):
        return "repaired mojibake"
    if action == "normalize":
        return f"normalized Unicode ({detail})"
    return _FIXER_NAMES.get(detail, f"applied ftfy {detail}")


def repair_text(text: str, repairs: list[str]) -> str:
    """Run ftfy on the lines that need it (ASCII lines cannot hold mojibake)."""
    lines = text.split("\n")
    steps: list[str] = []
    for i, line in enumerate(lines):
        if not line.isascii():
            lines[i] = _repair_line(line, steps)
    for step in dict.fromkeys(steps):
        repairs.append(step)
    text = "\n".join(lines)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
        repairs.append("removed control characters")
    return text


def decode_bytes(data: bytes, path: str) -> DecodedText:
    """Decode and repair a file's bytes; ParseError for empty, binary or undecodable input."""
    if not data:
        raise ParseError(path, "empty file")
    repairs: list[str] = []
    text = _decode(data, path, repairs)
    if _mostly_binary(text):
        raise ParseError(path, "binary file (mostly non-printable characters), not a text prompt file")
    if "\r" in text:
        crlf = "\r\n" in text
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            text = text.replace("\r", "\n")
            repairs.append("normalized CR line endings")
        if crlf:
            repairs.append("normalized CRLF line endings")
    text = repair_text(text, repairs)
    if text.startswith("\ufeff"):  # a BOM that was itself mojibake ('ï»¿') until repaired
        text = text[1:]
        if "stripped UTF-8 BOM" not in repairs:
            repairs.append("stripped UTF-8 BOM")
    if not text.strip():
        raise ParseError(path, "file contains only whitespace")
    return DecodedText(text, repairs)
