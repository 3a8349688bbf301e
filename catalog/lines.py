"""What one line of a prompt/answer file is: a header, a field, a rule, or text.

Files are written by people and LLMs, so fields come as `Model:`, `MODEL:`,
`- **Model**: x`, `**Paper:** x`, `  - GitHub: x`. Every regex here runs on a
bounded prefix of the line, so a 50 MB summary line costs no backtracking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PREFIX = 200  # field keys and headers live at the start of a line

_FIELD = re.compile(
    r"[ \t]*(?:[-*+•][ \t]+|\d{1,3}[.)][ \t]+)?"  # bullet or numbered item
    r"(?P<b>\*\*|__|\*|_)?[ \t]*"  # opening bold / italic
    r"(?P<key>[A-Za-z][A-Za-z0-9 _/-]{0,30}?)"  # the key, short
    r"[ \t]*(?P=b)?[ \t]*:(?!//)[ \t]*(?P=b)?[ \t]*"  # `**Key**:` or `**Key:**`
)
_HEADER = re.compile(r"[ \t]*#{1,6}(?:[ \t]+|$)")
_BOLD_SECTION = re.compile(
    r"[ \t]*(?:\*\*|__)?[ \t]*((?:recommended|related)\b[^:*]{0,80}?)[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*$")

NAME, PAPER, GITHUB, SUMMARY = "name", "paper", "github", "summary"

FIELD_ALIASES = {
    "model": NAME, "name": NAME, "title": NAME, "model name": NAME, "paper title": NAME,
    "paper": PAPER, "paper url": PAPER, "paper link": PAPER, "arxiv": PAPER,
    "arxiv url": PAPER, "pdf": PAPER, "url": PAPER, "link": PAPER,
    "github": GITHUB, "github url": GITHUB, "github link": GITHUB, "code": GITHUB,
    "repo": GITHUB, "repository": GITHUB, "source code": GITHUB,
    "summary": SUMMARY, "abstract": SUMMARY, "description": SUMMARY,
}


@dataclass(frozen=True)
class Field:
    """`key: value` on one line; `canonical` is set for the fields we understand."""

    key: str  # as written, e.g. "GitHub"
    norm: str  # lower-case, single-spaced, e.g. "github"
    canonical: str | None  # NAME / PAPER / GITHUB / SUMMARY, or None for an extra
    value: str


def match_field(line: str) -> Field | None:
    """The field on this line, or None when the line is plain text.

    Unknown keys count as fields only when they look like labels
    (capitalized, at most three words), so prose like "we show: ..." stays text.
    """
    head = line[:_PREFIX]
    if ":" not in head:  # cheap reject for the many plain-text lines
        return None
    m = _FIELD.match(head)
    if not m:
        return None
    key = m.group("key").strip(" _-/")
    if not key:
        return None
    norm = " ".join(key.lower().replace("_", " ").split())
    canonical = FIELD_ALIASES.get(norm)
    if canonical is None and not (key[0].isupper() and len(norm.split()) <= 3):
        return None
    return Field(key, norm, canonical, line[m.end() :])


def header_text(line: str) -> str | None:
    """Text of a section header (`### Related Papers:` or a bold `**Recommended models:**`)."""
    head = line[:_PREFIX]
    first = head.lstrip()[:1]
    if first not in ("#", "*", "_", "R", "r"):
        return None
    m = _HEADER.match(head)
    if m:
        return line[m.end() :].strip().strip("*_: \t")
    if len(line) <= _PREFIX:
        m = _BOLD_SECTION.match(line)
        stripped = line.strip()
        if m and (stripped.endswith(":") or stripped.startswith(("**", "__"))):
            return m.group(1).strip()
    return None


def section_role(header: str) -> str | None:
    """`recommended` / `related` for the item sections; None for any other header."""
    text = header.casefold()
    if "recommend" in text:
        return "recommended"
    if "related" in text or "paper" in text:
        return "related"
    return None


def is_rule(line: str) -> bool:
    """A markdown horizontal rule (`---`), which ends any block."""
    return len(line) <= _PREFIX and line.lstrip()[:1] in ("-", "*", "_") and bool(_RULE.match(line))
