"""The task taxonomy as data: tasks, facets, the architecture glossary, and lookups.

Loading the JSON files that fill it is `answerer.taxonomy_loader`; deciding
which task a question is about is `answerer.task_detection`.
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from answerer.phrases import find_phrases, norm_key, phrase_stems, stems

#: Weight of a task's alias (its own name or a synonym) vs a cue (a hint word).
ALIAS_WEIGHT = 1.0
CUE_WEIGHT = 0.4
#: Weight kept by a task's phrase found inside a longer name of another task.
SUBSUMED_FACTOR = 0.5
#: A paper whose text only hints at a task (cues, no alias) is at most this much "about" it.
CUE_ONLY_CAP = 0.3
#: The task families of a general model hub; every bundled task belongs to one.
FAMILIES: tuple[str, ...] = (
    "image", "video", "3d", "audio", "language", "multimodal", "document", "tabular",
    "time-series", "science", "recommendation", "robotics-rl", "medical", "remote-sensing",
)


#: Stemmed words that negate the task phrase right after them (up to two words later).
_NEGATORS = frozenset({"without", "no", "not", "instead", "rather", "w/o"})
_NOT_NEGATING = frozenset({"only", "just", "matter", "longer"})  # "not only", "no matter", "no longer"


#: Weight kept by a task phrase that lies inside quotation marks in a question.
QUOTED_FACTOR = 0.4
_QUOTE = re.compile(r"(?<![\w])'([^']+?)'(?![\w])|\"([^\"]+?)\"|\u201c([^\u201d]+?)\u201d|\u2018([^\u2019]+?)\u2019(?![\w])")


def _quoted_words(text: str) -> tuple[list[str], list[bool]]:
    """`stems(text)` and, per word, whether it lies inside quotation marks."""
    words: list[str] = []
    flags: list[bool] = []
    pos = 0
    for m in _QUOTE.finditer(text or ""):
        for piece, inside in ((text[pos : m.start()], False), (m.group(0), True)):
            w = stems(piece)
            words += w
            flags += [inside] * len(w)
        pos = m.end()
    w = stems((text or "")[pos:])
    return words + w, flags + [False] * len(w)


def _written(name: str, text: str) -> bool:
    """A glossary name in capitals ("CLIP", "SAM", "RAFT") is a model's name only when written so:
    a "five-second clip", "the same street" or a "raft" on a river names no model."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", text or "") is not None


def _negated(words: Sequence[str], start: int) -> bool:
    """Is the phrase starting at `start` in the scope of a negation ("without running OCR")?"""
    for j in range(max(0, start - 3), start):
        if words[j] in _NEGATORS and (j + 1 >= len(words) or words[j + 1] not in _NOT_NEGATING):
            return True
    return False


@dataclass(frozen=True)
class Task:
    id: str
    name: str
    description: str
    input: str
    output: str
    family: str = ""  # image | video | 3d | audio | language | multimodal | ... (FAMILIES)
    gerund: str = ""
    aliases: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    zoo_prefixes: tuple[str, ...] = ()  # a user task's own prefixes; bundled ones live in catalog
    related: tuple[str, ...] = ()
    input_template: str = ""

    def what_it_is(self) -> str:
        """The text an item is compared with to see whether it does this task (name and description)."""
        return f"{self.name}. {self.description}"

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
    families: tuple[str, ...] = ()  # task families it can qualify; empty: any

    def qualifies(self, task: Task) -> bool:
        """"car" qualifies a deblurring task, not click-through-rate prediction."""
        return not self.families or task.family in self.families


@dataclass(frozen=True)
class GlossaryEntry:
    name: str
    summary: str
    kind: str = "architecture"  # architecture | dataset | technique
    aliases: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    input: str = ""
    output: str = ""



class Taxonomy:
    """Tasks, facets and the architecture glossary, with lookups."""

    def __init__(
        self,
        tasks: Sequence[Task],
        subjects: Sequence[Facet] = (),
        modifiers: Sequence[Facet] = (),
        glossary: Sequence[GlossaryEntry] = (),
        prefixes: Mapping[str, Sequence[str]] | None = None,
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
                key = norm_key(alias)
                if key:
                    self._glossary_index[key] = entry
        # zoo prefix -> task ids: the catalog's vocabulary (`prefixes`), then user tasks' own
        self._prefix_index: dict[str, list[str]] = {}
        for prefix, ids in (prefixes or {}).items():
            known = [t for t in ids if t in self.tasks]
            if known:
                self._prefix_index[norm_key(prefix)] = known
        for task in self.tasks.values():
            for prefix in task.zoo_prefixes:
                ids = self._prefix_index.setdefault(norm_key(prefix), [])
                if task.id not in ids:
                    ids.append(task.id)
        self._embeddings: "weakref.WeakKeyDictionary[Any, np.ndarray]" = weakref.WeakKeyDictionary()
        self._special: dict[tuple[str, ...], list[str]] = {}
        self._shared: dict[tuple[str, ...], list[str]] = {}
        self._own_text: dict[str, list[str]] = {}
        self._all_words: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    # -- tasks --------------------------------------------------------------

    def task(self, task_id: str) -> Task:
        return self.tasks[task_id]

    def related(self, a: str, b: str) -> bool:
        ta, tb = self.tasks.get(a), self.tasks.get(b)
        return bool(ta and tb and (b in ta.related or a in tb.related))

    def knows_prefix(self, prefix: str | None) -> bool:
        """Is `prefix` a zoo task prefix that names one of our tasks?"""
        return bool(prefix) and norm_key(prefix) in self._prefix_index

    def prefixes_of(self, task_id: str) -> list[str]:
        """Normalized zoo prefixes that name `task_id`."""
        return [p for p, ids in self._prefix_index.items() if task_id in ids]

    def knows_entry(self, name: str | None) -> bool:
        """Is `name` exactly (modulo case and punctuation) a glossary name or alias?"""
        return bool(name) and norm_key(name) in self._glossary_index

    def tasks_for_prefix(self, prefix: str | None) -> list[str]:
        """Task ids a zoo prefix (`SR`, `Txt2Img`) denotes; unknown prefixes via their words."""
        if not prefix:
            return []
        found = self._prefix_index.get(norm_key(prefix))
        if found:
            return list(found)
        from indexer.text import expand_task, prefix_modifiers

        words = expand_task(prefix)
        hits = self.keyword_scores(words, cue_weight=0.0)
        if not hits:
            return []
        best = max(hits.values())
        # the words before the prefix's head must be the task's own: `AudioCaption` is not image captioning,
        # `PointTrack` not object tracking, though "captioning" and "tracking" name those
        # (a prefix the papers spelled out, "cross domain recommendation" for `CDR`, is their words:
        # its nearest task stays its evidence)
        modifiers = "" if " " in prefix.strip() else prefix_modifiers(prefix)
        said = {w for w in stems(modifiers) if len(w) > 1 and not w.isdigit() and w != "to"}
        return [t for t, s in hits.items() if s >= best and s >= ALIAS_WEIGHT
                and said <= self._all_stems(self.tasks[t])]

    def _all_stems(self, task: Task) -> set[str]:
        """Every word a task's entry uses: its own text, aliases and cues. Cached."""
        with self._lock:
            cached = self._all_words.get(task.id)
        if cached is None:
            cached = {*self._text_stems(task), *stems(" ".join((*task.aliases, *task.cues)))}
            with self._lock:
                self._all_words[task.id] = cached
        return cached

    def keyword_matches(
        self, text: str, cue_weight: float = CUE_WEIGHT, *, skip_negated: bool = False
    ) -> dict[str, list[tuple[str, float]]]:
        """Per task: which of its aliases/cues occur in `text` (non-overlapping per task).

        `skip_negated` (for questions): a phrase right after "without", "no", "not",
        "instead of" or "rather than" ("read the form without running OCR first")
        names what the user does *not* want, so it is no evidence for that task.
        """
        words, quoted = _quoted_words(text) if skip_negated else (stems(text), [])
        found: dict[str, list[tuple[str, float, int, int]]] = {}
        if not words:
            return {}
        present = set(words)
        for task in self.tasks.values():
            phrases = [(a, ALIAS_WEIGHT) for a in task.aliases]
            if cue_weight > 0:
                phrases += [(c, cue_weight) for c in task.cues]
            # cheap pre-filter: the phrase's first word must occur somewhere
            phrases = [(p, w) for p, w in phrases if phrase_stems(p) and phrase_stems(p)[0] in present]
            if not phrases:
                continue
            matches = [m for m in find_phrases(words, phrases) if m[0].islower() or _written(m[0], text)]
            if skip_negated:
                matches = [m for m in matches if not _negated(words, m[2])]
                # words the user quotes are what they typed or asked ("'how many people
                # wear hats?'"), an example of the content, not their name for the task
                matches = [(p, w * QUOTED_FACTOR if all(quoted[s:e]) else w, s, e) for p, w, s, e in matches]
            if matches:
                found[task.id] = matches
        # The most specific name wins across tasks: "forecast" inside "weather
        # forecast", "detection" inside "open-vocabulary detection" and "inpainting"
        # inside "video inpainting" name the longer phrase's task first; the generic
        # task keeps part of the weight (a weather forecast is a kind of forecast).
        names = [(s, e) for ms in found.values() for _p, w, s, e in ms if w >= ALIAS_WEIGHT]
        out: dict[str, list[tuple[str, float]]] = {}
        for task_id, matches in found.items():
            out[task_id] = [
                (p, w * SUBSUMED_FACTOR if any(a <= s and e <= b and (b - a) > (e - s) for a, b in names) else w)
                for p, w, s, e in matches
            ]
        return out

    def keyword_scores(
        self, text: str, cue_weight: float = CUE_WEIGHT, *, skip_negated: bool = False
    ) -> dict[str, float]:
        """Raw keyword evidence per task: sum of matched phrase weights, longer phrases count more."""
        return self.score_matches(self.keyword_matches(text, cue_weight, skip_negated=skip_negated))

    def specializations(self, phrase: str) -> list[str]:
        """Tasks with an alias that contains `phrase` inside a longer name: "forecast"
        -> weather forecasting ("weather forecast"), "detector" -> none. Cached."""
        key = phrase_stems(phrase)
        with self._lock:
            cached = self._special.get(key)
        if cached is not None:
            return cached
        n = len(key)
        out = []
        for task in self.tasks.values():
            for alias in task.aliases:
                a = phrase_stems(alias)
                if len(a) > n and any(a[i : i + n] == key for i in range(len(a) - n + 1)):
                    out.append(task.id)
                    break
        with self._lock:
            self._special[key] = out
        return out

    def sharing(self, task_id: str, phrase: str) -> list[str]:
        """Other tasks of `task_id`'s family whose own text (name, input, output, description)
        uses its cue `phrase`: "satellite" is a word of the remote-sensing domain, not of land
        cover alone; "songs" of music generation and of source separation alike. Only within
        the family: across families a shared word is as often another sense ("depth map"). Cached."""
        own = phrase_stems(phrase)
        key = (task_id, *own)
        with self._lock:
            cached = self._shared.get(key)
        if cached is not None:
            return cached
        fam = self.tasks[task_id].family
        out = [other.id for other in self.tasks.values()
               if own and fam and other.id != task_id and other.family == fam
               and find_phrases(self._text_stems(other), [(phrase, 1.0)])]
        with self._lock:
            self._shared[key] = out
        return out

    def _text_stems(self, task: Task) -> list[str]:
        """A task's own words (name, input, output, description), stemmed once."""
        with self._lock:
            cached = self._own_text.get(task.id)
        if cached is None:
            cached = stems(" ".join((task.name, task.gerund, task.input, task.output, task.description)))
            with self._lock:
                self._own_text[task.id] = cached
        return cached

    @staticmethod
    def score_matches(found: Mapping[str, Sequence[tuple[str, float]]]) -> dict[str, float]:
        """Raw keyword evidence per task from `keyword_matches`' result."""
        scores: dict[str, float] = {}
        for task_id, matches in found.items():
            total = 0.0
            seen: set[str] = set()
            stemmed = {phrase_stems(p) for p, _w in matches}
            for phrase, weight in matches:
                if phrase in seen:
                    continue  # a phrase repeated in the text is one piece of evidence
                seen.add(phrase)
                own = phrase_stems(phrase)
                if any(len(o) > len(own) and any(o[i : i + len(own)] == own for i in range(len(o) - len(own) + 1))
                       for o in stemmed):
                    continue  # "restoration" after "image restoration": the same name again
                n = len(phrase_stems(phrase))
                total += weight * min(1.5, 1.0 + 0.25 * (n - 1))
            scores[task_id] = total
        return scores

    def task_embeddings(self, embedder: Any) -> np.ndarray:
        """Embeddings of every task profile (cached per embedder object)."""
        return self.task_views(embedder)[0]

    def task_views(self, embedder: Any) -> np.ndarray:
        """(views, tasks, dim) embeddings of each task seen three ways: its profile
        (name, description, aliases), its description, and "name: from input to
        output". A casual question is often close to only one of them. Cached per embedder."""
        with self._lock:
            try:
                cached = self._embeddings.get(embedder)
            except TypeError:
                cached = None
            if cached is not None and cached.shape[1] == len(self.tasks):
                return cached
            tasks = list(self.tasks.values())
            texts = [t.profile() for t in tasks]
            texts += [t.description or t.name for t in tasks]
            texts += [f"{t.name}: from {t.input} to {t.output}" for t in tasks]
            vectors = np.asarray(embedder.encode(texts), dtype=np.float32).reshape(3, len(tasks), -1)
            try:
                self._embeddings[embedder] = vectors
            except TypeError:
                pass
            return vectors

    # -- glossary -----------------------------------------------------------

    def lookup(self, name: str | None) -> GlossaryEntry | None:
        """Glossary entry for an architecture / dataset name, or None."""
        key = norm_key(name)
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
