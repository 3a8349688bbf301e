"""Zoo model names: `Task-Architecture-Variant`, e.g. `Deblur-MIMO-UNet-RealBlur`.

Architectures and variants may themselves contain hyphens, so a plain split
is ambiguous; a list of known architectures (longest match wins) settles it.
The lists live in `catalog/data/*.txt` so they can grow without code changes,
and users can extend them with files named by `MODELKB_ARCHITECTURES` /
`MODELKB_TASK_PREFIXES`.

`task_prefixes.txt` is the one vocabulary of zoo task prefixes in the project:
each line says what a prefix stands for in words (the indexer spells it out)
and which answerer task(s) it names (certain evidence of a model's task).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

ARCHITECTURES_ENV = "MODELKB_ARCHITECTURES"
TASK_PREFIXES_ENV = "MODELKB_TASK_PREFIXES"

# Tokens of letters/digits/_ . + joined by single hyphens, at least two tokens.
_ZOO_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+]*(?:-[A-Za-z0-9_.+]+)+")


@dataclass(frozen=True)
class TaskPrefix:
    """One zoo task prefix: what it stands for in words, and the task id(s) it names."""

    prefix: str  # as written in the vocabulary ("Txt2Img")
    words: str  # "text-to-image generation"; "" when a user line gives only the prefix
    tasks: tuple[str, ...] = ()  # answerer task ids ("text-to-image")


def prefix_key(prefix: str) -> str:
    """Lookup key of a prefix: case, '-', '_' and spaces ignored (`Low-Light` = `lowlight`)."""
    return re.sub(r"[-_\s]", "", prefix or "").casefold()


def _parse_prefix_lines(text: str) -> dict[str, TaskPrefix]:
    """`Prefix | words | task ids` per line (words and ids optional); later lines do not override."""
    table: dict[str, TaskPrefix] = {}
    for raw in text.splitlines():
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        parts = [p.strip() for p in entry.split("|")]
        prefix = parts[0]
        words = parts[1] if len(parts) > 1 else ""
        tasks = tuple(parts[2].split()) if len(parts) > 2 else ()
        if prefix and prefix_key(prefix) not in table:
            table[prefix_key(prefix)] = TaskPrefix(prefix, words, tasks)
    return table


def _parse_lines(text: str) -> frozenset[str]:
    names = set()
    for raw in text.splitlines():
        entry = raw.split("#", 1)[0].strip()
        if entry:
            names.add(entry.casefold())
    return frozenset(names)


@lru_cache(maxsize=None)
def _builtin(filename: str) -> frozenset[str]:
    text = resources.files("catalog").joinpath("data", filename).read_text(encoding="utf-8")
    return _parse_lines(text)


@lru_cache(maxsize=16)
def _user_file(path: str, mtime_ns: int) -> frozenset[str]:
    with open(path, encoding="utf-8-sig") as fh:
        return _parse_lines(fh.read())


def _names(filename: str, env: str) -> frozenset[str]:
    """Built-in list plus the user's file (re-read when it changes)."""
    names = _builtin(filename)
    user = os.environ.get(env, "").strip()
    if not user:
        return names
    try:
        return names | _user_file(user, os.stat(user).st_mtime_ns)
    except (OSError, UnicodeDecodeError) as exc:
        warnings.warn(f"{env}={user!r} ignored: {exc}", RuntimeWarning, stacklevel=3)
        return names


def known_architectures() -> frozenset[str]:
    """Casefolded known architecture names (built-in + user file)."""
    return _names("architectures.txt", ARCHITECTURES_ENV)


@lru_cache(maxsize=None)
def _builtin_prefixes() -> dict[str, TaskPrefix]:
    text = resources.files("catalog").joinpath("data", "task_prefixes.txt").read_text(encoding="utf-8")
    return _parse_prefix_lines(text)


@lru_cache(maxsize=16)
def _user_prefixes(path: str, mtime_ns: int) -> dict[str, TaskPrefix]:
    with open(path, encoding="utf-8-sig") as fh:
        return _parse_prefix_lines(fh.read())


def task_prefix_table() -> dict[str, TaskPrefix]:
    """Every known task prefix by `prefix_key`: the built-in vocabulary, then the user's file."""
    table = _builtin_prefixes()
    user = os.environ.get(TASK_PREFIXES_ENV, "").strip()
    if not user:
        return table
    try:
        extra = _user_prefixes(user, os.stat(user).st_mtime_ns)
    except (OSError, UnicodeDecodeError) as exc:
        warnings.warn(f"{TASK_PREFIXES_ENV}={user!r} ignored: {exc}", RuntimeWarning, stacklevel=2)
        return table
    return {**table, **extra}  # a user line replaces the built-in meaning of its prefix


def task_prefix(prefix: str | None) -> TaskPrefix | None:
    """The vocabulary entry of a zoo task prefix (`SR`, `txt2img`, `Low-Light`), or None."""
    return task_prefix_table().get(prefix_key(prefix or "")) if prefix else None


def known_task_prefixes() -> frozenset[str]:
    """Casefolded known task prefixes (built-in + user file)."""
    return frozenset(p.prefix.casefold() for p in task_prefix_table().values())


def _longest_known_prefix(text: str, known: frozenset[str]) -> int:
    """Length of the longest hyphen-bounded prefix of `text` that is in `known`, else 0."""
    folded = text.casefold()
    best = len(folded) if folded in known else 0
    if best:
        return best
    pos = folded.rfind("-")
    while pos > 0:
        if folded[:pos] in known:
            return pos
        pos = folded.rfind("-", 0, pos)
    return 0


def _split(name: str) -> tuple[str, str, str | None, bool] | None:
    name = name.strip()
    if not _ZOO_SHAPE.fullmatch(name):
        return None
    archs = known_architectures()
    if name.casefold() in archs:  # a bare architecture ("Real-ESRGAN") has no task
        return None
    task, _, rest = name.partition("-")
    n = _longest_known_prefix(rest, archs)
    if n:
        return task, rest[:n], rest[n + 1 :] or None, True
    head, _, tail = rest.partition("-")
    return task, head, tail or None, False


def is_zoo_shaped(name: str) -> bool:
    """`Word-Word[-...]` with no spaces: a zoo name even when its task prefix is new to us."""
    return _split(name) is not None


def split_zoo_name(name: str) -> tuple[str, str, str | None] | None:
    """Split `Task-Architecture-Variant`; None if the name cannot be a zoo name.

    Known architectures win (longest first); otherwise task / next token / rest.
    """
    parts = _split(name)
    return parts[:3] if parts else None


def is_zoo_name(name: str) -> bool:
    """True for zoo-style model names, which are identified by name, not by paper.

    Needs no spaces, hyphen-separated tokens, and either a known task prefix
    or a known architecture right after the first token.
    """
    parts = _split(name)
    if parts is None:
        return False
    task, _, _, arch_known = parts
    if task_prefix(task) is not None:
        return True
    if not arch_known:
        return False
    # "Real-ESRGAN-x4" starts with an architecture: the first token is not a task.
    return _longest_known_prefix(name.strip(), known_architectures()) <= len(task)
