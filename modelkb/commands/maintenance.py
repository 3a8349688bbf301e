"""Keeping the search index right: `reindex`, `doctor`."""

from __future__ import annotations

import click

from modelkb.commands.shared import app_for, echo_json, embed_progress, json_option


@click.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the search index from scratch (after changing --model, say)."""
    app = app_for(ctx)
    with embed_progress(ctx, "Embedding") as tick:
        report = app.sync_index(rebuild=True, progress=tick, on_start=tick.start)
    click.echo(f"indexed {report.total} item(s), {report.embedded} embedded")


@click.command()
@json_option
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check that the catalog and its search index agree; exit 1 if not.

    A stale or broken index is fixed by the next ingest or search, or by
    `modelkb reindex`.
    """
    from modelkb.backends import index_location

    app = app_for(ctx)
    problems = app.doctor()
    stats_ = app.stats().as_dict()
    if as_json:
        echo_json({"ok": not problems, "problems": problems, "stats": stats_, "index": index_location(app.index)})
    elif problems:
        for p in problems:
            click.echo(f"problem: {p}")
        click.echo("fix: run `modelkb reindex`")
    else:
        click.echo(f"ok: {stats_['items']} item(s) in catalog and index ({index_location(app.index)})")
    if problems:
        ctx.exit(1)
