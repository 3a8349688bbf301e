"""Is an answer grounded in its prompt file? Links and items, checked mechanically.

The rules (DESIGN.md, "Answer"): every link in an answer appears in its
prompt file; an item that was not provided is never cited; evidence is
copied from the provided summaries, never written. `check_grounding`
returns the violations as readable lines; `compose` raises `GroundingError`
if there are any.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence, Union

from answerer.answer import Answer, Reference
from answerer.items import ItemInput, as_candidates
from answerer.rank import RankedItem
from catalog.records import ItemRecord, ParsedDocument
from answerer.evidence import ELLIPSIS
from catalog.errors import ModelkbError

#: What `check_grounding` checks against: the prompt file's text, its parsed
#: document, the provided items, or nothing (then only `items=`).
Source = Union[str, ParsedDocument, Sequence[ItemInput], None]

# Scheme URLs end at whitespace, markdown/HTML delimiters, table pipes and quotes (curly ones too:
# the answer quotes the question in them, and no URL holds one unencoded).
_URL = re.compile(r"https?://[^\s<>()\[\]{}|\\\"'`\u201c\u201d\u2018\u2019]+", re.IGNORECASE)
# Scheme-less links ("github.com/owner/repo", "www.example.org/x").
_BARE = re.compile(r"(?<![\w/.@-])(?:www\.[\w-]+(?:\.[\w-]+)+|[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|ai|edu|pdf|html))/[^\s<>()\[\]{}|\\\"'`]*", re.IGNORECASE)
_TRAIL = ".,;:!?*_~"


class GroundingError(ModelkbError, ValueError):
    """An answer cites a link or an item that its prompt file does not provide."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("answer is not grounded in its prompt file: " + "; ".join(self.problems))


def extract_urls(text: str | None) -> list[str]:
    """http(s) URLs in `text`, trailing punctuation removed, in order of appearance."""
    out = []
    for m in _URL.finditer(text or ""):
        url = m.group(0).rstrip(_TRAIL)
        if len(url) > len("https://"):
            out.append(url)
    return out


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _records(items: Iterable[ItemInput]) -> list[ItemRecord]:
    """The provided records, links as the file wrote them."""
    return [c.record for c in as_candidates(list(items or ()))]


def _source_parts(source: Source, items: Sequence[ItemInput] | None) -> tuple[str, list[ItemRecord]]:
    """(source text, provided item records) from whatever the caller has."""
    text = ""
    records: list[ItemRecord] = []
    if isinstance(source, str):
        text = source
    elif isinstance(source, ParsedDocument):
        text = source.text or ""
        records = _records(source.items)
    elif source is not None:
        records = _records(source)
    if items is not None:
        records = _records(items)
    return text, records


def check_grounding(answer: Answer, source: Source, *, items: Sequence[ItemInput] | None = None) -> list[str]:
    """Problems that make `answer` ungrounded in `source`; empty when it is grounded.

    `source` is the prompt file's text, its `ParsedDocument`, or the provided
    items. Checked: every URL in the rendered answer (Markdown and JSON)
    occurs in the source text or the items' links/summaries; every item the
    answer names (ranking, workflow, sub-answers, references) was provided;
    every evidence sentence is a verbatim part of that item's summary; links
    shown for an item are that item's own links; no provided item is missing.
    """
    from answerer.render import link_target, to_markdown

    text, records = _source_parts(source, items)
    # the answer quotes the user's own question: a link the user wrote is theirs to see again
    corpus_parts = [text, answer.question]
    allowed: set[str] = set(extract_urls(text)) | set(extract_urls(answer.question))
    by_name: dict[str, ItemRecord] = {}
    for record in records:
        by_name[_norm(record.name)] = record
        for value in (record.paper_url, record.github_url, record.summary):
            if value:
                corpus_parts.append(value)
                allowed.update(extract_urls(value))
                if value.startswith(("http://", "https://")):
                    allowed.add(value.rstrip(_TRAIL))
                    # the Markdown link percent-encodes what would end it early (`>`, space)
                    allowed.update(extract_urls(link_target(value)))
    corpus = "\n".join(corpus_parts)
    norm_text = _norm(text)
    problems: list[str] = []

    rendered = to_markdown(answer)
    for url in dict.fromkeys(extract_urls(rendered)):
        if url not in allowed:
            problems.append(f"link not in the prompt file: {url}")
    for m in _BARE.finditer(rendered):
        bare = m.group(0).rstrip(_TRAIL)
        if bare.lower().startswith(("http", "//")) or any(bare in u for u in allowed):
            continue
        if bare not in corpus:
            problems.append(f"link not in the prompt file: {bare}")

    def provided(name: str) -> bool:
        n = _norm(name)
        if by_name:
            return n in by_name
        return bool(n) and n in norm_text

    cited: list[tuple[str, str]] = []
    for r in answer.ranking:
        cited.append((r.name, "ranking"))
    for ref in answer.references:
        cited.append((ref.name, "references"))
    wf = answer.workflow
    cited += [(s.item, "workflow") for s in wf.steps if s.item]
    cited += [(s.name, "workflow") for s in (*wf.supporting, *wf.set_aside)]
    for sub in answer.subquestions:
        cited += [(e.item, "sub-question evidence") for e in sub.evidence]
    for name, where in cited:
        if not provided(name):
            problems.append(f"{where} cites an item that was not provided: {name!r}")

    def check_evidence(item_name: str, sentence: str, where: str) -> None:
        rec = by_name.get(_norm(item_name))
        haystack = _norm(rec.summary if rec is not None else text)
        if not by_name and not text:
            return
        if _norm(sentence.removesuffix(ELLIPSIS)) not in haystack:  # a clipped quote is a verbatim prefix
            problems.append(f"{where}: evidence for {item_name!r} is not in its summary: {sentence[:80]!r}")

    for r in answer.ranking:
        for e in r.evidence:
            check_evidence(r.name, e, "ranking")
    for sub in answer.subquestions:
        for ev in sub.evidence:
            check_evidence(ev.item, ev.sentence, "sub-question")

    if by_name:
        shown: list[RankedItem | Reference] = [*answer.ranking, *answer.references]
        for cited_item in shown:
            rec = by_name.get(_norm(cited_item.name))
            if rec is None:
                continue
            if cited_item.paper_url != rec.paper_url:
                problems.append(f"paper_url of {cited_item.name!r} differs from the provided one")
            if cited_item.github_url != rec.github_url:
                problems.append(f"github_url of {cited_item.name!r} differs from the provided one")
        ranked = {_norm(r.name) for r in answer.ranking}
        for name in by_name:
            if name not in ranked:
                problems.append(f"provided item missing from the ranking: {name!r}")
    return list(dict.fromkeys(problems))
