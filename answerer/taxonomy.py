"""What the user is trying to do: task taxonomy, intent and sub-questions.

The knowledge lives in two JSON files next to this module:

- `data/tasks.json` — tasks with precise names, the words people use for them
  ("doubled the size", "pixelated", "CCTV" for super-resolution), the zoo
  prefixes that denote them (`SR`, `Txt2Img`), a concrete typical input and
  output, and which other tasks are close relatives.
- `data/architectures.json` — a glossary of network architectures and
  training datasets: what each does, its typical input and output.

Users extend both without touching code: `MODELKB_TASKS` / `MODELKB_GLOSSARY`
name extra JSON files (several may be joined with the OS path separator)
whose entries are merged over the bundled ones (same `id` / `name` replaces
the fields it gives, new ones are added).

`detect_task` combines three signals: the task's words found in the question
(phrase matching on stemmed words, so "upscaled" meets "upscaling"), the
embedding similarity of the question to each task's description, and — as a
weak prior only — the zoo tasks of the recommended models (the recommendation
can be wrong: a text-to-image checkpoint recommended for an upscaling
question must not turn the question into text-to-image generation).
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import threading
import unicodedata
import warnings
import weakref
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

TASKS_ENV = "MODELKB_TASKS"
GLOSSARY_ENV = "MODELKB_GLOSSARY"

#: Weight of a task's alias (its own name or a synonym) vs a cue (a hint word).
ALIAS_WEIGHT = 1.0
CUE_WEIGHT = 0.4
#: A paper whose text only hints at a task (cues, no alias) is at most this much "about" it.
CUE_ONLY_CAP = 0.3


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Task:
    id: str
    name: str
    description: str
    input: str
    output: str
    gerund: str = ""
    aliases: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    zoo_prefixes: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    input_template: str = ""

    def profile(self) -> str:
        """The text a question is compared with when detecting the task."""
        words = ", ".join(self.aliases[:12])
        return f"{self.name}. {self.description} Also called: {words}."


@dataclass(frozen=True)
class Facet:
    """A subject ("face") or modifier ("real-time") that qualifies a task name."""

    label: str
    cues: tuple[str, ...]
    generic: bool = False


@dataclass(frozen=True)
class GlossaryEntry:
    name: str
    summary: str
    kind: str = "architecture"  # architecture | dataset | technique
    aliases: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    input: str = ""
    output: str = ""


def _norm_key(text: str | None) -> str:
    """Case-, space- and punctuation-insensitive key: `MIMO-UNet` == `mimo unet`."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"[^0-9a-z+]+", "", text)


def with_article(word: str | None) -> str:
    """`word` with its indefinite article: "an image deblurring", "a MIMO-UNet", "an SR"."""
    w = (word or "").strip()
    first = re.split(r"[\s-]", w, maxsplit=1)[0]
    if first.isupper() and len(first.rstrip("0123456789.")) <= 3:  # read as letters: "an SR", "an HDR"
        vowel_sound = first[:1] in "AEFHILMNORSX"
    else:
        vowel_sound = bool(re.match(r"(?i:[aeio]|u(?![ns][aeiou]))", w))
    return f"{'an' if vowel_sound else 'a'} {w}"


# --------------------------------------------------------------- phrase matching

_WORD_RE = re.compile(r"[0-9a-z&]+")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212_"), " ")


_KEEP_DOUBLE = ("ll", "ss", "zz", "ff")


@functools.lru_cache(maxsize=65536)
def _stem_word(word: str) -> str:
    """A deliberately light stemmer: plurals and -ed/-ing/-e only.

    Snowball is too eager for phrase matching ("colorization" and "color"
    become one stem, "images generated" becomes "image generation"); this
    keeps derivations apart and only merges inflections: upscale / upscaled /
    upscaling -> "upscal", blurred -> "blur", images -> "imag".
    """
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif w.endswith("ed") and len(w) > 4:
        w = w[:-2]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiou" and w[-2:] not in _KEEP_DOUBLE:
        w = w[:-1]
    return w


def _word_spans(text: str) -> tuple[str, list[tuple[str, int, int]]]:
    """(NFKC text, [(stem, start, end)]) — spans index the returned text."""
    text = unicodedata.normalize("NFKC", text or "")
    low = text.translate(_DASHES).replace("-", " ").lower()
    if len(low) != len(text):  # exotic case mappings: fall back to no spans
        low = text.translate(_DASHES).replace("-", " ")
    return text, [(_stem_word(m.group(0).casefold()), m.start(), m.end())
                  for m in re.finditer(r"[0-9A-Za-z&\u00C0-\uFFFF]+", low)
                  if _WORD_RE.fullmatch(m.group(0).casefold())]


def stems(text: str) -> list[str]:
    """Lower-cased, stemmed words of `text` (stop words kept, for phrase adjacency)."""
    text = unicodedata.normalize("NFKC", text or "").translate(_DASHES).casefold()
    text = text.replace("-", " ")
    return [_stem_word(w) for w in _WORD_RE.findall(text)]


def matched_words(text: str, phrases: Iterable[str]) -> list[str]:
    """The user's own words in `text` that match any of `phrases` ("doubled the size")."""
    norm, spans = _word_spans(text)
    words = [w for w, _s, _e in spans]
    out = []
    for _p, _w, start, end in find_phrases(words, [(p, 1.0) for p in phrases]):
        out.append(norm[spans[start][1] : spans[end - 1][2]])
    return list(dict.fromkeys(out))


@functools.lru_cache(maxsize=8192)
def _phrase(phrase: str) -> tuple[str, ...]:
    return tuple(stems(phrase))


def find_phrases(
    words: Sequence[str], phrases: Iterable[tuple[str, float]]
) -> list[tuple[str, float, int, int]]:
    """Non-overlapping matches of weighted phrases in stemmed `words`, longest first.

    Returns (phrase, weight, start, end) for each match.
    """
    candidates = []
    for phrase, weight in phrases:
        p = _phrase(phrase)
        if not p:
            continue
        n = len(p)
        for i in range(len(words) - n + 1):
            if words[i] == p[0] and tuple(words[i : i + n]) == p:
                candidates.append((phrase, weight, i, i + n))
    candidates.sort(key=lambda c: (-(c[3] - c[2]), -c[1], c[2]))
    taken: set[int] = set()
    out = []
    for phrase, weight, start, end in candidates:
        span = set(range(start, end))
        if span & taken:
            continue
        taken |= span
        out.append((phrase, weight, start, end))
    return sorted(out, key=lambda c: c[2])


# ------------------------------------------------------------------- taxonomy


class Taxonomy:
    """Tasks, facets and the architecture glossary, with lookups."""

    def __init__(
        self,
        tasks: Sequence[Task],
        subjects: Sequence[Facet] = (),
        modifiers: Sequence[Facet] = (),
        glossary: Sequence[GlossaryEntry] = (),
    ) -> None:
        self.tasks: dict[str, Task] = {t.id: t for t in tasks}
        self.subjects = list(subjects)
        self.modifiers = list(modifiers)
        self.glossary: dict[str, GlossaryEntry] = {}
        self._glossary_index: dict[str, GlossaryEntry] = {}
        for entry in glossary:
            self.glossary[entry.name] = entry
        for entry in self.glossary.values():
            for alias in (*entry.aliases, entry.name):  # the name wins over an alias
                key = _norm_key(alias)
                if key:
                    self._glossary_index[key] = entry
        self._prefix_index: dict[str, list[str]] = {}
        for task in self.tasks.values():
            for prefix in task.zoo_prefixes:
                self._prefix_index.setdefault(_norm_key(prefix), []).append(task.id)
        self._embeddings: "weakref.WeakKeyDictionary[Any, np.ndarray]" = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    # -- tasks --------------------------------------------------------------

    def task(self, task_id: str) -> Task:
        return self.tasks[task_id]

    def related(self, a: str, b: str) -> bool:
        ta, tb = self.tasks.get(a), self.tasks.get(b)
        return bool(ta and tb and (b in ta.related or a in tb.related))

    def tasks_for_prefix(self, prefix: str | None) -> list[str]:
        """Task ids a zoo prefix (`SR`, `Txt2Img`) denotes; unknown prefixes via their words."""
        if not prefix:
            return []
        found = self._prefix_index.get(_norm_key(prefix))
        if found:
            return list(found)
        from indexer.text import expand_task

        words = expand_task(prefix)
        hits = self.keyword_scores(words, cue_weight=0.0)
        if not hits:
            return []
        best = max(hits.values())
        return [t for t, s in hits.items() if s >= best and s >= ALIAS_WEIGHT]

    def keyword_matches(
        self, text: str, cue_weight: float = CUE_WEIGHT
    ) -> dict[str, list[tuple[str, float]]]:
        """Per task: which of its aliases/cues occur in `text` (non-overlapping per task)."""
        words = stems(text)
        out: dict[str, list[tuple[str, float]]] = {}
        if not words:
            return out
        present = set(words)
        for task in self.tasks.values():
            phrases = [(a, ALIAS_WEIGHT) for a in task.aliases]
            if cue_weight > 0:
                phrases += [(c, cue_weight) for c in task.cues]
            # cheap pre-filter: the phrase's first word must occur somewhere
            phrases = [(p, w) for p, w in phrases if _phrase(p) and _phrase(p)[0] in present]
            if not phrases:
                continue
            matches = find_phrases(words, phrases)
            if matches:
                out[task.id] = [(m[0], m[1]) for m in matches]
        return out

    def keyword_scores(self, text: str, cue_weight: float = CUE_WEIGHT) -> dict[str, float]:
        """Raw keyword evidence per task: sum of matched phrase weights, longer phrases count more."""
        scores: dict[str, float] = {}
        for task_id, matches in self.keyword_matches(text, cue_weight).items():
            total = 0.0
            seen: set[str] = set()
            for phrase, weight in matches:
                if phrase in seen:
                    continue  # a phrase repeated in the text is one piece of evidence
                seen.add(phrase)
                n = len(_phrase(phrase))
                total += weight * min(1.5, 1.0 + 0.25 * (n - 1))
            scores[task_id] = total
        return scores

    def task_embeddings(self, embedder: Any) -> np.ndarray:
        """Embeddings of every task profile (cached per embedder object)."""
        with self._lock:
            try:
                cached = self._embeddings.get(embedder)
            except TypeError:
                cached = None
            if cached is not None and cached.shape[0] == len(self.tasks):
                return cached
            vectors = np.asarray(
                embedder.encode([t.profile() for t in self.tasks.values()]), dtype=np.float32
            )
            try:
                self._embeddings[embedder] = vectors
            except TypeError:
                pass
            return vectors

    # -- glossary -----------------------------------------------------------

    def lookup(self, name: str | None) -> GlossaryEntry | None:
        """Glossary entry for an architecture / dataset name, or None."""
        key = _norm_key(name)
        if not key:
            return None
        hit = self._glossary_index.get(key)
        if hit:
            return hit
        # "StableDiffusionV1.5" / "RealBlur-J": longest known entry the name starts with
        best = None
        for k, entry in self._glossary_index.items():
            if len(k) >= 3 and key.startswith(k) and (best is None or len(k) > len(best[0])):
                best = (k, entry)
        return best[1] if best else None

    def mentions(self, text: str) -> list[GlossaryEntry]:
        """Glossary entries named in free text (whole-word, case-insensitive)."""
        found: dict[str, GlossaryEntry] = {}
        if not text:
            return []
        for entry in self.glossary.values():
            for alias in (entry.name, *entry.aliases):
                if len(alias) < 3:
                    continue
                pattern = r"(?<![A-Za-z0-9])" + re.escape(alias) + r"(?![A-Za-z0-9])"
                flags = 0 if alias.isupper() or len(alias) <= 4 else re.IGNORECASE
                if re.search(pattern, text, flags):
                    found[entry.name] = entry
                    break
        return list(found.values())


# ------------------------------------------------------------------- loading


def _read_json(path: str) -> Any:
    with open(path, encoding="utf-8-sig") as fh:
        return json.load(fh)


def _bundled(filename: str) -> Any:
    text = resources.files("answerer").joinpath("data", filename).read_text(encoding="utf-8")
    return json.loads(text)


def _user_files(env: str) -> list[str]:
    value = os.environ.get(env, "").strip()
    return [p for p in value.split(os.pathsep) if p.strip()] if value else []


def _merge(base: list[dict], extra: list[dict], key: str) -> list[dict]:
    """Entries of `extra` replace the fields they give of same-key entries; new ones append."""
    out = [dict(e) for e in base]
    index = {str(e.get(key, "")).casefold(): i for i, e in enumerate(out)}
    for entry in extra:
        if not isinstance(entry, dict) or not entry.get(key):
            raise ValueError(f"every entry needs a {key!r} field: {entry!r}")
        k = str(entry[key]).casefold()
        if k in index:
            out[index[k]].update(entry)
        else:
            index[k] = len(out)
            out.append(dict(entry))
    return out


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _task_from(d: Mapping[str, Any]) -> Task:
    aliases = _tuple(d.get("aliases")) + _tuple(d.get("keywords"))
    return Task(
        id=str(d["id"]),
        name=str(d.get("name") or d["id"]),
        description=str(d.get("description", "")),
        input=str(d.get("input", "")),
        output=str(d.get("output", "")),
        gerund=str(d.get("gerund") or d.get("name") or d["id"]),
        aliases=aliases,
        cues=_tuple(d.get("cues")),
        zoo_prefixes=_tuple(d.get("zoo_prefixes")),
        related=_tuple(d.get("related")),
        input_template=str(d.get("input_template", "")),
    )


def _facets(items: Iterable[Mapping[str, Any]]) -> list[Facet]:
    return [
        Facet(label=str(f["label"]), cues=_tuple(f.get("cues")), generic=bool(f.get("generic")))
        for f in items
    ]


def _glossary_from(d: Mapping[str, Any]) -> GlossaryEntry:
    return GlossaryEntry(
        name=str(d["name"]),
        summary=str(d.get("summary", "")),
        kind=str(d.get("kind", "architecture")),
        aliases=_tuple(d.get("aliases")),
        tasks=_tuple(d.get("tasks")),
        input=str(d.get("input", "")),
        output=str(d.get("output", "")),
    )


def _as_list(data: Any, key: str) -> list[dict]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        value = data.get(key, [])
        if isinstance(value, list):
            return value
    raise ValueError(f"expected a list or an object with a {key!r} list")


def _file_stamp(paths: Sequence[str]) -> tuple:
    stamp = []
    for p in paths:
        try:
            stamp.append((p, os.stat(p).st_mtime_ns))
        except OSError:
            stamp.append((p, None))
    return tuple(stamp)


@functools.lru_cache(maxsize=8)
def _load(task_stamp: tuple, glossary_stamp: tuple) -> Taxonomy:
    data = _bundled("tasks.json")
    tasks = _as_list(data, "tasks")
    subjects = list(data.get("subjects", []))
    modifiers = list(data.get("modifiers", []))
    for path, _mtime in task_stamp:
        try:
            extra = _read_json(path)
            tasks = _merge(tasks, _as_list(extra, "tasks"), "id")
            if isinstance(extra, dict):
                subjects = _merge(subjects, extra.get("subjects", []), "label")
                modifiers = _merge(modifiers, extra.get("modifiers", []), "label")
        except (OSError, ValueError) as exc:
            warnings.warn(f"{TASKS_ENV}: {path!r} ignored: {exc}", RuntimeWarning, stacklevel=4)
    gdata = _bundled("architectures.json")
    entries = _as_list(gdata, "entries")
    for path, _mtime in glossary_stamp:
        try:
            entries = _merge(entries, _as_list(_read_json(path), "entries"), "name")
        except (OSError, ValueError) as exc:
            warnings.warn(f"{GLOSSARY_ENV}: {path!r} ignored: {exc}", RuntimeWarning, stacklevel=4)
    task_objs = [_task_from(t) for t in tasks]
    known = {t.id for t in task_objs}
    # tolerate user tasks that name relatives we do not know
    task_objs = [
        Task(**{**t.__dict__, "related": tuple(r for r in t.related if r in known)})
        for t in task_objs
    ]
    return Taxonomy(
        task_objs,
        _facets(subjects),
        _facets(modifiers),
        [_glossary_from(e) for e in entries],
    )


def load_taxonomy() -> Taxonomy:
    """Bundled tasks + glossary merged with the user's files (re-read when they change)."""
    return _load(_file_stamp(_user_files(TASKS_ENV)), _file_stamp(_user_files(GLOSSARY_ENV)))


def load_tasks() -> list[Task]:
    return list(load_taxonomy().tasks.values())


def load_glossary() -> list[GlossaryEntry]:
    return list(load_taxonomy().glossary.values())


# ------------------------------------------------------------- item -> tasks


def _item_fields(item: Any) -> tuple[Any, str]:
    """(ItemRecord-like, role) of a ParsedItem, an ItemRecord or a (record, role) pair."""
    if isinstance(item, tuple) and len(item) == 2:
        return item[0], str(item[1])
    record = getattr(item, "item", None)
    if record is not None and hasattr(record, "name"):
        return record, str(getattr(item, "role", "related") or "related")
    extra = getattr(item, "extra", None) or {}
    role = getattr(item, "role", None) or (extra.get("role") if isinstance(extra, dict) else None)
    return item, str(role or "related")


def zoo_parts(record: Any, taxonomy: Taxonomy) -> tuple[str | None, str | None, str | None]:
    """(task prefix, architecture, variant) of a model; falls back to splitting the name."""
    task = getattr(record, "task", None)
    arch = getattr(record, "architecture", None)
    variant = getattr(record, "variant", None)
    if task or arch:
        return task, arch, variant
    # Not split upstream (a prefix the catalog does not know, e.g. `Style-AdaIN-VGG19`,
    # even filed as a paper because it has an arXiv link): a zoo-shaped name whose
    # first token is a task prefix we know, or whose next tokens name a known
    # architecture (`SalientSeg-U2Net-DUTS`), is still a zoo model.
    name = str(getattr(record, "name", "") or "").strip()
    head, sep, rest = name.partition("-")
    if not (sep and rest) or re.search(r"\s", name) or not re.fullmatch(r"[\w.+-]+", name):
        return None, None, None
    known_prefix = bool(taxonomy._prefix_index.get(_norm_key(head)))
    known_arch = any(
        _norm_key("-".join(rest.split("-")[:n])) in taxonomy._glossary_index
        for n in range(1, len(rest.split("-")) + 1)
    )
    if known_prefix or (known_arch and _norm_key(name) not in taxonomy._glossary_index):
        arch_part, _, var = rest.partition("-")
        entry = taxonomy.lookup(rest)
        # prefer the longest glossary-known architecture at the start of `rest`
        pieces = rest.split("-")
        for n in range(len(pieces), 0, -1):
            cand = "-".join(pieces[:n])
            if _norm_key(cand) in taxonomy._glossary_index:
                return head, cand, "-".join(pieces[n:]) or None
        return head, arch_part or (entry.name if entry else None), var or None
    return None, None, None


def item_task_scores(record: Any, taxonomy: Taxonomy) -> tuple[dict[str, float], str]:
    """How strongly an item is *about* each task, in [0, 1], and where that came from.

    Zoo models: their task prefix (certain). Other models: glossary tasks of
    their architecture. Papers: task words in the title (weighted double) and
    summary, plus architectures the text names; saturating in the evidence.
    """
    prefix, arch, _variant = zoo_parts(record, taxonomy)
    kind = getattr(record, "kind", "paper")
    found: dict[str, float] = {}
    source = ""
    if kind == "model" or prefix:
        # The architecture says what the network is built for (ControlNet under an
        # `Img2Img` prefix is pose/edge-conditioned generation): its main task counts
        # fully, its other uses partly.
        entry = taxonomy.lookup(arch) if arch else taxonomy.lookup(getattr(record, "name", ""))
        if entry is not None and entry.kind != "dataset" and entry.tasks:
            for i, t in enumerate(entry.tasks):
                if t in taxonomy.tasks:
                    found[t] = max(found.get(t, 0.0), 1.0 if i == 0 else 0.6)
            source = "glossary"
    if prefix:
        ids = taxonomy.tasks_for_prefix(prefix)
        if ids:
            for t in ids:
                found[t] = 1.0
            source = "zoo"
    if found:
        return found, source
    title = str(getattr(record, "name", "") or "")
    summary = str(getattr(record, "summary", "") or "")
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


# -------------------------------------------------------------- task detection


@dataclass
class TaskMatch:
    """The task a question is about, named precisely, with the evidence for it."""

    task: Task
    qualifier: str | None
    confidence: float  # 0..1: how clearly the top task beats the runner-up
    scores: dict[str, float]  # task id -> detection score (higher = more likely), top few
    matched: list[str] = field(default_factory=list)  # question words that named the task
    secondary: list[Task] = field(default_factory=list)  # other tasks the question touches

    @property
    def id(self) -> str:
        return self.task.id

    @property
    def name(self) -> str:
        return f"{self.task.name} ({self.qualifier})" if self.qualifier else self.task.name

    @property
    def description(self) -> str:
        return self.task.description

    def weights(self) -> dict[str, float]:
        """Question task distribution used for matching items: main task 1.0, secondaries less."""
        out = {self.task.id: 1.0}
        top = self.scores.get(self.task.id, 0.0) or 1.0
        for t in self.secondary:
            out[t.id] = round(min(0.6, 0.6 * self.scores.get(t.id, 0.0) / top), 4)
        return out


def _qualifier(question: str, task: Task, taxonomy: Taxonomy) -> str | None:
    words = stems(question)
    subject = None
    generic = None
    implied = {_phrase(c) for c in (*task.aliases, *task.cues)}
    for facet in taxonomy.subjects:  # listed most specific first
        if not find_phrases(words, [(c, 1.0) for c in facet.cues]):
            continue
        matched = [c for c in facet.cues if find_phrases(words, [(c, 1.0)])]
        if all(_phrase(c) in implied for c in matched):
            continue  # "night" says nothing new about low-light enhancement
        if _norm_key(facet.label) in _norm_key(task.name):
            continue  # "video" in "video frame interpolation"
        if facet.generic:
            generic = generic or facet.label
        elif subject is None:
            subject = facet.label
    modifier = None
    for facet in taxonomy.modifiers:
        if find_phrases(words, [(c, 1.0) for c in facet.cues]):
            modifier = facet.label
            break
    if subject is None and modifier is not None:
        subject = generic  # "real-world photo deblurring"; a bare "photo" adds nothing
    if subject and _norm_key(subject) in _norm_key(task.gerund):
        subject = None  # "video" + "video upscaling"
    if subject == "photo" and task.id in ("text-to-image", "text-to-video", "text-generation"):
        subject = None
    parts = [p for p in (modifier, subject, task.gerund) if p]
    if len(parts) <= 1:
        return None
    return " ".join(parts)


def _item_prior(items: Sequence[Any], taxonomy: Taxonomy) -> dict[str, float]:
    prior: dict[str, float] = {}
    for it in items:
        record, role = _item_fields(it)
        scores, source = item_task_scores(record, taxonomy)
        weight = 0.35 if (role == "recommended" and source != "keywords") else 0.08
        for t, s in scores.items():
            prior[t] = max(prior.get(t, 0.0), weight * s)
    return prior


def detect_task(
    question: str,
    items: Sequence[Any] = (),
    embedder: Any | None = None,
    taxonomy: Taxonomy | None = None,
) -> TaskMatch:
    """Name the task the question is about, as precisely as the taxonomy allows.

    Keyword evidence from the question dominates; with an embedder, the
    question's similarity to each task description adds a graded signal;
    the provided items (recommended zoo models above all) add a weak prior.
    """
    tax = taxonomy or load_taxonomy()
    ids = list(tax.tasks)
    kw = tax.keyword_scores(question)
    matches = tax.keyword_matches(question)
    prior = _item_prior(items, tax)
    dense = np.zeros(len(ids), dtype=np.float32)
    if embedder is not None and question.strip():
        tv = tax.task_embeddings(embedder)
        from answerer import embedcache

        qv = embedcache.encode(embedder, [question])[0]
        dense = tv @ qv
    scores: dict[str, float] = {}
    for i, t in enumerate(ids):
        k = 1.0 - math.exp(-kw.get(t, 0.0) / 1.2)  # saturating keyword evidence
        d = float(np.clip((dense[i] - 0.15) / 0.35, 0.0, 1.0))
        scores[t] = 1.0 * k + 0.45 * d + prior.get(t, 0.0)
    ranked = sorted(ids, key=lambda t: (-scores[t], ids.index(t)))
    best = ranked[0]
    top = scores[best]
    runner = scores[ranked[1]] if len(ranked) > 1 else 0.0
    confidence = 0.0 if top <= 0 else float(np.clip((top - runner) / max(top, 1e-9) * 2.0, 0.0, 1.0))
    if top <= 0:
        confidence = 0.0
    secondary = [
        tax.tasks[t]
        for t in ranked[1:4]
        if scores[t] >= 0.55 * top and scores[t] > 0.2 and (kw.get(t, 0) >= ALIAS_WEIGHT or tax.related(best, t))
    ]
    task = tax.tasks[best]
    return TaskMatch(
        task=task,
        qualifier=_qualifier(question, task, tax),
        confidence=round(confidence, 4),
        scores={t: round(scores[t], 4) for t in ranked[:6]},
        matched=matched_words(question, [p for p, _w in matches.get(best, [])]),
        secondary=secondary,
    )


# ---------------------------------------------------------------- sub-questions

_INTERROGATIVE = re.compile(
    r"^(?:how|what|which|why|when|where|who|whose|whom|can|could|is|are|does|do|did|should|"
    r"would|will|was|were|has|have|may|might|in what|to what)\b",
    re.IGNORECASE,
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.?!])[\"'\u201d\u2019)]?\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])")
_CLAUSE_SPLIT = re.compile(r"\s*(?:\u2014|\u2013|--|;|:|,)\s*|\s+-\s+")
_JOINED_QUESTIONS = re.compile(
    r",?\s+and\s+(?=(?:how|what|which|why|where|when|who)\b)"
    r"|,\s+and\s+(?=(?:is|are|does|do|can|could|should|will|would)\s+(?:it|they|this|that|there|i|you)\b)",
    re.IGNORECASE,
)


def _sentences(text: str) -> list[str]:
    text = " ".join((text or "").split())
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def split_subquestions(question: str) -> list[str]:
    """The separate questions inside a user's question, verbatim, in order.

    "… photos exceptionally well. What kind of training data …? Which AI
    model structures …?" -> two sub-questions. A sentence whose question
    starts after a dash or a comma ("I doubled the size …—how does real-time
    upscaling achieve that?") yields the interrogative clause. Two questions
    joined by "and which/how…" are separated. With no question mark and no
    interrogative sentence, the whole text is the one sub-question.
    """
    text = " ".join((question or "").split()).strip().strip("\"'\u201c\u201d")
    if not text:
        return []
    out: list[str] = []
    sentences = _sentences(text)
    marked = any(s.endswith("?") for s in sentences)
    for sentence in sentences:
        # With question marks present they decide; otherwise interrogative openings do
        # ("When using an app, I noticed …." is context, not a question).
        is_question = sentence.endswith("?") if marked else bool(_INTERROGATIVE.match(sentence))
        if not is_question:
            continue
        candidate = sentence
        if not _INTERROGATIVE.match(sentence):
            # "I doubled …—how does X achieve that?" -> the interrogative clause
            pieces = _CLAUSE_SPLIT.split(sentence)
            for i, piece in enumerate(pieces):
                if _INTERROGATIVE.match(piece) and len(piece.split()) >= 3:
                    start = sentence.find(piece)
                    candidate = sentence[start:]
                    break
        parts = _JOINED_QUESTIONS.split(candidate)
        for part in parts:
            part = part.strip(" ,")
            if len(part.split()) >= 3:
                if not part.endswith("?") and candidate.endswith("?"):
                    part = part.rstrip(".") + "?"
                out.append(part[0].upper() + part[1:] if part[0].islower() else part)
    if not out:
        out = [text]
    return out


# ---------------------------------------------------------------------- intent

#: Labeled vocabulary: explain | choose | training_data | compare | multi. `architecture`
#: ("which network structures are used?") is kept per sub-question for evidence
#: selection; on its own it is a kind of `choose`.
_COMPARE = (
    r"\bvs\.?\b", r"\bversus\b", r"\bcompar(?:e|ed|es|ing|ison)\b", r"\bdifferen(?:t|tly|ce|ces)\b",
    r"\bdiffer(?:s|ed)?\b", r"\bthan\b", r"\bchoose between\b", r"\bbetween (?:them|the two|these)\b",
    r"\b(?:one|the first)\b.*\bthe other\b", r"\bso much (?:faster|slower|better|worse|sharper)\b",
    r"\b(?:faster|slower|better|worse)\b.*\b(?:than|newer|older|original)\b",
    r"^(?:is|are) (?:that|this|it|they) (?:a|an) [\w\-. ]+ or [\w\-. ]+\?$",
)
_TRAINING = (
    r"\btraining (?:data|set|sets|pairs?|images|examples|samples|corpus)\b", r"\bdata ?sets?\b",
    r"\b(?:trained|train|training) (?:it |them |the model )?(?:on|with)\b",
    r"\bwhat (?:kind of |sort of |type of )?data\b", r"\bwhat do (?:you|they|researchers) (?:even )?train\b",
    r"\bhow do (?:researchers|they|you) (?:get|collect|create|make|build) (?:the )?(?:training|data|pairs|examples)",
    r"\b(?:real|fake|synthetic) (?:noisy )?(?:photos|images|data|noise|pairs)\b.*\bor\b",
)
_ARCHITECTURE = (
    r"\bmodel structures?\b", r"\barchitectures?\b", r"\bnetwork (?:design|structure)s?\b",
    r"\bbackbones?\b", r"\bwhich (?:ai )?(?:network|model) (?:types|families|designs)\b",
    r"\b(?:which|what) (?:ai )?(?:models?|networks?) (?:are|is) (?:popular|used|common)\b",
)
_CHOOSE = (
    r"^(?:which|what) (?:\w+ ){0,3}(?:model|models|tool|tools|method|methods|network|networks|checkpoint|app|approach|library)\b",
    r"\bshould i (?:use|pick|choose|try)\b", r"\bbest (?:model|tool|way|method|approach|option)\b",
    r"\brecommend", r"\bwhat (?:can|could|should) i use\b", r"\bwhich one\b", r"\bhow (?:should|do|can) i choose\b",
)

INTENT_PATTERNS: dict[str, tuple[str, ...]] = {
    "compare": _COMPARE,
    "training_data": _TRAINING,
    "architecture": _ARCHITECTURE,
    "choose": _CHOOSE,
}

INTENT_DESCRIPTIONS = {
    "explain": "explain how the AI produces the result",
    "choose": "choose a model or tool for the job",
    "training_data": "what training data makes it work",
    "architecture": "which model architectures are used",
    "compare": "compare approaches",
    "multi": "several questions at once",
}


def intent_of(text: str) -> str:
    """Intent of one sub-question: compare | training_data | architecture | choose | explain."""
    low = " ".join((text or "").split()).casefold()
    # "How can AI make 3D objects from text when there's hardly any training data?"
    # asks how, not for data: topic intents are read from the main clause only.
    main = _SUBORDINATE.split(low, maxsplit=1)[0]
    for intent, patterns in INTENT_PATTERNS.items():
        target = low if intent == "compare" else main
        if any(re.search(p, target) for p in patterns):
            return intent
    return "explain"


_SUBORDINATE = re.compile(r"\s(?:when|since|because|although|though|even though|if|unless|given that)\s")


_FOLLOW_UP = re.compile(r"^(?:and )?(?:why|how|does|is|can|will|would) (?:is |does |can )?(?:it|that|this one|they)\b", re.IGNORECASE)


def detect_intents(question: str) -> list[str]:
    """Intent of each sub-question, in order."""
    return [intent_of(q) for q in split_subquestions(question)] or ["explain"]


def detect_intent(question: str) -> str:
    """What the user wants: explain | choose | training_data | compare | multi.

    A comparison anywhere makes it `compare`. Several sub-questions make it
    `multi` (seed 003: training data *and* model structures) — except a
    "which model …, and why is it …" pair, where the follow-up is about the
    chosen model, which stays `choose`. One sub-question gives its own
    intent (`architecture` alone counts as `choose`).
    """
    subqs = split_subquestions(question)
    intents = [intent_of(q) for q in subqs] or ["explain"]
    if "compare" in intents:
        return "compare"
    if len(intents) > 1:
        if intents[0] == "choose" and all(_FOLLOW_UP.match(q) for q in subqs[1:]):
            return "choose"
        return "multi"
    return "choose" if intents[0] == "architecture" else intents[0]
