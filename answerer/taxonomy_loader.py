"""Reading the taxonomy: bundled `data/*.json` merged with the user's files.

`MODELKB_TASKS` / `MODELKB_GLOSSARY` name extra JSON files (several joined
with the OS path separator); the result is cached and re-read when a user
file changes.
"""

from __future__ import annotations

import functools
import json
import os
import warnings
from importlib import resources
from typing import Any, Iterable, Mapping, Sequence

from answerer.tasks import Facet, GlossaryEntry, Task, Taxonomy

TASKS_ENV = "MODELKB_TASKS"
GLOSSARY_ENV = "MODELKB_GLOSSARY"


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
        family=str(d.get("family", "")),
        gerund=str(d.get("gerund") or d.get("name") or d["id"]),
        aliases=aliases,
        cues=_tuple(d.get("cues")),
        zoo_prefixes=_tuple(d.get("zoo_prefixes")),
        related=_tuple(d.get("related")),
        input_template=str(d.get("input_template", "")),
    )


def _facets(items: Iterable[Mapping[str, Any]]) -> list[Facet]:
    return [
        Facet(label=str(f["label"]), cues=_tuple(f.get("cues")), generic=bool(f.get("generic")),
              families=_tuple(f.get("families")))
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


def _prefix_tasks() -> dict[str, tuple[str, ...]]:
    """Zoo prefix -> task ids, from the one vocabulary the catalog owns."""
    from catalog.zoo import task_prefix_table

    return {p.prefix: p.tasks for p in task_prefix_table().values() if p.tasks}


@functools.lru_cache(maxsize=8)
def _load(task_stamp: tuple, glossary_stamp: tuple, prefix_stamp: tuple = ()) -> Taxonomy:
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
        _prefix_tasks(),
    )


def load_taxonomy() -> Taxonomy:
    """Bundled tasks + glossary merged with the user's files (re-read when they change)."""
    from catalog.zoo import TASK_PREFIXES_ENV

    return _load(_file_stamp(_user_files(TASKS_ENV)), _file_stamp(_user_files(GLOSSARY_ENV)),
                 _file_stamp(_user_files(TASK_PREFIXES_ENV)))
