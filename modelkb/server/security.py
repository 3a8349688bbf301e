"""What keeps `modelkb serve` safe to run: loopback by default, bounded request bodies,
only http(s) links and no raw HTML in pages, a Content-Security-Policy without script.

Loopback by default and Host-header checked there (no DNS rebinding); a token
is required for writes when bound elsewhere (`endpoints.create_app`); request
bodies are limited (Content-Length required, no chunked uploads) and kept in
memory (never spooled to a file); templates autoescape every catalog string,
and the HTML pages carry a Content-Security-Policy that allows no script at all.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

DEFAULT_MAX_BODY = 8 * 1024 * 1024
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
#: The pages use no script at all; styles and images only from this server.
PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach a server bound to `host` (no token needed there)."""
    if host.strip("[]") in LOOPBACK_NAMES or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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


def http_url(url: str | None) -> str | None:
    """`url` if it is an http(s) link, else None: a catalog link never becomes javascript: or data:."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


def markdown_html(text: str) -> str:
    """Markdown -> HTML with raw HTML disabled: every tag in the text comes out escaped, and
    markdown-it refuses javascript:/vbscript:/data: links."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").render(text)
