"""Running `modelkb serve`: load the model and the index once, announce the server in the
data directory (`modelkb.client` finds it there), serve until stopped."""

from __future__ import annotations

import os
from typing import Any

from catalog.errors import BadInput
from modelkb.app import App
from modelkb.client import discovery_path, remove_discovery, write_discovery
from modelkb.config import catalog_id
from modelkb.server.endpoints import create_app
from modelkb.server.security import DEFAULT_MAX_BODY, LOOPBACK_NAMES, is_loopback


def client_url(host: str, port: int) -> str:
    """How a client on this machine reaches a server bound to host:port."""
    h = host.strip("[]")
    if h in ("0.0.0.0", ""):
        h = "127.0.0.1"
    elif h == "::":
        h = "::1"
    return f"http://[{h}]:{port}" if ":" in h else f"http://{h}:{port}"


def one_thread_per_request() -> None:
    """FAISS and BLAS compute each request on the thread serving it.

    A request searches for one query: with their default thread pools (one thread per
    core) FAISS and OpenBLAS spend more on waking and spinning threads than the search
    itself costs (a flat search over 3k vectors: ~4-8 ms with 2 threads, 0.2 ms with
    one, measured on 2 cores), and concurrent requests already keep the cores busy.
    Index writes after an ingest through this server are single-threaded too."""
    import faiss
    from threadpoolctl import threadpool_limits

    faiss.omp_set_num_threads(1)
    threadpool_limits(1, user_api="blas")


def serve(app: App, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
          max_body: int = DEFAULT_MAX_BODY, log_level: str = "warning",
          ready: Any = None) -> None:
    """Load the model and the index, announce the server in the data directory, serve until stopped.

    `ready(url, server)` is called once the server is about to listen (tests stop it with
    `server.should_exit = True`)."""
    import uvicorn

    if not is_loopback(host) and not token:
        raise BadInput(f"binding to {host} (not loopback) needs a token for writes: --token or MODELKB_TOKEN")
    allowed = [*LOOPBACK_NAMES] if is_loopback(host) else None
    web = create_app(app, token=token, max_body=max_body, allowed_hosts=allowed)
    app.ensure_index()  # load (or build) the index and the model now, not on the first request
    app.embedder.encode(["warm up"])
    one_thread_per_request()
    server = uvicorn.Server(uvicorn.Config(web, host=host, port=port, log_level=log_level, access_log=False))
    path = discovery_path(app.settings.home, catalog_id(app.settings.db_url))
    pid = os.getpid()
    write_discovery(path, {"url": client_url(host, port), "host": host, "port": port, "pid": pid,
                           "db_url": app.settings.db_url, "catalog": catalog_id(app.settings.db_url),
                           "model": app.settings.model})
    if ready:
        ready(client_url(host, port), server)
    try:
        server.run()
    finally:
        remove_discovery(path, pid)
