"""Building and browsing the catalog: `ingest`, `list`, `show`, `stats`."""

from __future__ import annotations

from pathlib import Path

import click

from modelkb.commands.shared import api_for, echo_json, embed_progress, json_option, progress


@click.command()
@click.argument("paths", nargs=-1, metavar="PATH...")
@click.option("--jsonl", "jsonl", multiple=True, metavar="FILE",
              help="Bulk-import a JSONL file: one JSON object per line (_id, title, text as in BEIR; "
                   "optional kind, name, paper_url/url, github_url, summary). Repeatable.")
@click.option("--no-index", is_flag=True, help="Only store in the catalog; embed later with `reindex` or the next search.")
@json_option
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], jsonl: tuple[str, ...], no_index: bool, as_json: bool) -> None:
    """Add prompt or answer files to the catalog.

    Folders are read recursively (*.txt and *.prompt files, not README or
    LICENSE); name other files explicitly; `-` reads one file from stdin.
    Each file goes in whole or not at all; identical bytes are skipped; a bad
    file is reported on stderr and the rest still go in (exit code 1).

    \b
    Examples:
      modelkb ingest ../shared/seeds/
      modelkb ingest new_prompt.txt other.txt
      cat prompt.txt | modelkb ingest -
      modelkb ingest --jsonl corpus.jsonl
    """
    from modelkb.inputs import InputFile, expand

    if not paths and not jsonl:
        raise click.UsageError("give PATH... or --jsonl FILE")
    api = api_for(ctx)
    files = expand(list(paths))
    bulk = [InputFile(f, Path(f)) for f in jsonl]
    with progress(ctx, len(files) + len(bulk), "Ingesting") as bar, embed_progress(ctx, "Embedding") as tick:
        summary = api.ingest(files, jsonl=bulk, index=not no_index, progress=bar.update, embed_progress=tick,
                             embed_start=tick.start)
    for err in summary["errors"]:
        click.echo(f"error: {err}", err=True)
    if summary.get("index_error"):
        click.echo(f"error: {summary['index_error']}", err=True)
    if as_json:
        echo_json(summary)
    else:
        click.echo(
            f"{len(files) + len(bulk)} file(s): {summary['files_new']} new, {summary['files_unchanged']} unchanged, "
            f"{summary['files_failed']} failed"
            + (f", {summary['files_skipped']} not tried" if summary.get("files_skipped") else "")
            + f"; items: {summary['items_new']} new, {summary['items_enriched']} enriched"
            + ("" if no_index or summary.get("files_skipped") or summary.get("index_error")
               else f"; {summary['embedded']} embedded")
        )
    if summary["files_failed"] or summary.get("index_error"):
        ctx.exit(1)


@click.command("list")
@click.option("--kind", type=click.Choice(["model", "paper"]), help="Only models or only papers.")
@click.option("--task", metavar="PREFIX", help="Only zoo models of this task prefix.")
@json_option
@click.pass_context
def list_(ctx: click.Context, kind: str | None, task: str | None, as_json: bool) -> None:
    """List catalog items (models first, then papers).

    \b
    Examples:
      modelkb list --kind model
      modelkb list --json
    """
    items = api_for(ctx).items(kind=kind, task=task)
    if as_json:
        echo_json(items)
        return
    for i in items:
        click.echo(f"{i['key']}\t{i['name']}")


@click.command()
@click.argument("item")
@json_option
@click.pass_context
def show(ctx: click.Context, item: str, as_json: bool) -> None:
    """Show one item and the files and questions it came from.

    ITEM is a key (`arxiv:2308.15462`, `model:deblur-mimo-unet-realblur`), an id,
    a name, its paper or code link (any arXiv spelling), or a part of a name that
    matches one item (`mimo-unet`).

    \b
    Examples:
      modelkb show arxiv:2308.15462
      modelkb show http://arxiv.org/pdf/2308.15462v1.pdf --json
      modelkb show https://github.com/chosj95/MIMO-UNet
    """
    d = api_for(ctx).item(item)
    sources = d["sources"]
    if as_json:
        echo_json(d)
        return
    for field in ("key", "kind", "name", "task", "architecture", "variant", "paper_url", "github_url"):
        if d[field]:
            click.echo(f"{field:>12}: {d[field]}")
    if d["summary"]:
        click.echo(f"{'summary':>12}: {d['summary']}")
    click.echo(f"{'sources':>12}: {len(sources)} file(s)")
    for s in sources:
        click.echo(f"  - {s['path']} ({s['role']} #{s['position'] + 1}): {s['question']}")


@click.command()
@json_option
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts of documents, items (models, papers) and mentions."""
    data = api_for(ctx).stats()
    if as_json:
        echo_json(data)
    else:
        for k, v in data.items():
            click.echo(f"{k:>10}: {v}")
