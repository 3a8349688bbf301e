"""The CLI with a running `modelkb serve` for its catalog: found through the discovery file or
MODELKB_SERVER, used instead of in-process work, and printing exactly the same output."""

from __future__ import annotations

import socket
import threading
import time

import pytest

pytest.importorskip("uvicorn")

from modelkb.app import App  # noqa: E402
from modelkb.client import discovery_path, health  # noqa: E402
from modelkb.config import catalog_id, load_settings  # noqa: E402

BLUR = dict(
    question="Which model removes motion blur from a photo?",
    models=[{"name": "Deblur-MIMO-UNet-RealBlur", "github": "https://github.com/chosj95/MIMO-UNet",
             "summary": "A multi-input multi-output U-Net. It removes motion blur from real photos."}],
    papers=[{"name": "Rethinking Coarse-to-Fine Approach in Single Image Deblurring",
             "paper": "https://arxiv.org/abs/2108.05054", "summary": "Coarse-to-fine deblurring revisited."}],
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(fake_app_embedder):
    """`modelkb serve` (the real uvicorn server) in a thread on a free loopback port."""
    yield from running_server()


@pytest.fixture
def token_server(fake_app_embedder):
    """The same, started with `--token s3cret`: writes need the token."""
    yield from running_server(token="s3cret")


def running_server(token: str | None = None):
    from modelkb.server import serve

    app = App(load_settings())
    started: dict = {}
    ready = threading.Event()

    def on_ready(url, srv):
        started.update(url=url, server=srv)
        ready.set()

    thread = threading.Thread(target=serve, args=(app,), kwargs={"port": free_port(), "ready": on_ready, "token": token},
                              daemon=True)
    thread.start()
    assert ready.wait(60), "server did not start"
    deadline = time.monotonic() + 30
    while health(started["url"]) is None:
        assert time.monotonic() < deadline, "server never answered /healthz"
        time.sleep(0.05)
    started["app"] = app
    yield started
    started["server"].should_exit = True
    thread.join(15)
    app.close()


@pytest.fixture
def no_local(monkeypatch):
    """Fail if the CLI does the work in-process."""
    import modelkb.api

    def refuse(self, app):
        raise AssertionError("the CLI worked in-process although a server was running")

    monkeypatch.setattr(modelkb.api.LocalApi, "__init__", refuse)
    yield
    monkeypatch.undo()


def test_server_announces_itself_and_cleans_up(server, isolated_home):
    path = discovery_path(isolated_home, catalog_id(load_settings().db_url))
    assert path.is_file() and oct(path.stat().st_mode & 0o777) == "0o600"
    server["server"].should_exit = True
    deadline = time.monotonic() + 15
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not path.exists(), "the discovery file must go when the server stops"


def test_cli_output_is_identical_with_and_without_a_server(server, run_cli, make_prompt, tmp_path, monkeypatch):
    prompt = tmp_path / "blur.txt"
    prompt.write_text(make_prompt(**BLUR))
    missing = tmp_path / "missing.txt"
    import modelkb.api

    real_init = modelkb.api.LocalApi.__init__
    calls: list[str] = []

    def tracking(self, app):
        calls.append("local")
        real_init(self, app)

    monkeypatch.setattr(modelkb.api.LocalApi, "__init__", tracking)
    first = run_cli("ingest", str(prompt))
    assert first.exit_code == 0 and "1 new" in first.stdout and calls == [], "ingest must go through the server"

    commands = [
        ("ingest", str(prompt), str(missing)),
        ("ingest", str(prompt), "--json"),
        ("search", "motion blur photo"),
        ("search", "motion blur photo", "--json", "-k", "2"),
        ("search", "deblur", "--kind", "paper", "--mode", "lexical"),
        ("list",), ("list", "--json", "--kind", "model"),
        ("show", "Deblur-MIMO-UNet-RealBlur"), ("show", "Deblur-MIMO-UNet-RealBlur", "--json"),
        ("show", "no-such-item"),
        ("stats",), ("stats", "--json"),
        ("answer", str(prompt), "--no-ingest"),
        ("answer", str(prompt), str(missing), "--no-ingest", "--format", "json"),
        ("ask", "remove motion blur from a photo", "--format", "json"),
        ("ask", "remove motion blur from a photo"),
    ]
    for args in commands:
        calls.clear()
        remote = run_cli(*args)
        assert calls == [], f"{args}: worked in-process although a server was running"
        local = run_cli("--no-server", *args)
        assert calls == ["local"]
        assert (remote.exit_code, remote.stdout, remote.stderr) == (local.exit_code, local.stdout, local.stderr), args


def test_modelkb_server_env_names_a_server(server, run_cli, no_local, monkeypatch, isolated_home):
    discovery_path(isolated_home, catalog_id(load_settings().db_url)).unlink()
    monkeypatch.setenv("MODELKB_SERVER", server["url"])
    r = run_cli("stats", "--json")
    assert r.exit_code == 0 and '"items": 0' in r.stdout


def test_without_a_server_the_cli_works_in_process(run_cli, isolated_home, make_prompt, tmp_path):
    # a stale discovery file (dead pid) is ignored
    from modelkb.client import write_discovery

    write_discovery(discovery_path(isolated_home, catalog_id(load_settings().db_url)),
                    {"url": "http://127.0.0.1:9", "pid": 2**22 + 12345, "model": None})
    prompt = tmp_path / "blur.txt"
    prompt.write_text(make_prompt(**BLUR))
    assert run_cli("ingest", str(prompt)).exit_code == 0
    assert "Deblur-MIMO-UNet-RealBlur" in run_cli("search", "motion blur").stdout


def test_a_server_for_another_catalog_is_not_used(server, run_cli, tmp_path, make_prompt):
    other_db = tmp_path / "other.db"
    prompt = tmp_path / "blur.txt"
    prompt.write_text(make_prompt(**BLUR))
    assert run_cli("--db", str(other_db), "ingest", str(prompt)).exit_code == 0
    assert '"items": 2' in run_cli("--db", str(other_db), "stats", "--json").stdout
    assert '"items": 0' in run_cli("stats", "--json").stdout  # the served catalog is still empty


def test_a_search_through_a_server_loads_no_database_or_model_code(server, run_cli, make_prompt, tmp_path):
    """What makes a repeated `modelkb search` cheap with a server up: the CLI process
    imports only click and the stdlib HTTP client, never SQLAlchemy, numpy or torch."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    prompt = tmp_path / "blur.txt"
    prompt.write_text(make_prompt(**BLUR))
    assert run_cli("ingest", str(prompt)).exit_code == 0
    probe = ("import atexit, json, sys\n"
             "atexit.register(lambda: print(json.dumps(sorted(m for m in ('sqlalchemy', 'numpy', 'torch', 'db')"
             " if m in sys.modules)), file=sys.stderr))\n"
             "sys.argv = ['modelkb', 'search', 'motion blur photo']\n"
             "from modelkb.cli import main\n"
             "main()\n")
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Deblur-MIMO-UNet-RealBlur" in proc.stdout
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []


def test_a_write_without_the_servers_token_exits_6(token_server, run_cli, no_local, make_prompt, tmp_path, monkeypatch):
    prompt = tmp_path / "blur.txt"
    prompt.write_text(make_prompt(**BLUR))
    refused = run_cli("ingest", str(prompt))
    assert refused.exit_code == 6, refused.output
    assert refused.stderr.startswith("Error:") and "token" in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert "Traceback" not in refused.output
    monkeypatch.setenv("MODELKB_TOKEN", "s3cret")
    assert run_cli("ingest", str(prompt)).exit_code == 0
