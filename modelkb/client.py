"""Talking to a running `modelkb serve`: discovery and `RemoteApi` (stdlib only, so a CLI
call that finds a server imports neither torch nor SQLAlchemy).

A server writes `server-<catalog id>.json` into the data directory while it
runs (host, port, pid, catalog URL, model) and removes it when it stops. The
CLI uses that server when the file names a live process serving the same
catalog and model and `/healthz` agrees; `MODELKB_SERVER=http://host:port`
names a server explicitly; `MODELKB_NO_SERVER=1` (or `--no-server`) never
uses one. Otherwise the CLI works in-process, with identical output.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from catalog.errors import BadInput, Forbidden, ModelkbError, NotFound, Unavailable
from modelkb.inputs import InputFile

HEALTH_TIMEOUT_S = 1.0
REQUEST_TIMEOUT_S = 600.0
TOKEN_HEADER = "X-Modelkb-Token"

#: HTTP status -> the error the CLI raises, so its message and exit code match the in-process path.
STATUS_ERRORS: dict[int, type[ModelkbError]] = {400: BadInput, 413: BadInput, 422: BadInput, 403: Forbidden,
                                                404: NotFound, 503: Unavailable}


def discovery_path(home: Path, catalog: str) -> Path:
    return home / f"server-{catalog}.json"


def write_discovery(path: Path, info: dict[str, Any]) -> None:
    """Written atomically and readable by the owner only (it names the catalog URL)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(info, f)
    os.replace(tmp, path)


def remove_discovery(path: Path, pid: int) -> None:
    """Remove the file if it is still ours (a newer server may have replaced it)."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError):
        pass


def _alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError, TypeError):
        return False
    return True


def health(url: str, timeout: float = HEALTH_TIMEOUT_S) -> dict[str, Any] | None:
    """The server's /healthz answer, or None when nothing healthy answers."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/healthz", timeout=timeout) as resp:
            data = json.loads(resp.read())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("ok") else None


def find_server(home: Path, catalog: str, model: str | None) -> str | None:
    """The URL of a running server for this catalog and model, or None."""
    if os.environ.get("MODELKB_NO_SERVER", "").strip() not in ("", "0"):
        return None
    explicit = os.environ.get("MODELKB_SERVER", "").strip()
    if explicit:
        return explicit.rstrip("/") if health(explicit) else None
    path = discovery_path(home, catalog)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or not _alive(info.get("pid")) or info.get("model") != model:
        return None
    url = str(info.get("url", ""))
    h = health(url) if url else None
    if h is None or h.get("catalog") != catalog or h.get("pid") != info.get("pid"):
        return None
    return url.rstrip("/")


class RemoteApi:
    """The `modelkb.api.Api` methods over HTTP; errors come back as the same ModelkbError kinds."""

    def __init__(self, url: str, token: str | None = None):
        self.url = url.rstrip("/")
        self.token = token if token is not None else os.environ.get("MODELKB_TOKEN") or None

    def _call(self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        url = self.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.token:
            headers[TOKEN_HEADER] = self.token
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT_S) as resp:
                raw, ctype = resp.read(), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            raise _error(exc) from None
        except OSError as exc:
            raise Unavailable(f"the modelkb server at {self.url} did not answer: {exc}") from None
        if ctype.startswith("application/json"):
            return json.loads(raw)
        return raw.decode("utf-8")

    def stats(self) -> dict[str, int]:
        return self._call("GET", "/api/stats")

    def items(self, kind: str | None = None, task: str | None = None) -> list[dict[str, Any]]:
        return self._call("GET", "/api/items", {"kind": kind, "task": task})

    def item(self, ref: str) -> dict[str, Any]:
        return self._call("GET", "/api/items/" + urllib.parse.quote(ref, safe=""))

    def search(self, q: str, k: int = 10, mode: str = "hybrid", kind: str | None = None,
               task: str | None = None) -> list[dict[str, Any]]:
        return self._call("GET", "/api/search", {"q": q, "k": k, "mode": mode, "kind": kind, "task": task})

    def answer(self, f: InputFile, fmt: str = "md", ingest: bool = True) -> str | dict[str, Any]:
        body = {"name": f.name, "data_base64": _b64(f.read_or_fail()), "format": fmt, "ingest": ingest}
        return self._call("POST", "/api/answer", body=body)

    def ask(self, question: str, k: int = 6, fmt: str = "md") -> str | dict[str, Any]:
        return self._call("POST", "/api/ask", body={"question": question, "k": k, "format": fmt})

    def ingest(self, files: Sequence[InputFile], jsonl: Sequence[InputFile] = (), index: bool = True,
               progress: Any = None, embed_progress: Any = None, embed_start: Any = None) -> dict[str, Any]:
        body = {"files": [_upload(f) for f in files], "jsonl": [_upload(f) for f in jsonl], "index": index}
        return self._call("POST", "/api/ingest", body=body)

    def refresh_index(self) -> None:
        """Nothing to do: the server syncs its index before the next search."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _upload(f: InputFile) -> dict[str, Any]:
    """A file as the server takes it; one that cannot be read goes as its error, so the
    server reports it in its place and with the words of the in-process path."""
    from catalog.records import ParseError

    try:
        return {"name": f.name, "data_base64": _b64(f.read_or_fail())}
    except ParseError as exc:
        return {"name": f.name, "error": exc.message}


def _error(exc: urllib.error.HTTPError) -> ModelkbError:
    try:
        detail = json.loads(exc.read()).get("detail")
    except (OSError, ValueError, AttributeError):
        detail = None
    if not isinstance(detail, str):
        detail = f"HTTP {exc.code}: {exc.reason}" if detail is None else json.dumps(detail)
    return STATUS_ERRORS.get(exc.code, ModelkbError)(detail)
