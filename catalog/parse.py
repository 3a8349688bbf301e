"""Prompt and answer files -> ParsedDocument.

Two formats share one block grammar (`Model:` starts a block; `Paper:`,
`GitHub:`, `Summary:` and any labelled extra fields belong to it):

- prompt: `A user has asked the following question:` + quoted question,
  then `### Recommended AI Models:` / `### Related Papers:` sections;
- answer: `**User Question:**` + quoted question, items as
  `- **Model**: name` with indented `- Paper:` / `- GitHub:` bullets,
  mixed with prose that also uses bold labels (`- **Model**: The listed ...`).

Prompt files are parsed strictly (a field with no block is an error, because
that is how truncated files look); answer files are prose, so only blocks
that carry links, a summary or a zoo name count as items.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

from catalog.lines import GITHUB, NAME, PAPER, SUMMARY, Field, header_text, is_rule, match_field, section_role
from catalog.normalize import build_item, clean_value, is_missing, looks_like_url
from catalog.records import ParsedDocument, ParsedItem, ParseError
from catalog.text import check_size, decode_bytes, read_file_bytes
from catalog.zoo import is_zoo_shaped, is_zoo_name

_PROMPT_MARKER = re.compile(r"asked\s+the\s+following\s+question\b\s*:?", re.IGNORECASE)
_ANSWER_MARKER = re.compile(r"user\s+question\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?", re.IGNORECASE)
_PROMPT_PREAMBLE = re.compile(r"[ \t]*based\s+on\s+the\s+following\b", re.IGNORECASE)
_ANSWER_LINE = re.compile(r"[ \t]*(?:\*\*|__)?answer[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*$", re.IGNORECASE)
_QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»", "'": "'", "‘": "’", "「": "」"}
# Closers accepted for an opener: editors mix straight and curly double quotes.
_CLOSERS = {'"': '"”', "“": '”"', "„": '“”"'}
_PARAGRAPH = "\n\n"
_MARKER_PREFIX = 300


@dataclass
class _Block:
    """An item being read: field name -> text parts, in file order."""

    line: int
    section: str | None
    fields: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # field -> key as written
    current: str | None = None


def parse_file(path: str | os.PathLike[str]) -> ParsedDocument:
    """Read and parse one file; every failure (unreadable, too big, malformed) is a ParseError."""
    name = os.fspath(path)
    data = read_file_bytes(name)
    return parse_bytes(data, name)


def parse_bytes(data: bytes, path: str) -> ParsedDocument:
    """Decode, repair, detect the format and parse; raises ParseError(path, msg, line)."""
    check_size(len(data), path)
    decoded = decode_bytes(data, path)
    lines = decoded.text.split("\n")
    fmt, marker_line, marker_end = _find_marker(lines, path)
    question, body_start = _read_question(lines, marker_line, marker_end, path)
    items = _Parser(path, fmt).run(lines, body_start)
    if not items:
        raise ParseError(path, "no models or papers found (expected 'Model:' blocks after the question)")
    return ParsedDocument(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        question=question,
        items=items,
        text=decoded.text,
        repairs=decoded.repairs,
    )


def _find_marker(lines: list[str], path: str) -> tuple[str, int, int]:
    """(format, line index, end of marker) of the first question marker."""
    for i, line in enumerate(lines):
        head = line[:_MARKER_PREFIX]
        m = _PROMPT_MARKER.search(head)
        if m:
            return "prompt", i, m.end()
        m = _ANSWER_MARKER.search(head)
        if m:
            return "answer", i, m.end()
    raise ParseError(
        path,
        "no question found: expected 'A user has asked the following question:' (prompt) "
        "or '**User Question:**' (answer)",
    )


def _is_structural(line: str) -> bool:
    """Lines that end a question paragraph: headers, rules, fields, the prompt's instructions."""
    if _PROMPT_PREAMBLE.match(line[:_MARKER_PREFIX]):
        return True
    return header_text(line) is not None or is_rule(line) or (
        (f := match_field(line)) is not None and f.canonical is not None
    )


def _read_question(lines: list[str], idx: int, start: int, path: str) -> tuple[str, int]:
    """The question after its marker (same line or next lines), unquoted; and where the body starts."""
    rest = lines[idx][start:].strip().strip("*_").strip()
    stream = [(idx, rest)] if rest else []
    j = idx + 1
    if not rest:
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j == len(lines) or _is_structural(lines[j]):
            raise ParseError(path, "no question text after the question marker", idx + 1)
        stream.append((j, lines[j].strip()))
        j += 1
    first_line = stream[0][0]
    opener = stream[0][1][:1]
    closers = tuple(_CLOSERS.get(opener, _QUOTES.get(opener, "")))
    if not (closers and len(stream[0][1]) > 1 and stream[0][1].endswith(closers)):
        while j < len(lines):
            text = lines[j].strip()
            if not text or _is_structural(lines[j]):
                break
            stream.append((j, text))
            j += 1
            if closers and text.endswith(closers):
                break
    question = _unquote(" ".join(text for _, text in stream))
    if not question:
        raise ParseError(path, "the question is empty", first_line + 1)
    return question, j


def _unquote(text: str) -> str:
    text = " ".join(text.split())
    opener = text[:1]
    if opener in _QUOTES:
        end = max(text.rfind(c) for c in _CLOSERS.get(opener, _QUOTES[opener]))
        text = text[1:end] if end > 0 else text[1:]
    return text.strip()


class _Parser:
    """The block state machine over the lines after the question."""

    def __init__(self, path: str, fmt: str):
        self.path = path
        self.fmt = fmt
        self.items: list[ParsedItem] = []
        self.block: _Block | None = None
        self.section: str | None = None

    def run(self, lines: list[str], start: int) -> list[ParsedItem]:
        blank = False
        for i in range(start, len(lines)):
            line = lines[i]
            lineno = i + 1
            if not line or line.isspace():
                blank = True
                continue
            after_blank, blank = blank, False
            if self.fmt == "prompt" and len(line) < 40 and _ANSWER_LINE.match(line):
                break  # anything after "Answer:" is the answer, not the catalog
            header = header_text(line)
            if header is not None:
                self._finish()
                self.section = section_role(header)
                continue
            if is_rule(line):
                self._finish()
                continue
            fld = match_field(line)
            if self.fmt == "prompt" and fld is not None and fld.norm == "answer":
                break
            if fld is not None and not (fld.canonical is None and self.block is None):
                self._field(fld, lineno, after_blank)
            else:
                self._text(line.strip(), line, after_blank)
        self._finish()
        return self.items

    # -- events -------------------------------------------------------------

    def _field(self, fld: Field, lineno: int, after_blank: bool) -> None:
        canonical = fld.canonical
        if canonical == NAME:
            self._finish()
            self.block = _Block(line=lineno, section=self.section)
            self._set(NAME, fld.key, fld.value)
            return
        block = self.block
        if canonical is not None and block is None:
            if self.fmt == "prompt":
                raise ParseError(
                    self.path,
                    f"'{fld.key}:' field without a preceding 'Model:' line (truncated file or missing name)",
                    lineno,
                )
            return  # prose in an answer file
        assert block is not None
        if canonical is None:
            if after_blank and self.fmt == "answer":
                self._finish()
                return
            name = "x:" + fld.norm
            if name in block.fields:
                name = f"x:{fld.norm} {_count(block, fld.norm)}"
            self._set(name, fld.key, fld.value)
            return
        if canonical in block.fields and not is_missing(_join(block.fields[canonical], canonical)):
            if self.fmt == "prompt":
                raise ParseError(
                    self.path,
                    f"second '{fld.key}:' in the block that starts at line {block.line} "
                    "(missing 'Model:' line?)",
                    lineno,
                )
            self._set(f"x:{fld.norm} {_count(block, fld.norm)}", fld.key, fld.value)
            return
        self._set(canonical, fld.key, fld.value)

    def _text(self, text: str, line: str, after_blank: bool) -> None:
        block = self.block
        if block is None or block.current is None:
            return
        current = block.current
        if after_blank:
            indented = line[:1] in (" ", "\t")
            continues = current == SUMMARY and (self.fmt == "prompt" or indented)
            if not continues:
                self._finish()
                return
            block.fields[current].append(_PARAGRAPH)
        elif current in (PAPER, GITHUB) and len(text.split(maxsplit=1)) > 1:
            # prose after a link is not part of the link
            if self.fmt == "answer":
                self._finish()
                return
            self._set("x:note" if "x:note" not in block.fields else f"x:note {_count(block, 'note')}", "note", text)
            return
        block.fields[current].append(text)

    def _set(self, name: str, label: str, value: str) -> None:
        block = self.block
        assert block is not None
        block.fields[name] = [value.strip()] if value.strip() else []
        block.labels[name] = label
        block.current = name

    # -- building items ---------------------------------------------------------

    def _finish(self) -> None:
        block, self.block = self.block, None
        if block is None:
            return
        fields = {name: _join(parts, name) for name, parts in block.fields.items()}
        raw_name = fields.get(NAME, "")
        has_payload = any(k in fields for k in (PAPER, GITHUB, SUMMARY))
        if self.fmt == "answer" and not has_payload and not is_zoo_name(_clean_name(raw_name)[0]):
            return  # a bold label in prose ("- **Model**: The listed models ..."), not an item
        name, name_link = _clean_name(raw_name)
        if is_missing(name):
            label = block.labels.get(NAME, "Model")
            raise ParseError(self.path, f"item block has no name ('{label}:' is empty)", block.line)
        extra = {k[2:]: v for k, v in fields.items() if k.startswith("x:")}
        paper_url, paper_note = _split_link(fields.get(PAPER))
        if paper_url is None and name_link:
            paper_url = name_link
        github, github_note = _split_link(fields.get(GITHUB))
        for key, note in (("paper", paper_note), ("github", github_note)):
            if note:
                extra[key if key not in extra else f"{key} note"] = note
        summary = fields.get(SUMMARY)
        kind, role = _classify(self.fmt, block.section, name)
        record = build_item(kind, name, paper_url, github, summary, extra)
        links = {k: v for k, v in (("paper", paper_url), ("github", github)) if v}
        self.items.append(ParsedItem(item=record, role=role, position=len(self.items), line=block.line, links=links))


def _count(block: _Block, norm: str) -> int:
    return 2 + sum(1 for k in block.fields if k.startswith(f"x:{norm} "))


def _join(parts: list[str], name: str) -> str:
    """Field text from its lines: links re-join wrapped halves, text re-joins with spaces."""
    sep = "" if name in (PAPER, GITHUB) else " "
    out: list[str] = []
    for part in parts:
        if part == _PARAGRAPH:
            out.append(_PARAGRAPH)
        elif out and out[-1] != _PARAGRAPH:
            out.append(sep + part)
        else:
            out.append(part)
    return "".join(out).strip()


def _clean_name(raw: str) -> tuple[str, str | None]:
    """Name without markdown; `[Title](url)` gives the title and the link."""
    text = " ".join(raw.split()).strip("*` ")
    m = re.fullmatch(r"\[([^\]]+)\]\((\S+)\)", text) if text.startswith("[") else None
    if m:
        return m.group(1).strip(), (m.group(2) if looks_like_url(m.group(2)) else None)
    if len(text) > 1 and text[0] in _QUOTES and text[-1] == _QUOTES[text[0]]:
        text = text[1:-1].strip()
    return text, None


def _split_link(value: str | None) -> tuple[str | None, str | None]:
    """(link, leftover text) of a link field: `None`/`N/A` -> (None, None); a title -> (None, title)."""
    text = clean_value(value)
    if text is None:
        return None, None
    if looks_like_url(text):
        return text, None
    first, _, rest = text.partition(" ")
    first_clean = clean_value(first)
    if first_clean and looks_like_url(first_clean):
        return first_clean, rest.strip() or None
    return None, text


def _classify(fmt: str, section: str | None, name: str) -> tuple[str, str]:
    """(kind, role): zoo names are models; a prompt's Related Papers are always papers.

    Answer files use their own headings, so there the name alone decides.
    """
    zoo = is_zoo_name(name)
    if fmt == "prompt" and section == "recommended":
        # listed as a recommended model: trust the section when the name has zoo shape
        return ("model" if zoo or is_zoo_shaped(name) else "paper"), "recommended"
    if fmt == "prompt" and section == "related":
        return "paper", "related"
    return ("model", "recommended") if zoo else ("paper", "related")
