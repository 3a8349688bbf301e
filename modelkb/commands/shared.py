"""What every command shares: the --json / --format options, the application it talks
to, notices and progress bars on stderr, JSON on stdout.

The group's context object (`ctx.find_root().obj`) holds the global options
(db, model, verbose, quiet, no_server) and, once made, the `App` and the `Api`
of this invocation.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click


def json_option(fn: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table.")(fn)


def format_option(fn: Callable) -> Callable:
    """--format md|json, and --json as every other command spells it."""
    fn = click.option("--json", "fmt", flag_value="json", help="Same as --format json.")(fn)
    return click.option(
        "--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True,
        help="Markdown for people, JSON for programs.",
    )(fn)


def app_for(ctx: click.Context):
    """The application in this process (maintenance commands, and the fallback of `api_for`)."""
    from modelkb.app import App
    from modelkb.config import load_settings

    obj = ctx.find_root().obj
    if "app" not in obj:
        settings = load_settings(db=obj["db"], model=obj["model"])
        obj["app"] = App(settings, notify=lambda msg: info(ctx, msg))
    return obj["app"]


def api_for(ctx: click.Context):
    """A running server for this catalog if there is one, else the application in-process."""
    obj = ctx.find_root().obj
    if "api" not in obj:
        url = None
        if not obj.get("no_server"):
            from modelkb.client import find_server
            from modelkb.config import catalog_id, data_home, db_url_for, model_for

            home = data_home()
            url = find_server(home, catalog_id(db_url_for(obj["db"], home)), model_for(obj["model"]))
        if url:
            from modelkb.client import RemoteApi

            obj["api"] = RemoteApi(url)
        else:
            from modelkb.api import LocalApi

            obj["api"] = LocalApi(app_for(ctx))
    return obj["api"]


def info(ctx: click.Context, msg: str) -> None:
    """A notice on stderr, unless --quiet."""
    if not ctx.find_root().obj.get("quiet"):
        click.echo(msg, err=True)


def progress(ctx: click.Context, length: int, label: str):
    """A progress bar on stderr for long work; silent with --quiet or for a single step."""
    quiet = ctx.find_root().obj.get("quiet") or length <= 1 or not sys.stderr.isatty()
    return click.progressbar(length=length, label=label, file=sys.stderr if not quiet else _Null(), show_pos=True)


class EmbedProgress:
    """Progress of embedding, whose size is known only inside the sync: `start(n)` opens
    a click progress bar (position, rate and ETA) for n texts, calling it advances it."""

    def __init__(self, ctx: click.Context, label: str) -> None:
        self.ctx, self.label, self.bar = ctx, label, None

    def start(self, total: int) -> None:
        self.bar = progress(self.ctx, total, self.label)
        self.bar.__enter__()

    def __call__(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)


@contextlib.contextmanager
def embed_progress(ctx: click.Context, label: str) -> Iterator[EmbedProgress]:
    """An embedding progress bar on stderr (silent with --quiet or when not a terminal)."""
    tick = EmbedProgress(ctx, label)
    try:
        yield tick
    finally:
        if tick.bar is not None:
            tick.bar.__exit__(None, None, None)


class _Null:
    def write(self, *_: Any) -> None: ...
    def flush(self) -> None: ...
    def isatty(self) -> bool:
        return False


def echo_json(data: Any) -> None:
    """JSON for scripts on stdout (UTF-8 kept, unknown types as strings)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
