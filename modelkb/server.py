"""`modelkb serve`: the application API over HTTP (JSON under /api, HTML pages for people).

The model and the index are loaded once; each request is then milliseconds.
The endpoints call `modelkb.api.LocalApi`, so they return exactly what the
CLI prints with --json, and a CLI finding this server (`modelkb.client`) gets
identical output.

Security: loopback by default and Host-header checked there (no DNS
rebinding); a token is required for writes when bound elsewhere; request
bodies are limited (Content-Length required, no chunked uploads) and kept in
memory (never spooled to a file); templates autoescape every catalog string,
and the HTML pages carry a Content-Security-Policy that allows no script at
all. /docs serves Swagger UI from the `swagger-ui-bundle` package, offline.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import os
import secrets
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, ValidationError

from catalog.errors import BadInput, Forbidden, ModelkbError, NotFound, Unavailable
from modelkb import __version__
from modelkb.api import LocalApi
from modelkb.app import App
from modelkb.client import TOKEN_HEADER, discovery_path, remove_discovery, write_discovery
from modelkb.config import catalog_id
from modelkb.inputs import InputFile

HERE = Path(__file__).resolve().parent
DEFAULT_MAX_BODY = 8 * 1024 * 1024
ITEMS_PAGE = 500
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
#: The pages use no script at all; styles and images only from this server.
PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

#: Error kind -> HTTP status (isinstance, first match).
HTTP_STATUS: tuple[tuple[type[ModelkbError], int], ...] = (
    (Forbidden, 403), (NotFound, 404), (BadInput, 400), (Unavailable, 503), (ModelkbError, 500),
)

Format = Literal["md", "json"]
Kind = Literal["model", "paper"]
Mode = Literal["hybrid", "dense", "lexical"]


def http_status(exc: ModelkbError) -> int:
    return next(code for kind, code in HTTP_STATUS if isinstance(exc, kind))


def is_loopback(host: str) -> bool:
    if host.strip("[]") in LOOPBACK_NAMES or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# -- request bodies ----------------------------------------------------------------

class Upload(BaseModel):
    """One file's bytes: `text`, or `data_base64` for exact bytes; `error` reports a file the client could not read."""

    name: str = Field("<upload>", max_length=4096)
    text: str | None = None
    data_base64: str | None = None
    error: str | None = None

    def input_file(self) -> InputFile:
        if self.error is not None:
            return InputFile(self.name, None, error=self.error)
        if self.data_base64 is not None:
            try:
                return InputFile.of_bytes(self.name, base64.b64decode(self.data_base64, validate=True))
            except binascii.Error:
                raise BadInput(f"{self.name}: data_base64 is not valid base64") from None
        if self.text is not None:
            return InputFile.of_bytes(self.name, self.text.encode("utf-8"))
        raise BadInput(f"{self.name}: give text or data_base64")


class AnswerRequest(Upload):
    name: str = Field("<text>", max_length=4096)
    format: Format = "md"
    ingest: bool = False


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=10_000)
    k: int = Field(6, ge=1, le=50)
    format: Format = "md"


class IngestRequest(BaseModel):
    files: list[Upload] = []
    jsonl: list[Upload] = []
    index: bool = True


# -- middleware -------------------------------------------------------------------

class BodyLimit:
    """Refuse bodies over `max_body` bytes (413) and bodies of unknown length (411) before reading them."""

    def __init__(self, app: Any, max_body: int):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            headers = dict(scope["headers"])
            length = headers.get(b"content-length")
            if length is None and headers.get(b"transfer-encoding"):
                return await _plain(send, 411, "a Content-Length is required")
            if length is not None and (not length.isdigit() or int(length) > self.max_body):
                return await _plain(send, 413, f"request body over the limit of {self.max_body} bytes")
        await self.app(scope, receive, send)


async def _plain(send: Any, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail, "error": "BadInput"}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# -- the application ----------------------------------------------------------------

def create_app(app: App, *, token: str | None = None, max_body: int = DEFAULT_MAX_BODY,
               allowed_hosts: list[str] | None = None) -> FastAPI:
    """The ASGI application over `app`. `allowed_hosts`: Host headers to accept (None: any)."""
    import starlette.formparsers

    # Uploads stay in memory up to the body limit: never spooled to a temp file.
    starlette.formparsers.MultiPartParser.spool_max_size = max(max_body, starlette.formparsers.MultiPartParser.spool_max_size)

    api = LocalApi(app)
    web = FastAPI(title="modelkb", version=__version__, docs_url=None, redoc_url=None,
                  description="Search, browse and answer from a catalog of AI models and papers.")
    web.add_middleware(BodyLimit, max_body=max_body)
    if allowed_hosts is not None:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        web.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    import swagger_ui_bundle

    web.mount("/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")
    web.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")  # autoescape on for .html
    templates.env.filters["http_url"] = http_url

    def require_token(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get(TOKEN_HEADER) or ""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = given or auth[7:].strip()
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise Forbidden(f"this server needs its token for writes ({TOKEN_HEADER} or Authorization: Bearer)")

    def page(request: Request, name: str, http_status_: int = 200, **context: Any) -> HTMLResponse:
        resp = templates.TemplateResponse(request, name, {"version": __version__, **context}, status_code=http_status_)
        resp.headers["Content-Security-Policy"] = PAGE_CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        return resp

    @web.exception_handler(ModelkbError)
    async def on_error(request: Request, exc: ModelkbError):
        status = http_status(exc)
        message = " ".join(str(exc).split()) or type(exc).__name__
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message, "error": type(exc).__name__}, status_code=status)
        return page(request, "error.html", status, status=status, message=message)

    # -- JSON API ---------------------------------------------------------------------

    @web.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, Any]:
        """Liveness, and which catalog this server serves (the CLI compares it)."""
        return {"ok": True, "catalog": catalog_id(app.settings.db_url), "model": app.settings.model,
                "pid": os.getpid(), "version": __version__}

    @web.get("/api/stats", tags=["catalog"])
    def stats() -> dict[str, int]:
        """Counts of documents, items, models, papers and mentions (as `modelkb stats --json`)."""
        return api.stats()

    @web.get("/api/items", tags=["catalog"])
    def items(kind: Kind | None = None, task: str | None = Query(None, max_length=128)) -> list[dict[str, Any]]:
        """Catalog items, models first (as `modelkb list --json`)."""
        return api.items(kind=kind, task=task)

    @web.get("/api/items/{ref:path}", tags=["catalog"])
    def item(ref: str) -> dict[str, Any]:
        """One item by key, id or name, with the files and questions it came from (as `modelkb show --json`)."""
        return api.item(ref)

    @web.get("/api/search", tags=["search"])
    def search(q: str = Query(min_length=1, max_length=10_000), k: int = Query(10, ge=1, le=1000),
               kind: Kind | None = None, task: str | None = Query(None, max_length=128),
               mode: Mode = "hybrid") -> list[dict[str, Any]]:
        """The k best items for q (as `modelkb search --json`)."""
        return api.search(q, k=k, mode=mode, kind=kind, task=task)

    answer_body = {"content": {
        "application/json": {"schema": AnswerRequest.model_json_schema()},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}, "text": {"type": "string"},
            "format": {"type": "string", "enum": ["md", "json"]}}}},
    }, "required": True}

    @web.post("/api/answer", tags=["answer"], openapi_extra={"requestBody": answer_body},
              responses={200: {"content": {"text/markdown": {}, "application/json": {}}}})
    async def answer(request: Request):
        """Answer a prompt file: JSON {text | data_base64, name, format, ingest} or a multipart upload
        (`file` or `text`, `format`). An upload is never stored; `ingest: true` (JSON only) stores it."""
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            body = await _multipart_answer(request, max_body)
        else:
            body = await _json_body(request, AnswerRequest)
        if body.ingest:
            require_token(request)
        result = await run_in_threadpool(api.answer, body.input_file(), body.format, body.ingest)
        return _rendered(result)

    @web.post("/api/ask", tags=["answer"])
    def ask(body: AskRequest):
        """Answer a question from the whole catalog (as `modelkb ask`)."""
        return _rendered(api.ask(body.question, k=body.k, fmt=body.format))

    @web.post("/api/ingest", tags=["catalog"])
    def ingest(body: IngestRequest, request: Request) -> dict[str, Any]:
        """Add prompt files (and JSONL bulk files) to the catalog; the next search sees them.
        Needs the server's token when it has one (always when bound beyond loopback)."""
        require_token(request)
        return api.ingest([u.input_file() for u in body.files], [u.input_file() for u in body.jsonl], index=body.index)

    # -- pages --------------------------------------------------------------------------

    @web.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, q: str = Query("", max_length=10_000), kind: str = "", task: str = "",
                    mode: Mode = "hybrid", k: int = Query(10, ge=1, le=100)):
        results = None
        if q.strip():
            results = api.search(q, k=k, mode=mode, kind=kind if kind in ("model", "paper") else None, task=task or None)
        return page(request, "search.html", q=q, kind=kind, task=task, mode=mode, k=k, results=results,
                    tasks=app.tasks(), title=f"{q} – search" if q else "Search")

    @web.get("/items", response_class=HTMLResponse, include_in_schema=False)
    def items_page(request: Request, kind: str = "", task: str = ""):
        all_items = api.items(kind=kind if kind in ("model", "paper") else None, task=task or None)
        return page(request, "items.html", shown=all_items[:ITEMS_PAGE], total=len(all_items), title="All items")

    @web.get("/items/{ref:path}", response_class=HTMLResponse, include_in_schema=False)
    def item_page(request: Request, ref: str):
        it = api.item(ref)
        return page(request, "item.html", item=it, title=it["name"])

    @web.get("/answer", response_class=HTMLResponse, include_in_schema=False)
    def answer_form(request: Request):
        return page(request, "answer.html", text="", rendered=None, title="Answer a prompt file")

    @web.post("/answer", response_class=HTMLResponse, include_in_schema=False)
    async def answer_page(request: Request):
        body = await _multipart_answer(request, max_body, fmt="md")
        markdown = await run_in_threadpool(api.answer, body.input_file(), "md", False)
        return page(request, "answer.html", text=body.text or "", rendered=markdown_html(markdown),
                    title="Answer")

    @web.get("/stats", response_class=HTMLResponse, include_in_schema=False)
    def stats_page(request: Request):
        return page(request, "stats.html", stats=api.stats(), tasks=app.tasks(), title="Catalog",
                    db=_safe_url(app.settings.db_url))

    @web.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=web.openapi_url or "/openapi.json", title="modelkb API",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css",
                                   swagger_favicon_url="/static/swagger/favicon-32x32.png")

    return web


async def _json_body(request: Request, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise BadInput(f"bad request body: {problems}") from None


async def _multipart_answer(request: Request, max_body: int, fmt: str | None = None) -> AnswerRequest:
    """A form with an uploaded `file` or a pasted `text`; the upload is read into memory only."""
    from starlette.datastructures import UploadFile

    try:
        form = await request.form(max_files=1, max_fields=10, max_part_size=max_body)
    except Exception as exc:  # malformed multipart, too many parts
        raise BadInput(f"bad form: {exc}") from None
    upload, text = form.get("file"), form.get("text")
    fmt = fmt or str(form.get("format") or "md")
    if fmt not in ("md", "json"):
        raise BadInput("format must be md or json")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        await upload.close()
        if data:
            return AnswerRequest(name=Path(upload.filename).name or "<upload>",
                                 data_base64=base64.b64encode(data).decode(), format=fmt)
    if isinstance(text, str) and text.strip():
        return AnswerRequest(name="<pasted>", text=text, format=fmt)
    raise BadInput("paste a prompt file or choose one to upload")


def http_url(url: str | None) -> str | None:
    """`url` if it is an http(s) link, else None: a catalog link never becomes javascript: or data:."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


def _rendered(result: str | dict[str, Any]):
    if isinstance(result, str):
        return PlainTextResponse(result, media_type="text/markdown; charset=utf-8")
    return result


def markdown_html(text: str) -> str:
    """Markdown -> HTML with raw HTML disabled: every tag in the text comes out escaped, and
    markdown-it refuses javascript:/vbscript:/data: links."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").render(text)


def _safe_url(url: str) -> str:
    """The catalog URL without a password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# -- running --------------------------------------------------------------------------

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
