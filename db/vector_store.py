"""Vectors and BM25 in PostgreSQL (pgvector): the search index of a shared catalog.

Rows live in `item_vectors` (db/vector_schema.py) beside the items they index,
so every process and machine on one catalog sees the same index at once, with
no files to sync. This module is SQL only: it stores what it is given (ids,
content hashes, unit vectors, BM25 tokens) and answers top-k queries. Embedding,
tokenizing and fusing stay in `indexer` (`indexer.backed.BackedIndex` drives a
store of this shape); `modelkb` wires the two.

- Dense: one SQL query, `ORDER BY embedding::halfvec(d) <=> q` over a per-model
  HNSW index (cosine ops; built after the first write, then kept up to date by
  PostgreSQL); results carry the full-precision cosine. Filters
  (kind, task, ids) are WHERE clauses; pgvector >= 0.8's iterative index scan
  keeps filtered queries returning k rows.
- Lexical: Okapi BM25 with Lucene's idf (what the embedded index computes with
  bm25s), in SQL over a `tsvector` of the indexer's own tokens (positions give
  term frequencies) and its GIN index. See benchmarks/README.md for why BM25
  and not `ts_rank_cd`.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sqlalchemy import Connection, Engine, text

from db.vector_schema import ensure_vector_schema, pgvector_installed, tables_exist

#: HNSW build parameters (pgvector's defaults) and the search beam; see benchmarks/README.md.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 100
BM25_K1 = 1.5
BM25_B = 0.75
MAX_POSITION = 16383  # tsvector positions stop here (and keep at most 256 per lexeme)
LOCK_SPACE = 7212025  # pg_advisory_lock(LOCK_SPACE, hashtext(model)): one writer per model

IndexKind = Literal["halfvec", "vector"]
Lexical = Literal["bm25", "ts_rank_cd"]


@dataclass(frozen=True)
class VectorRow:
    """One item's index row: id, hash of the embedded text, unit vector, BM25 tokens."""

    id: int
    hash: str
    vector: np.ndarray
    tokens: Sequence[str]


_registered: "weakref.WeakSet[object]" = weakref.WeakSet()


def with_vector_types(conn: Connection) -> Connection:
    """Let psycopg send numpy arrays as pgvector values (binary), once per connection.

    Public because anything writing vectors on its own connection (benchmarks/pg_index.py) needs it too.
    """
    raw = conn.connection.dbapi_connection
    if raw not in _registered:
        from pgvector.psycopg import register_vector

        register_vector(raw)
        _registered.add(raw)
    return conn


def _quote_lexeme(term: str) -> str:
    """A lexeme as tsvector/tsquery input: quoted, taken verbatim (no parser, no stemming)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "\\'") + "'"


def tsvector_text(tokens: Sequence[str]) -> str:
    """`'tok':1,4 'other':2` for `tokens` in order; positions make term frequencies."""
    positions: dict[str, list[int]] = {}
    for pos, tok in enumerate(tokens, 1):
        if tok:
            positions.setdefault(tok, []).append(min(pos, MAX_POSITION))
    return " ".join(
        f"{_quote_lexeme(t)}:{','.join(map(str, sorted(set(p))))}" for t, p in positions.items()
    )


class VectorStoreError(RuntimeError):
    """The pgvector index cannot be used; the message says why."""


class PgVectorStore:
    """The `item_vectors` rows of one embedding model in a PostgreSQL catalog."""

    def __init__(
        self,
        engine: Engine,
        model: str,
        dimension: int,
        *,
        index_kind: IndexKind = "halfvec",
        ef_search: int = HNSW_EF_SEARCH,
        lexical: Lexical = "bm25",
    ) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("PgVectorStore needs a PostgreSQL engine")
        self.engine = engine
        self.model = model
        self.dimension = int(dimension)
        self.index_kind: IndexKind = index_kind
        self.ef_search = int(ef_search)
        self.lexical: Lexical = lexical
        self._model_id: int | None = None

    def __repr__(self) -> str:
        return f"PgVectorStore({self.location!r}, model={self.model!r})"

    @property
    def location(self) -> str:
        """Where the index lives, for messages (no password)."""
        return f"pgvector in {self.engine.url.render_as_string(hide_password=True)}"

    @property
    def index_name(self) -> str:
        return f"ix_item_vectors_hnsw_{self._require_model()}_{self.index_kind}"

    # -- schema and model -------------------------------------------------------

    def unavailable(self) -> str | None:
        """None when the tables exist (creating them if pgvector allows), else why not."""
        with self.engine.begin() as conn:
            if tables_exist(conn):
                return None
            return ensure_vector_schema(conn)

    def _lookup_model(self, conn: Connection) -> tuple[int, int] | None:
        row = conn.execute(
            text("SELECT id, dimension FROM embedding_models WHERE name = :n"), {"n": self.model}
        ).first()
        return (int(row[0]), int(row[1])) if row else None

    def _model(self) -> int | None:
        """This model's id, or None while nothing was ever stored for it (at this dimension)."""
        if self._model_id is None:
            with self.engine.connect() as conn:
                found = self._lookup_model(conn) if tables_exist(conn) else None
            if found is None or found[1] != self.dimension:
                return None
            self._model_id = found[0]
        return self._model_id

    def _require_model(self) -> int:
        model_id = self._model()
        if model_id is None:
            raise VectorStoreError(f"model {self.model!r} has no vectors in {self.location} yet")
        return model_id

    def _register_model(self, conn: Connection) -> str | None:
        """Register this model (and its HNSW index); a changed dimension drops its old rows.

        Returns why old rows were dropped, else None.
        """
        reason = None
        found = self._lookup_model(conn)
        if found is not None and found[1] != self.dimension:
            # A new model id, not an update: the new partial HNSW index must not see the old rows.
            reason = f"stored vectors of {self.model!r} have dimension {found[1]}, the model now gives {self.dimension}"
            for kind in ("halfvec", "vector"):
                conn.execute(text(f"DROP INDEX IF EXISTS ix_item_vectors_hnsw_{found[0]}_{kind}"))
            conn.execute(text("DELETE FROM embedding_models WHERE id = :m"), {"m": found[0]})  # rows cascade
        conn.execute(
            text("INSERT INTO embedding_models (name, dimension) VALUES (:n, :d) ON CONFLICT (name) DO NOTHING"),
            {"n": self.model, "d": self.dimension},
        )
        found = self._lookup_model(conn)
        assert found is not None and found[1] == self.dimension
        self._model_id = found[0]
        return reason

    def ensure_hnsw(self, conn: Connection) -> None:
        """Create this model's HNSW index if it is missing. Called after rows are written,
        as pgvector's documentation advises for bulk loads (one build over the stored
        rows); later writes update the index as they insert."""
        conn.execute(text(
            f"CREATE INDEX IF NOT EXISTS {self.index_name} ON item_vectors USING hnsw "
            f"((embedding::{self.index_kind}({self.dimension})) {self.index_kind}_cosine_ops) "
            f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION}) WHERE model_id = {self._require_model()}"
        ))

    # -- writing ----------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One writer per model across every process and machine (a PostgreSQL advisory lock)."""
        problem = self.unavailable()
        if problem:
            raise VectorStoreError(problem)
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:s, hashtext(:m))"), {"s": LOCK_SPACE, "m": self.model})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:s, hashtext(:m))"), {"s": LOCK_SPACE, "m": self.model})
                conn.commit()

    def prepare(self, replace_all: bool = False) -> str | None:
        """Register the model; with `replace_all` drop its rows and HNSW index (rebuilt
        by the next `write`). Returns why stored rows were unusable (they are dropped), else None.
        """
        with self.engine.begin() as conn:
            reason = self._register_model(conn)
            if replace_all:
                conn.execute(text(f"DROP INDEX IF EXISTS {self.index_name}"))
                conn.execute(text("DELETE FROM item_vectors WHERE model_id = :m"), {"m": self._model_id})
        return reason

    def stored_hashes(self) -> dict[int, str]:
        """{item id: content hash} of every stored vector of this model."""
        with self.engine.connect() as conn:
            if not tables_exist(conn):
                return {}
            found = self._lookup_model(conn)
            if found is None or found[1] != self.dimension:
                return {}
            rows = conn.execute(
                text("SELECT item_id, content_hash FROM item_vectors WHERE model_id = :m"), {"m": found[0]}
            )
            return {int(i): h for i, h in rows}

    def write(self, rows: Sequence[VectorRow], remove: Collection[int] = (), chunk: int = 500) -> None:
        """Upsert `rows` and delete `remove`, in one transaction."""
        model_id = self._require_model()
        upsert = text(
            "INSERT INTO item_vectors (model_id, item_id, content_hash, embedding, lexemes, doc_len) "
            "VALUES (:m, :id, :h, :v, CAST(:lex AS tsvector), :n) "
            "ON CONFLICT (model_id, item_id) DO UPDATE SET content_hash = EXCLUDED.content_hash, "
            "embedding = EXCLUDED.embedding, lexemes = EXCLUDED.lexemes, doc_len = EXCLUDED.doc_len"
        )
        with self.engine.begin() as conn:
            with_vector_types(conn)
            if remove:
                conn.execute(
                    text("DELETE FROM item_vectors WHERE model_id = :m AND item_id = ANY(:ids)"),
                    {"m": model_id, "ids": sorted(int(i) for i in remove)},
                )
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                conn.execute(upsert, [
                    {"m": model_id, "id": int(r.id), "h": r.hash,
                     "v": np.asarray(r.vector, dtype=np.float32), "lex": tsvector_text(r.tokens),
                     "n": len(r.tokens)}
                    for r in part
                ])
            self.ensure_hnsw(conn)

    # -- reading ----------------------------------------------------------------

    def count(self) -> int:
        model_id = self._model()
        if model_id is None:
            return 0
        with self.engine.connect() as conn:
            return int(conn.execute(
                text("SELECT count(*) FROM item_vectors WHERE model_id = :m"), {"m": model_id}
            ).scalar() or 0)

    def _filters(self, allowed_ids: Collection[int] | None, where: Mapping[str, str | None] | None) -> tuple[str, str, dict]:
        """(JOIN clause, AND clauses, parameters) restricting rows to kind/task/ids."""
        join, clauses, params = "", [], {}
        where = {k: v for k, v in (where or {}).items() if v}
        unknown = set(where) - {"kind", "task"}
        if unknown:
            raise ValueError(f"unknown filter(s) {sorted(unknown)}; use kind, task")
        if where:
            join = "JOIN items i ON i.id = v.item_id"
            if "kind" in where:
                clauses.append("AND i.kind = :kind")
                params["kind"] = where["kind"]
            if "task" in where:
                clauses.append("AND lower(i.task) = lower(:task)")
                params["task"] = where["task"]
        if allowed_ids is not None:
            clauses.append("AND v.item_id = ANY(:allowed)")
            params["allowed"] = sorted({int(i) for i in allowed_ids})
        return join, " ".join(clauses), params

    def dense_top(
        self,
        vector: np.ndarray,
        k: int,
        allowed_ids: Collection[int] | None = None,
        where: Mapping[str, str | None] | None = None,
    ) -> list[tuple[int, float]]:
        """The k nearest items by cosine (HNSW), best first: [(id, cosine)]."""
        model_id = self._model()
        if model_id is None:
            return []
        join, clauses, params = self._filters(allowed_ids, where)
        kind, dim = self.index_kind, self.dimension
        sql = text(
            f"SELECT v.item_id, 1 - (v.embedding <=> :q) AS cosine FROM item_vectors v {join} "
            f"WHERE v.model_id = {model_id} {clauses} "
            f"ORDER BY (v.embedding::{kind}({dim})) <=> CAST(:q AS {kind}({dim})) LIMIT :k"
        )
        with self.engine.begin() as conn:
            with_vector_types(conn)
            conn.execute(text(f"SET LOCAL hnsw.ef_search = {max(self.ef_search, int(k))}"))
            conn.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
            rows = conn.execute(sql, {"q": np.asarray(vector, dtype=np.float32), "k": int(k), **params}).all()
        return sorted(((int(i), float(c)) for i, c in rows), key=lambda r: (-r[1], r[0]))

    def _lexical_sql(self, model_id: int, join: str, clauses: str, restrict: str, limit: str) -> str:
        if self.lexical == "ts_rank_cd":
            return (
                f"SELECT v.item_id, ts_rank_cd(v.lexemes, CAST(:anyq AS tsquery)) AS score "
                f"FROM item_vectors v {join} WHERE v.model_id = {model_id} {clauses} {restrict} "
                f"ORDER BY score DESC, v.item_id {limit}"
            )
        return f"""
            WITH q AS (
                SELECT u.term, CAST(u.lit AS tsquery) AS tsq
                FROM unnest(CAST(:terms AS text[]), CAST(:lits AS text[])) AS u(term, lit)
            ), stats AS (
                SELECT count(*)::float8 AS n, coalesce(avg(doc_len), 1)::float8 AS avgdl
                FROM item_vectors WHERE model_id = {model_id}
            ), idf AS (
                SELECT q.term, ln(1 + (s.n - d.df + 0.5) / (d.df + 0.5)) AS idf
                FROM q CROSS JOIN stats s CROSS JOIN LATERAL (
                    SELECT count(*)::float8 AS df FROM item_vectors w
                    WHERE w.model_id = {model_id} AND w.lexemes @@ q.tsq) d
            ), cand AS (
                SELECT v.item_id, v.lexemes, v.doc_len FROM item_vectors v {join}
                WHERE v.model_id = {model_id} {clauses} {restrict}
            )
            SELECT c.item_id,
                   sum(idf.idf * t.tf / (t.tf + {BM25_K1} * (1 - {BM25_B} + {BM25_B} * c.doc_len / s.avgdl))) AS score
            FROM cand c CROSS JOIN stats s
            CROSS JOIN LATERAL (
                SELECT u.lexeme, coalesce(array_length(u.positions, 1), 1)::float8 AS tf FROM unnest(c.lexemes) u
            ) t
            JOIN idf ON idf.term = t.lexeme
            GROUP BY c.item_id
            ORDER BY score DESC, c.item_id {limit}
        """

    @staticmethod
    def _term_params(terms: Sequence[str]) -> dict:
        terms = [t for t in terms if t]
        lits = [_quote_lexeme(t) for t in terms]
        return {"terms": terms, "lits": lits, "anyq": " | ".join(dict.fromkeys(lits))}

    def lexical_top(
        self,
        terms: Sequence[str],
        k: int,
        allowed_ids: Collection[int] | None = None,
        where: Mapping[str, str | None] | None = None,
    ) -> list[tuple[int, float]]:
        """The k best BM25 matches of the query tokens, best first: [(id, score)];
        only items sharing a token with the query."""
        params = self._term_params(terms)
        model_id = self._model()
        if not params["terms"] or model_id is None:
            return []
        join, clauses, fparams = self._filters(allowed_ids, where)
        sql = self._lexical_sql(model_id, join, clauses, "AND v.lexemes @@ CAST(:anyq AS tsquery)", "LIMIT :k")
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql), {**params, **fparams, "k": int(k)}).all()
        return [(int(i), float(s)) for i, s in rows if s and s > 0]

    def scores(self, ids: Collection[int], vector: np.ndarray, terms: Sequence[str]) -> dict[int, tuple[float, float]]:
        """Exact (cosine, BM25) of the given items: the candidates of a hybrid search."""
        ids = sorted({int(i) for i in ids})
        model_id = self._model()
        if not ids or model_id is None:
            return {}
        with self.engine.begin() as conn:
            with_vector_types(conn)
            dense = dict(conn.execute(
                text(f"SELECT item_id, 1 - (embedding <=> :q) FROM item_vectors "
                     f"WHERE model_id = {model_id} AND item_id = ANY(:ids)"),
                {"q": np.asarray(vector, dtype=np.float32), "ids": ids},
            ).all())
            params = self._term_params(terms)
            lexical: dict[int, float] = {}
            if params["terms"]:
                sql = self._lexical_sql(model_id, "", "", "AND v.item_id = ANY(:ids)", "")
                lexical = dict(conn.execute(text(sql), {**params, "ids": ids}).all())
        return {int(i): (float(dense[i]), float(lexical.get(i, 0.0))) for i in ids if i in dense}

    # -- checking ---------------------------------------------------------------

    def problems(self) -> list[str]:
        """What is wrong with the pgvector side itself (extension, tables, HNSW index)."""
        with self.engine.connect() as conn:
            if not pgvector_installed(conn):
                return [f"the pgvector extension is not installed in {self.location}"]
            if not tables_exist(conn):
                return [f"the item_vectors table is missing in {self.location}"]
            found = self._lookup_model(conn)
            if found is None:
                return []  # nothing embedded with this model yet: the entries check says how much is missing
            if found[1] != self.dimension:
                return [f"stored vectors of {self.model!r} have dimension {found[1]}, the model gives {self.dimension}"]
            if not conn.execute(text("SELECT 1 FROM item_vectors WHERE model_id = :m LIMIT 1"), {"m": found[0]}).first():
                return []  # no rows, no index yet: it is built by the first write
            name = f"ix_item_vectors_hnsw_{found[0]}_{self.index_kind}"
            valid = conn.execute(
                text("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = :n"),
                {"n": name},
            ).first()
            if valid is None:
                return [f"the HNSW index {name} is missing"]
            if not valid[0]:
                return [f"the HNSW index {name} is invalid (an interrupted build?)"]
        return []
