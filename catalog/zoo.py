"""Zoo model names: `Task-Architecture-Variant`, e.g. `Deblur-MIMO-UNet-RealBlur`.

Architectures and variants may themselves contain hyphens, so a plain split
is ambiguous; a list of known architectures (longest match wins) settles it.
The lists live in `catalog/data/*.txt` so they can grow without code changes,
and users can extend them with files named by `MODELKB_ARCHITECTURES` /
`MODELKB_TASK_PREFIXES`.
"""

from __future__ import annotations

import os
import re
import warnings
from functools import lru_cache
from importlib import resources

ARCHITECTURES_ENV = "MODELKB_ARCHITECTURES"
TASK_PREFIXES_ENV = "MODELKB_TASK_PREFIXES"

# Tokens of letters/digits/_ . + joined by single hyphens, at least two tokens.
_ZOO_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+]*(?:-[A-Za-z0-9_.+]+)+")


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


def known_task_prefixes() -> frozenset[str]:
    """Casefolded known task prefixes (built-in + user file)."""
    return _names("task_prefixes.txt", TASK_PREFIXES_ENV)


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
    if task.casefold() in known_task_prefixes():
        return True
    if not arch_known:
        return False
    # "Real-ESRGAN-x4" starts with an architecture: the first token is not a task.
    return _longest_known_prefix(name.strip(), known_architectures()) <= len(task)
