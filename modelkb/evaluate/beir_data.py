"""Reading a BEIR-layout dataset: `corpus.jsonl`, `queries.jsonl`, `qrels/<split>.tsv`.

The corpus itself is parsed at import time by `catalog.jsonl`; here are the
queries and the relevance judgments, each bad line named with its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from catalog.jsonl import json_objects
from catalog.records import ParseError
from catalog.text import read_file_bytes
from modelkb.evaluate.errors import EvalError


@dataclass
class BeirDataset:
    directory: Path
    corpus: Path
    queries: dict[str, str]  # id -> text, in file order
    qrels: dict[str, dict[str, int]]  # query id -> {corpus id: grade}
    split: str

    @property
    def name(self) -> str:
        return self.directory.resolve().name

    def judged_queries(self) -> list[str]:
        """Ids of queries (file order) with at least one relevant (grade > 0) document."""
        return [q for q in self.queries if any(g > 0 for g in self.qrels.get(q, {}).values())]


def load_beir(directory: str | Path, split: str = "test") -> BeirDataset:
    """Read queries and qrels of a BEIR-layout folder (the corpus is read at import)."""
    d = Path(directory)
    if not d.is_dir():
        raise EvalError(f"{d}: not a folder (expected a BEIR dataset: corpus.jsonl, queries.jsonl, qrels/{split}.tsv)")
    corpus, queries, qrels = d / "corpus.jsonl", d / "queries.jsonl", d / "qrels" / f"{split}.tsv"
    for p in (corpus, queries, qrels):
        if not p.is_file():
            raise EvalError(f"{p}: missing (a BEIR dataset has corpus.jsonl, queries.jsonl, qrels/{split}.tsv)")
    return BeirDataset(d, corpus, read_queries(queries), read_qrels(qrels), split)


def read_queries(path: Path) -> dict[str, str]:
    """`queries.jsonl`: one `{"_id": ..., "text": ...}` per line."""
    out: dict[str, str] = {}
    try:
        for lineno, obj in json_objects(read_file_bytes(str(path)), str(path)):
            if "_id" not in obj or not isinstance(obj.get("text"), str):
                raise EvalError(f"{path}:{lineno}: expected an object with _id and text")
            out[str(obj["_id"])] = " ".join(obj["text"].split())
    except ParseError as exc:
        raise EvalError(str(exc)) from None
    if not out:
        raise EvalError(f"{path}: no queries")
    return out


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """`qrels/<split>.tsv`: `query-id corpus-id score` per line, tab-separated, header optional."""
    out: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, raw in enumerate(fh, 1):
            parts = raw.strip().split("\t") if "\t" in raw else raw.split()
            if not parts or parts == [""]:
                continue
            if lineno == 1 and parts[0].lower() in ("query-id", "query_id", "qid"):
                continue
            if len(parts) == 4:  # TREC layout: qid 0 docid grade
                parts = [parts[0], parts[2], parts[3]]
            if len(parts) != 3:
                raise EvalError(f"{path}:{lineno}: expected 'query-id<TAB>corpus-id<TAB>score'")
            try:
                grade = int(float(parts[2]))
            except ValueError:
                raise EvalError(f"{path}:{lineno}: score {parts[2]!r} is not a number") from None
            out.setdefault(parts[0].strip(), {})[parts[1].strip()] = grade
    if not out:
        raise EvalError(f"{path}: no relevance judgments")
    return out
