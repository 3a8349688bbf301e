"""Identity helpers: one paper or model gets one key, however its links are spelled.

arXiv versions (v1/v2), http/https, `www.`, `.git` and `/tree/...` suffixes
all name the same thing; these functions map every spelling to one form so
that re-ingesting never duplicates an item.
"""

from __future__ import annotations

import re
import string
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from catalog.records import ItemRecord

_MISSING = frozenset(
    {"", "none", "n/a", "na", "-", "--", "---", "—", "–", "null", "nil", "nan",
     "not available", "unavailable", "not provided"}
)
_DECORATION = " \t*_`\"'()[]<>."

# New-style ids (0704.0001, 2308.15462) and old-style (hep-th/9901001, math.AG/0101001).
_ARXIV_ID = r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Za-z]{2})?/\d{7})(?:v(?P<v>\d+))?"
_ARXIV_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format|ps)/"
    + _ARXIV_ID
    + r"(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
_ARXIV_PREFIXED = re.compile(r"^(?:arxiv:\s*|(?:https?://)?(?:dx\.)?doi\.org/10\.48550/arxiv\.|10\.48550/arxiv\.)"
                             + _ARXIV_ID + r"$", re.IGNORECASE)
_GITHUB = re.compile(
    r"^(?:(?:https?|git|ssh)://)?(?:[\w.-]+@)?(?:www\.)?github\.com[:/]+"
    r"(?P<owner>[A-Za-z0-9_.-]+)(?:/+(?P<repo>[A-Za-z0-9_.-]+))?(?P<rest>[/?#].*)?$",
    re.IGNORECASE,
)
_URLISH = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.|arxiv:|doi:|10\.\d{4,}/|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/)",
    re.IGNORECASE,
)
_PUNCT = str.maketrans({c: " " for c in string.punctuation + "‘’“”–—…·"})


def is_missing(value: str | None) -> bool:
    """True for the many ways files say "no link": None, N/A, -, empty, `*None*`."""
    if value is None:
        return True
    text = value.strip()
    if len(text) > 20:  # every spelling of "missing" is short; skip work on long text
        return False
    return text.strip(_DECORATION).strip().casefold() in _MISSING


def clean_value(value: str | None) -> str | None:
    """A field value without surrounding whitespace/markdown, or None when missing.

    `[text](url)` and `<url>` give the URL; inner whitespace collapses.
    """
    if is_missing(value):
        return None
    text = " ".join(value.split())
    link = re.fullmatch(r"\[[^\]]*\]\((\S+?)\)", text)
    if link:
        text = link.group(1)
    text = text.strip("<>`*_ ")
    return text or None


def looks_like_url(value: str) -> bool:
    """True for links (`https://…`, `www.…`, `arxiv.org/…`, `arXiv:…`), false for titles."""
    text = value.strip()
    if not text or len(text.split(maxsplit=1)) > 1:
        return False
    return bool(_URLISH.match(text[:512]))


def parse_arxiv(url: str | None) -> tuple[str, int | None] | None:
    """`(id, version)` of an arXiv link (`/abs/`, `/pdf/...v1.pdf`, `arXiv:` ids), else None."""
    if not url:
        return None
    text = url.strip()
    m = _ARXIV_URL.match(text) or _ARXIV_PREFIXED.match(text)
    if not m:
        return None
    version = m.group("v")
    return m.group("id"), int(version) if version else None


def normalize_github(url: str | None) -> str | None:
    """`https://github.com/owner/repo`, lower-cased; None when not a GitHub link.

    Drops `.git`, trailing slashes and `/tree/...`-style paths: a repo is its identity.
    """
    if not url:
        return None
    m = _GITHUB.match(url.strip())
    if not m:
        return None
    owner = m.group("owner").lower()
    repo = (m.group("repo") or "").lower()
    if not repo and (m.group("rest") or "").strip("/"):
        return None  # a path we cannot read as owner/repo (`x/y;rm -rf ~`): not a repo link

    if repo.endswith(".git"):
        repo = repo[:-4]
    return f"https://github.com/{owner}/{repo}" if repo else f"https://github.com/{owner}"


def normalize_url(url: str) -> str:
    """One spelling per URL: https, lower-case host without `www.`, no fragment or trailing slash."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced "[" read as a broken IPv6 host
        return text.split("#", 1)[0].rstrip("/").lower()
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port if parts.port not in (None, 80, 443) else None
    except ValueError:  # a non-numeric port: keep the netloc as written
        host, port = parts.netloc.lower(), None
    netloc = f"{host}:{port}" if port else host
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def normalize_title(title: str) -> str:
    """Casefolded, punctuation-free, single-spaced: titles that differ only in typography match."""
    text = unicodedata.normalize("NFKC", title).casefold().translate(_PUNCT)
    return " ".join(text.split())


def item_key(kind: str, name: str, paper_url: str | None = None) -> str:
    """Identity of an item across files.

    Models by name (several checkpoints share one repo); papers by arXiv id
    without version, else normalized URL, else normalized title.
    """
    if kind == "model":
        return "model:" + " ".join(name.split()).casefold()
    if paper_url and not is_missing(paper_url):
        arxiv = parse_arxiv(paper_url)
        if arxiv:
            return f"arxiv:{arxiv[0]}"
        return "url:" + normalize_url(paper_url)
    return "title:" + normalize_title(name)


def build_item(
    kind: str,
    name: str,
    paper_url: str | None,
    github: str | None,
    summary: str | None,
    extra: dict[str, str],
    key: str | None = None,
) -> ItemRecord:
    """One normalized record from raw field values: the identity rules, arXiv id and
    version, GitHub link, zoo-name split, all applied the same way for every format."""
    from catalog.zoo import split_zoo_name

    arxiv = parse_arxiv(paper_url)
    zoo = split_zoo_name(name) if kind == "model" else None
    return ItemRecord(
        key=key or item_key(kind, name, paper_url),
        kind=kind,  # type: ignore[arg-type]
        name=name,
        paper_url=paper_url,
        github_url=(normalize_github(github) or github) if github else None,
        summary=None if is_missing(summary) else summary,
        arxiv_id=arxiv[0] if arxiv else None,
        arxiv_version=arxiv[1] if arxiv else None,
        task=zoo[0] if zoo else None,
        architecture=zoo[1] if zoo else None,
        variant=zoo[2] if zoo else None,
        extra=extra,
    )
