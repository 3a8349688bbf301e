"""`modelkb serve`: the application API over HTTP (JSON under /api, HTML pages for people).

The model and the index are loaded once; each request is then milliseconds.
The endpoints call `modelkb.api.LocalApi`, so they return exactly what the
CLI prints with --json, and a CLI finding this server (`modelkb.client`) gets
identical output.

- `endpoints`: `create_app`, the JSON API, the pages, error -> HTTP status
- `bodies`: the request bodies and the answer form
- `security`: loopback check, body limit, safe links and Markdown, the pages' CSP
- `running`: `serve` (load, announce, run uvicorn), `one_thread_per_request`

The names below are the package's API (`from modelkb.server import create_app`).
"""

from modelkb.server.endpoints import create_app
from modelkb.server.running import client_url, one_thread_per_request, serve
from modelkb.server.security import DEFAULT_MAX_BODY, http_url, is_loopback, markdown_html

__all__ = ["DEFAULT_MAX_BODY", "client_url", "create_app", "http_url", "is_loopback", "markdown_html",
           "one_thread_per_request", "serve"]
