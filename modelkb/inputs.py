"""Turning command-line PATH arguments into (name, bytes) inputs."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROMPT_SUFFIXES = {".txt", ".prompt"}  # rendered answers (.md) beside prompts are not inputs
# A folder's own documentation is not a prompt file (explicitly named files still are).
NOT_PROMPTS = {"readme", "license", "licence", "changelog", "contributing", "notice", "authors"}


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def display_name(raw: str) -> str:
    """A file name fit for one line of text and a UTF-8 column: bytes that are not
    UTF-8 (kept by Python as surrogates) shown as `\\xff`, control characters such
    as a newline as `\\n`. The file itself is still opened by its real path."""
    text = os.fsencode(raw).decode("utf-8", errors="backslashreplace")
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


@dataclass
class InputFile:
    """One file to ingest; `error` is set when it could not even be read.

    `name` is what messages and the catalog show (made printable on creation);
    `path` is what is opened. `data` holds bytes that arrived some other way (an
    HTTP upload): they are used as they are and never written anywhere; `name`
    is then only a label.
    """

    name: str
    path: Path | None
    error: str | None = None
    data: bytes | None = None

    @classmethod
    def of_bytes(cls, name: str, data: bytes) -> InputFile:
        return cls(name, None, data=data)

    def __post_init__(self) -> None:
        self.name = display_name(self.name)

    def read_or_fail(self) -> bytes:
        """The bytes (stdin's when `path` is None), size-checked before and while
        reading, or a ParseError naming the file when it is missing, unreadable or
        too large: one clear line for the user, the same for every command."""
        from catalog.records import ParseError
        from catalog.text import read_capped, read_file_bytes

        if self.error:
            raise ParseError(self.name, self.error)
        if self.data is not None:
            return self.data
        if self.path is None:
            try:
                return read_capped(sys.stdin.buffer, self.name)
            except OSError as exc:
                raise ParseError(self.name, f"cannot read: {exc.strerror or exc}") from None
        return read_file_bytes(self.path, self.name)


def expand(paths: list[str]) -> list[InputFile]:
    """Files as given; folders recursively (*.txt, *.prompt; no hidden files, no
    README/LICENSE-style documentation); `-` for stdin."""
    out: list[InputFile] = []
    for raw in paths:
        if raw == "-":
            out.append(InputFile("<stdin>", None))
            continue
        p = Path(raw)
        if p.is_dir():
            out.extend(InputFile(str(f), f) for f in _walk(p))
        elif p.exists():
            out.append(InputFile(str(p), p))
        else:
            out.append(InputFile(str(p), p, error="no such file or directory"))
    return out


def _walk(folder: Path) -> Iterator[Path]:
    for f in sorted(folder.rglob("*")):
        rel = f.relative_to(folder)
        if (
            f.is_file()
            and f.suffix.lower() in PROMPT_SUFFIXES
            and f.stem.lower() not in NOT_PROMPTS
            and not any(part.startswith(".") for part in rel.parts)
        ):
            yield f
