"""`modelkb serve`: the web page and JSON API (modelkb.server) over this catalog."""

from __future__ import annotations

import click

from modelkb.commands.shared import app_for, info


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback needs --token.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="TCP port.")
@click.option("--token", envvar="MODELKB_TOKEN", metavar="SECRET",
              help="Require this token for writes (ingest) [env MODELKB_TOKEN; required off loopback].")
@click.option("--max-body", type=click.IntRange(1024), default=8 * 1024 * 1024, show_default=True, metavar="BYTES",
              help="Largest request body accepted.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, token: str | None, max_body: int) -> None:
    """Serve the catalog over HTTP: a web page, a JSON API and its docs.

    Loads the model and the index once, so each search takes milliseconds.
    While it runs, `modelkb` commands for the same catalog use it (same
    output, no start-up cost); ingests through the CLI or the API show up in
    the next search.

    \b
    Examples:
      modelkb serve                      # http://127.0.0.1:8765/  (API docs at /docs)
      curl 'http://127.0.0.1:8765/api/search?q=deblur&k=3'
      MODELKB_TOKEN=s3cret modelkb serve --host 0.0.0.0
    """
    from modelkb.server import client_url, is_loopback
    from modelkb.server import serve as run_server

    if not is_loopback(host) and not token:
        raise click.UsageError(f"--host {host} is not loopback: give --token (or MODELKB_TOKEN) to protect writes")
    app = app_for(ctx)
    info(ctx, f"loading the model and the index of {app.settings.db_url} ...")
    run_server(app, host=host, port=port, token=token, max_body=max_body,
               ready=lambda url, _server: info(ctx, f"modelkb serving on {client_url(host, port)}/ (API docs: /docs; Ctrl-C stops)"))
