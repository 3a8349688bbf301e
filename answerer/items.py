"""The provided items, typed, and what the glossary knows about each.

Everything the answerer ranks enters through `as_candidates`: a prompt file's
`ParsedItem`s, bare `ItemRecord`s (role from `extra["role"]`) or
`(ItemRecord, role)` pairs become `Candidate`s (record with the links as the
file wrote them, role, position). From a record, `zoo_parts` reads the
`Task-Architecture-Variant` name, `item_task_scores` what the item is about
(a zoo prefix names its task for certain; a paper's own title and summary
name theirs) and `item_text` the text that is embedded for it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Sequence, Union

from catalog.records import ItemRecord, ParsedItem, Role
from answerer.evidence import content_stems
from answerer.tasks import ALIAS_WEIGHT, CUE_ONLY_CAP, Taxonomy
from indexer.text import MAX_BODY_CHARS

#: What callers may pass as an item.
ItemInput = Union[ParsedItem, ItemRecord, "tuple[ItemRecord, str]", "Candidate"]


@dataclass(frozen=True)
class Candidate:
    """One provided item as the answerer sees it."""

    record: ItemRecord  # links exactly as the file wrote them
    role: Role
    position: int  # order in the file (ties keep it)
    #: a zoo prefix the vocabulary does not know, in the words the file's papers use for it
    #: (`NLI` -> "natural language inference"; `answerer.abbreviations`), else None
    prefix_words: str | None = None

    @property
    def name(self) -> str:
        return self.record.name


def _role(value: object) -> Role:
    return "recommended" if value == "recommended" else "related"


def as_candidates(items: Sequence[ItemInput], taxonomy: Taxonomy | None = None) -> list[Candidate]:
    """Typed candidates from parsed items, records or (record, role) pairs; anything else is a TypeError.

    With `taxonomy`, each zoo prefix it does not know is spelled out in the other items' words.
    """
    out: list[Candidate] = []
    for i, it in enumerate(items):
        if isinstance(it, Candidate):
            out.append(it)
        elif isinstance(it, ParsedItem):
            out.append(Candidate(it.cited(), _role(it.role), it.position))
        elif isinstance(it, ItemRecord):
            out.append(Candidate(it, _role(it.extra.get("role")), i))
        elif isinstance(it, tuple) and len(it) == 2 and isinstance(it[0], ItemRecord):
            out.append(Candidate(it[0], _role(it[1]), i))
        else:
            raise TypeError(f"item {i}: expected a ParsedItem, an ItemRecord or (ItemRecord, role), got {type(it).__name__}")
    return _spelled_out(out, taxonomy) if taxonomy is not None else out


def _spelled_out(cands: list[Candidate], taxonomy: Taxonomy) -> list[Candidate]:
    from answerer.abbreviations import spell_out

    prefixes = [zoo_parts(c.record, taxonomy)[0] for c in cands]
    todo = [i for i, p in enumerate(prefixes)
            if p and cands[i].prefix_words is None and not taxonomy.tasks_for_prefix(p)]
    if not todo:
        return cands
    # what the file says in words: paper titles and every summary, not model names
    texts = [t for c, p in zip(cands, prefixes) for t in ("" if p else c.record.name, c.record.summary or "") if t]
    out = list(cands)
    for i in todo:
        words = spell_out(prefixes[i], texts)
        if words:
            out[i] = replace(cands[i], prefix_words=words)
    return out


def zoo_parts(record: ItemRecord, taxonomy: Taxonomy) -> tuple[str | None, str | None, str | None]:
    """(task prefix, architecture, variant) of a model; falls back to splitting the name."""
    if record.task or record.architecture:
        return record.task, record.architecture, record.variant
    # Not split upstream (a prefix the catalog does not know, e.g. `Style-AdaIN-VGG19`,
    # even filed as a paper because it has an arXiv link): a zoo-shaped name whose
    # first token is a task prefix we know, or whose next tokens name a known
    # architecture (`SalientSeg-U2Net-DUTS`), is still a zoo model.
    name = (record.name or "").strip()
    head, sep, rest = name.partition("-")
    if not (sep and rest) or re.search(r"\s", name) or not re.fullmatch(r"[\w.+-]+", name):
        return None, None, None
    pieces = rest.split("-")
    known_arch = any(taxonomy.knows_entry("-".join(pieces[:n])) for n in range(1, len(pieces) + 1))
    if taxonomy.knows_prefix(head) or (known_arch and not taxonomy.knows_entry(name)):
        # prefer the longest glossary-known architecture at the start of `rest`
        for n in range(len(pieces), 0, -1):
            cand = "-".join(pieces[:n])
            if taxonomy.knows_entry(cand):
                return head, cand, "-".join(pieces[n:]) or None
        arch_part, _, var = rest.partition("-")
        entry = taxonomy.lookup(rest)
        return head, arch_part or (entry.name if entry else None), var or None
    return None, None, None


def item_task_scores(record: ItemRecord, taxonomy: Taxonomy, prefix_words: str | None = None) -> tuple[dict[str, float], str]:
    """How strongly an item is *about* each task, in [0, 1], and where that came from.

    Zoo models: their task prefix (certain, source "zoo"). Other models: glossary
    tasks of their architecture ("glossary"). Papers: task names/aliases in the
    title (weighted double) and summary, plus architectures the text names
    ("keywords"); cue words alone stay below `CUE_ONLY_CAP`.
    """
    prefix, arch, _variant = zoo_parts(record, taxonomy)
    found: dict[str, float] = {}
    source = ""
    if record.kind == "model" or prefix:
        # The architecture says what the network is built for (ControlNet under an
        # `Img2Img` prefix is pose/edge-conditioned generation): its main task counts
        # fully, its other uses partly.
        entry = taxonomy.lookup(arch) if arch else taxonomy.lookup(record.name)
        if entry is not None and entry.kind != "dataset" and entry.tasks:
            for i, t in enumerate(entry.tasks):
                if t in taxonomy.tasks:
                    found[t] = max(found.get(t, 0.0), 1.0 if i == 0 else 0.6)
            source = "glossary"
    if prefix:
        ids = taxonomy.tasks_for_prefix(prefix) or (taxonomy.tasks_for_prefix(prefix_words) if prefix_words else [])
        ids = _in_architecture_modality(prefix, ids, found, taxonomy)
        if ids:
            for t in ids:
                found[t] = 1.0
            source = "zoo"
    if found:
        return found, source
    title = record.name or ""
    # as much of the summary as the search index embeds: a 10 MB summary costs no more
    summary = (record.summary or "")[:MAX_BODY_CHARS]
    raw: dict[str, float] = {}
    named: set[str] = set()  # tasks named by an alias (not just hinted at by cues)
    for text, factor in ((title, 2.0), (summary, 1.0)):
        for t, matches in taxonomy.keyword_matches(text).items():
            if any(w >= ALIAS_WEIGHT for _p, w in matches):
                named.add(t)
        for t, s in taxonomy.keyword_scores(text).items():
            raw[t] = raw.get(t, 0.0) + factor * s
    for entry in taxonomy.mentions(f"{title}. {summary}"):
        if entry.kind != "dataset":
            for t in entry.tasks[:1]:
                raw[t] = raw.get(t, 0.0) + 0.5
                named.add(t)
    scores = {}
    for t, v in raw.items():
        if v <= 0:
            continue
        s = 1.0 - math.exp(-v / 1.6)
        scores[t] = s if t in named else min(s, CUE_ONLY_CAP)
    return scores, "keywords"


def _in_architecture_modality(prefix: str, ids: list[str], arch_tasks: dict[str, float],
                              taxonomy: Taxonomy) -> list[str]:
    """A prefix that names a function (`Retrieval`) on an architecture of another family (CLIP, images
    and text) means that function in the architecture's modality: the architecture's task whose name
    says the prefix (image-text retrieval), not text retrieval for RAG."""
    families = {taxonomy.tasks[t].family for t in ids if t in taxonomy.tasks}
    if not families or any(taxonomy.tasks[t].family in families for t in arch_tasks if t in taxonomy.tasks):
        return ids
    said = set(content_stems(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", prefix)))
    own = [t for t in arch_tasks if t in taxonomy.tasks and said and said <= set(content_stems(taxonomy.tasks[t].name))]
    return own or ids


def item_text(record: ItemRecord, taxonomy: Taxonomy, prefix_words: str | None = None) -> str:
    """Text embedded for an item: `indexer.text.item_text`, plus glossary knowledge for models without a summary."""
    from indexer.text import item_text as index_text

    prefix, arch, variant = zoo_parts(record, taxonomy)
    text = index_text(record.name, record.kind, record.summary, task=prefix_words or prefix,
                      architecture=arch, variant=variant)
    if record.summary:
        return text
    extra = []
    for tid in (taxonomy.tasks_for_prefix(prefix) or taxonomy.tasks_for_prefix(prefix_words))[:1]:
        t = taxonomy.task(tid)
        extra.append(f"{t.name}: {t.description}")
    entry = taxonomy.lookup(arch) if arch else None
    if entry is None and record.kind == "model":
        entry = taxonomy.lookup(record.name)
    if entry is not None:
        extra.append(f"{entry.name}: {entry.summary}")
    var_entry = taxonomy.lookup(variant) if variant else None
    if var_entry is not None and var_entry is not entry:
        extra.append(f"{var_entry.name}: {var_entry.summary}")
    return text + ("\n" + " ".join(extra) if extra else "")


_ARXIV_ID = re.compile(r"arxiv\.org/(?:abs|pdf)/((?:\d{4}\.\d{4,5})|(?:[a-z.\-]+/\d{7}))", re.IGNORECASE)
_REPO = re.compile(r"github\.com/([\w.\-]+/[\w.\-]+?)(?:\.git)?(?:[/#?]|$)", re.IGNORECASE)


def link_keys(record: ItemRecord) -> list[str]:
    """What identifies an item's source across spellings: its arXiv id (abs or pdf,
    any version) and its code repository (owner/name, case-insensitive)."""
    keys = []
    m = _ARXIV_ID.search(record.paper_url or "")
    if m:
        keys.append("arxiv:" + m.group(1).casefold())
    m = _REPO.search(record.github_url or "")
    if m:
        keys.append("github:" + m.group(1).casefold())
    return keys


#: How much of a zoo or glossary model's certain task a paper with the same arXiv id or repository
#: takes on: it is that model's paper, but a backbone paper (BERT under `QA-BERT-SQuAD`) is
#: about more than the checkpoint's task.
LINKED_SHARE = 0.6


def items_task_scores(
    cands: Sequence[Candidate], taxonomy: Taxonomy, own: Sequence[tuple[dict[str, float], str]] | None = None
) -> list[tuple[dict[str, float], str]]:
    """`item_task_scores` of each candidate (or `own`, already computed); a paper that is a provided
    model's own paper (same arXiv id or repository) is also about that model's task, by
    `LINKED_SHARE`: the Telemanom paper never says "time series", but `TSAnomaly-Telemanom-SMAP`
    links to it."""
    own = list(own) if own is not None else [item_task_scores(c.record, taxonomy, c.prefix_words) for c in cands]
    certain: dict[str, dict[str, float]] = {}
    for c, (scores, source) in zip(cands, own):
        if source in ("zoo", "glossary"):
            for key in link_keys(c.record):
                merged = certain.setdefault(key, {})
                for t, s in scores.items():
                    merged[t] = max(merged.get(t, 0.0), s)
    if not certain:
        return own
    out = []
    for c, (scores, source) in zip(cands, own):
        if source not in ("zoo", "glossary"):
            for key in link_keys(c.record):
                for t, s in certain.get(key, {}).items():
                    if LINKED_SHARE * s > scores.get(t, 0.0):
                        scores = {**scores, t: LINKED_SHARE * s}
        out.append((scores, source))
    return out


def item_texts(cands: Sequence[Candidate], taxonomy: Taxonomy) -> list[str]:
    """`item_text` of each candidate; a model without a summary also gets the title and
    summary of the provided paper it links to (same arXiv id or repository): the file's
    own description of that model (`Patho-CLAM-Camelyon16` next to the CLAM paper)."""
    texts = [item_text(c.record, taxonomy, c.prefix_words) for c in cands]
    described: dict[str, ItemRecord] = {}
    for c in cands:
        if c.record.summary:
            for key in link_keys(c.record):
                described.setdefault(key, c.record)
    for i, c in enumerate(cands):
        if c.record.summary:
            continue
        paper = next((described[k] for k in link_keys(c.record) if k in described), None)
        if paper is not None and paper is not c.record:
            texts[i] += f"\n{paper.name}. {(paper.summary or '')[:MAX_BODY_CHARS]}"
    return texts
