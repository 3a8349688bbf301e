"""The HTTP endpoints of `modelkb serve`: the JSON API under /api and the HTML pages.

The endpoints call `modelkb.api.LocalApi`, so they return exactly what the
CLI prints with --json; errors map to HTTP statuses by class (`HTTP_STATUS`).
/docs serves Swagger UI from the `swagger-ui-bundle` package, offline.
"""

from __future__ import annotations

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

from catalog.errors import BadInput, Forbidden, ModelkbError, NotFound, Unavailable
from modelkb import __version__
from modelkb.api import LocalApi
from modelkb.app import App
from modelkb.client import TOKEN_HEADER
from modelkb.config import catalog_id
from modelkb.server.bodies import AnswerRequest, AskRequest, IngestRequest, json_body, multipart_answer
from modelkb.server.security import DEFAULT_MAX_BODY, PAGE_CSP, BodyLimit, http_url, markdown_html

PACKAGE = Path(__file__).resolve().parent.parent  # modelkb/: templates/ and static/
ITEMS_PAGE = 500

#: Error kind -> HTTP status (isinstance, first match).
HTTP_STATUS: tuple[tuple[type[ModelkbError], int], ...] = (
    (Forbidden, 403), (NotFound, 404), (BadInput, 400), (Unavailable, 503), (ModelkbError, 500),
)

Kind = Literal["model", "paper"]
Mode = Literal["hybrid", "dense", "lexical"]


def http_status(exc: ModelkbError) -> int:
    return next(code for kind, code in HTTP_STATUS if isinstance(exc, kind))


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
    web.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")
    templates = Jinja2Templates(directory=PACKAGE / "templates")  # autoescape on for .html
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
            body = await multipart_answer(request, max_body)
        else:
            body = await json_body(request, AnswerRequest)
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
        body = await multipart_answer(request, max_body, fmt="md")
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


def _rendered(result: str | dict[str, Any]):
    if isinstance(result, str):
        return PlainTextResponse(result, media_type="text/markdown; charset=utf-8")
    return result


def _safe_url(url: str) -> str:
    """The catalog URL without a password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
