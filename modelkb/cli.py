"""The `modelkb` command line: a thin layer of click commands over the application API.

Commands talk to `modelkb.api.Api`: a running `modelkb serve` for the same
catalog when there is one (`modelkb.client`), else `modelkb.app.App` in this
process; the output is the same either way. Nothing heavy is imported at
module level, so `modelkb --help` is instant; nothing here imports `db`.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from modelkb import BadInput, Forbidden, ModelkbError, NotFound, Unavailable, __version__

#: Exit status per error kind (isinstance, first match), with what it means for `--help`.
#: Anything else (a bug, an unexpected library error) exits 1 with its class name and a
#: hint to rerun with -v; 2 is click's, for a wrong option or argument.
EXIT_CODES: tuple[tuple[type[BaseException], int, str], ...] = (
    (BadInput, 3, "bad input: a file or value that cannot be used (the message names it)"),
    (NotFound, 4, "not found: no such item, or the catalog is empty"),
    (Unavailable, 5, "unavailable: the database, model, search index or server cannot be used now"),
    (Forbidden, 6, "forbidden: the server needs its token for writes"),
)
OTHER_FAILURE = 1


def exit_code(exc: BaseException) -> int:
    """The exit status for an error that ends a command (see EXIT_CODES)."""
    return next((code for kind, code, _ in EXIT_CODES if isinstance(exc, kind)), OTHER_FAILURE)


def exit_codes_help() -> str:
    """The exit statuses as `modelkb --help` lists them."""
    rows = [("0", "success"),
            ("1", "some files of a batch failed (each named above), doctor found problems, or an unexpected error"),
            ("2", "wrong command-line usage")]
    rows += [(str(code), meaning) for _, code, meaning in EXIT_CODES]
    return "\b\nExit status:\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in rows)


class _Error(click.ClickException):
    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class _Group(click.Group):
    """Turns our known errors into one `Error: …` line and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            raise click.ClickException("interrupted; every file already reported as stored is safe") from None
        except Exception as exc:
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            raise _Error(_describe(exc), exit_code(exc)) from None


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, ModelkbError):
        return text
    sa_errors = sys.modules.get("sqlalchemy.exc")  # loaded iff the database was used
    if sa_errors is not None and isinstance(exc, sa_errors.SQLAlchemyError):
        return f"database error: {text[:300]}"
    return f"{type(exc).__name__}: {text[:300]} (run with -v for the traceback)"


# -- shared option bundles --------------------------------------------------

def json_option(fn: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table.")(fn)


def format_option(fn: Callable) -> Callable:
    return click.option(
        "--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True,
        help="Markdown for people, JSON for programs.",
    )(fn)


def _app(ctx: click.Context):
    """The application in this process (maintenance commands, and the fallback of `_api`)."""
    from modelkb.app import App
    from modelkb.config import load_settings

    obj = ctx.find_root().obj
    if "app" not in obj:
        settings = load_settings(db=obj["db"], model=obj["model"])
        obj["app"] = App(settings, notify=lambda msg: _info(ctx, msg))
    return obj["app"]


def _api(ctx: click.Context):
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

            obj["api"] = LocalApi(_app(ctx))
    return obj["api"]


def _info(ctx: click.Context, msg: str) -> None:
    if not ctx.find_root().obj.get("quiet"):
        click.echo(msg, err=True)


def _progress(ctx: click.Context, length: int, label: str):
    """A progress bar on stderr for long work; silent with --quiet or for a single step."""
    quiet = ctx.find_root().obj.get("quiet") or length <= 1 or not sys.stderr.isatty()
    return click.progressbar(length=length, label=label, file=sys.stderr if not quiet else _Null(), show_pos=True)


class _EmbedProgress:
    """Progress of embedding, whose size is known only inside the sync: `start(n)` opens
    a click progress bar (position, rate and ETA) for n texts, calling it advances it."""

    def __init__(self, ctx: click.Context, label: str) -> None:
        self.ctx, self.label, self.bar = ctx, label, None

    def start(self, total: int) -> None:
        self.bar = _progress(self.ctx, total, self.label)
        self.bar.__enter__()

    def __call__(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)


@contextlib.contextmanager
def _counter(ctx: click.Context, label: str) -> Iterator[_EmbedProgress]:
    """An embedding progress bar on stderr (silent with --quiet or when not a terminal)."""
    tick = _EmbedProgress(ctx, label)
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


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _is_bad_input(exc: BaseException) -> bool:
    from modelkb import BadInput

    return isinstance(exc, BadInput)


# -- the group ----------------------------------------------------------------

@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]}, epilog=exit_codes_help())
@click.version_option(__version__, prog_name="modelkb")
@click.option("--db", envvar="MODELKB_DB", metavar="URL",
              help="SQLAlchemy URL or SQLite path of the catalog [env MODELKB_DB; default: catalog.db in the data dir].")
@click.option("--model", envvar="MODELKB_MODEL", metavar="PATH|NAME",
              help="Sentence-transformers model to embed with [env MODELKB_MODEL; default: bundled all-MiniLM-L6-v2].")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks and more detail.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or notices on stderr.")
@click.option("--no-server", is_flag=True, envvar="MODELKB_NO_SERVER",
              help="Work in this process even when a `modelkb serve` for this catalog is running.")
@click.pass_context
def cli(ctx: click.Context, db: str | None, model: str | None, verbose: bool, quiet: bool, no_server: bool) -> None:
    """A knowledge base of AI models and papers: ingest prompt files, search, answer.

    \b
    Quick start:
      modelkb ingest ../shared/seeds/     # build the catalog
      modelkb search "sharpen a blurry photo" --kind model
      modelkb answer examples/01_*.txt    # ranked, grounded answer
      modelkb stats --json
    """
    ctx.ensure_object(dict)
    ctx.obj.update(db=db, model=model, verbose=verbose, quiet=quiet, no_server=no_server)


# -- ingest -------------------------------------------------------------------

@cli.command()
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
    from modelkb.app import resolve_paths
    from modelkb.inputs import InputFile

    if not paths and not jsonl:
        raise click.UsageError("give PATH... or --jsonl FILE")
    api = _api(ctx)
    files = resolve_paths(list(paths))
    bulk = [InputFile(f, Path(f)) for f in jsonl]
    with _progress(ctx, len(files) + len(bulk), "Ingesting") as bar, _counter(ctx, "Embedding") as tick:
        summary = api.ingest(files, jsonl=bulk, index=not no_index, progress=bar.update, embed_progress=tick,
                             embed_start=tick.start)
    for err in summary["errors"]:
        click.echo(f"error: {err}", err=True)
    if summary.get("index_error"):
        click.echo(f"error: {summary['index_error']}", err=True)
    if as_json:
        _echo_json(summary)
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


# -- search -------------------------------------------------------------------

@cli.command()
@click.argument("question")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True, help="How many results.")
@click.option("--kind", type=click.Choice(["model", "paper"]), help="Only models or only papers.")
@click.option("--task", metavar="PREFIX", help="Only zoo models of this task prefix (Txt2Img, Deblur, SR, …).")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid", show_default=True,
              help="Fused BM25 + embeddings, embeddings only, or BM25 only.")
@json_option
@click.pass_context
def search(ctx: click.Context, question: str, k: int, kind: str | None, task: str | None, mode: str, as_json: bool) -> None:
    """Which models or papers fit QUESTION, best first.

    \b
    Examples:
      modelkb search "upscale a blurry CCTV face" --kind model
      modelkb search "MIMO-UNet RealBlur" --mode lexical -k 3
      modelkb search "realistic chrome reflections" --json
    """
    results = _api(ctx).search(question, k=k, mode=mode, kind=kind, task=task)
    if as_json:
        _echo_json(results)
        return
    if not results:
        click.echo("no results (is the catalog empty? try `modelkb ingest PATH`)", err=True)
        return
    for rank, r in enumerate(results, 1):
        click.echo(f"{rank:>2}. {r['score']:.3f}  [{r['kind']}] {r['name']}")
        links = "  ".join(x for x in (r["paper_url"], r["github_url"]) if x)
        if links:
            click.echo(f"           {links}")


# -- answer / ask -------------------------------------------------------------

@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@format_option
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write one answer file per input here instead of printing.")
@click.option("--no-ingest", is_flag=True, help="Answer without adding the files to the catalog.")
@click.pass_context
def answer(ctx: click.Context, files: tuple[str, ...], fmt: str, output_dir: Path | None, no_ingest: bool) -> None:
    """Answer prompt files from their own models and papers, ranked by relevance.

    Prints Markdown (or with --format json one object per file, one per line
    when there are several). A file that cannot be answered is reported and
    the rest are still answered; the exit code is then that error's (3 for a
    bad file, see `modelkb --help`), or 1 when files failed for different reasons.

    \b
    Examples:
      modelkb answer ../shared/seeds/004_*.txt
      modelkb answer examples/*.txt -o answers/
      modelkb answer prompt.txt --format json | jq .ranking[0]
    """
    from modelkb.app import output_path, output_paths, resolve_paths

    api = _api(ctx)
    inputs = resolve_paths(list(files))
    failed = 0
    codes: set[int] = set()  # the exit code of each failure
    rendered: list[str] = []
    targets: list[Path] = []
    if output_dir:
        try:
            output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise click.ClickException(f"cannot create {output_dir}: {exc.strerror or exc}") from None
        targets = output_paths(output_dir, [f.name for f in inputs], fmt)
        for f, target in zip(inputs, targets):
            if target != output_path(output_dir, f.name, fmt):
                _info(ctx, f"note: {f.name} is answered in {target} (another input has the same name)")
    with _progress(ctx, len(inputs), "Answering") as bar:
        for n, f in enumerate(inputs):
            try:
                ans = api.answer(f, fmt=fmt, ingest=not no_ingest)
            except Exception as exc:
                if ctx.obj.get("verbose"):
                    raise
                failed += 1
                codes.add(exit_code(exc))
                message = _describe(exc)  # bad input (ParseError) names the file (and line) itself
                click.echo(f"error: {message if _is_bad_input(exc) else f'{f.name}: {message}'}", err=True)
                bar.update(1)
                continue
            if fmt == "md":
                text = ans
            else:
                text = json.dumps(ans, indent=None if len(inputs) > 1 and not output_dir else 2, ensure_ascii=False)
            if output_dir:
                try:
                    targets[n].write_text(text + "\n", encoding="utf-8")
                except OSError as exc:  # one unwritable output does not stop the batch
                    failed += 1
                    codes.add(OTHER_FAILURE)
                    click.echo(f"error: {f.name}: cannot write {targets[n]}: {exc.strerror or exc}", err=True)
            else:
                rendered.append(text)
            bar.update(1)
    if not no_ingest and len(inputs) > failed:
        api.refresh_index()
    sep = "\n" if fmt == "json" else "\n\n---\n\n"
    if rendered:
        click.echo(sep.join(rendered))
    if failed:
        ctx.exit(codes.pop() if len(codes) == 1 else OTHER_FAILURE)


@cli.command()
@click.argument("question")
@click.option("-k", "k", type=click.IntRange(1, 50), default=6, show_default=True, help="How many catalog items to retrieve.")
@format_option
@click.pass_context
def ask(ctx: click.Context, question: str, k: int, fmt: str) -> None:
    """Answer QUESTION from the whole catalog: retrieve, rank, explain.

    \b
    Example:
      modelkb ask "How can I restore an old scratched family photo?"
    """
    ans = _api(ctx).ask(question, k=k, fmt=fmt)
    click.echo(ans if fmt == "md" else json.dumps(ans, indent=2, ensure_ascii=False))


# -- inspect ------------------------------------------------------------------

@cli.command("list")
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
    items = _api(ctx).items(kind=kind, task=task)
    if as_json:
        _echo_json(items)
        return
    for i in items:
        click.echo(f"{i['key']}\t{i['name']}")


@cli.command()
@click.argument("item")
@json_option
@click.pass_context
def show(ctx: click.Context, item: str, as_json: bool) -> None:
    """Show one item and the files and questions it came from.

    ITEM is a key (`arxiv:2308.15462`, `model:deblur-mimo-unet-realblur`), an id,
    a name, or a part of a name that matches one item (`mimo-unet`).
    """
    d = _api(ctx).item(item)
    sources = d["sources"]
    if as_json:
        _echo_json(d)
        return
    for field in ("key", "kind", "name", "task", "architecture", "variant", "paper_url", "github_url"):
        if d[field]:
            click.echo(f"{field:>12}: {d[field]}")
    if d["summary"]:
        click.echo(f"{'summary':>12}: {d['summary']}")
    click.echo(f"{'sources':>12}: {len(sources)} file(s)")
    for s in sources:
        click.echo(f"  - {s['path']} ({s['role']} #{s['position'] + 1}): {s['question']}")


@cli.command()
@json_option
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts of documents, items (models, papers) and mentions."""
    data = _api(ctx).stats()
    if as_json:
        _echo_json(data)
    else:
        for k, v in data.items():
            click.echo(f"{k:>10}: {v}")


# -- serve --------------------------------------------------------------------

@cli.command()
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
    app = _app(ctx)
    _info(ctx, f"loading the model and the index of {app.settings.db_url} ...")
    run_server(app, host=host, port=port, token=token, max_body=max_body,
               ready=lambda url, _server: _info(ctx, f"modelkb serving on {client_url(host, port)}/ (API docs: /docs; Ctrl-C stops)"))


# -- maintenance --------------------------------------------------------------

@cli.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the search index from scratch (after changing --model, say)."""
    app = _app(ctx)
    with _counter(ctx, "Embedding") as tick:
        report = app.sync_index(rebuild=True, progress=tick, on_start=tick.start)
    click.echo(f"indexed {report.total} item(s), {report.embedded} embedded")


@cli.command()
@json_option
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check that the catalog and its search index agree; exit 1 if not.

    A stale or broken index is fixed by the next ingest or search, or by
    `modelkb reindex`.
    """
    from modelkb.backends import index_location

    app = _app(ctx)
    problems = app.doctor()
    stats_ = app.stats().as_dict()
    if as_json:
        _echo_json({"ok": not problems, "problems": problems, "stats": stats_, "index": index_location(app.index)})
    elif problems:
        for p in problems:
            click.echo(f"problem: {p}")
        click.echo("fix: run `modelkb reindex`")
    else:
        click.echo(f"ok: {stats_['items']} item(s) in catalog and index ({index_location(app.index)})")
    if problems:
        ctx.exit(1)


# -- evaluation ---------------------------------------------------------------

@cli.command("eval")
@click.argument("dataset", required=False, metavar="[DATASET_DIR]",
                type=click.Path(exists=True, file_okay=False))
@click.option("--modes", default="lexical,dense,hybrid", show_default=True, metavar="LIST",
              help="Comma-separated search modes to score.")
@click.option("--limit-queries", type=click.IntRange(1), metavar="N", help="Only the first N judged queries.")
@click.option("--split", default="test", show_default=True, help="Which qrels/<split>.tsv to use.")
@click.option("--prompts", type=click.Path(exists=True, file_okay=False), metavar="DIR",
              help="Instead: score answer ranking on labeled prompt files in DIR (needs --labels).")
@click.option("--labels", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="labels.json for --prompts ({file: {grades: {item: 0-3}}}).")
@json_option
@click.pass_context
def eval_(ctx: click.Context, dataset: str | None, modes: str, limit_queries: int | None, split: str,
          prompts: str | None, labels: str | None, as_json: bool) -> None:
    """Measure retrieval quality on a BEIR-layout dataset, or answer ranking on labeled prompts.

    DATASET_DIR holds corpus.jsonl, queries.jsonl and qrels/test.tsv. The corpus
    goes into a throwaway catalog (never yours), is indexed, and every judged
    query is searched in each mode: nDCG@10, MRR@10 and Recall@100 per mode.

    \b
    Examples:
      modelkb eval tests/data/beir_tiny
      modelkb eval path/to/scifact --modes dense,hybrid --limit-queries 100 --json
      modelkb eval --prompts tests/data/labeled --labels tests/data/labeled/labels.json
    """
    from modelkb import evaluate
    from modelkb.config import load_settings

    model = load_settings(model=ctx.obj["model"]).model
    if prompts or labels:
        if dataset or not (prompts and labels):
            raise click.UsageError("use either DATASET_DIR, or --prompts DIR together with --labels FILE")
        result = evaluate.evaluate_prompts(prompts, labels, model=model)
        click.echo(json.dumps(result, indent=2) if as_json else evaluate.format_prompts(result))
        return
    if not dataset:
        raise click.UsageError("give DATASET_DIR (a BEIR-layout folder) or --prompts DIR --labels FILE")
    report = evaluate.evaluate_beir(
        dataset, model=model, modes=evaluate.parse_modes(modes), limit_queries=limit_queries, split=split,
        bar=lambda label, length: _progress(ctx, length, label), notify=lambda msg: _info(ctx, msg),
    )
    click.echo(json.dumps(report.metrics(), indent=2) if as_json else evaluate.format_beir(report))


def main() -> None:
    cli(obj={}, prog_name="modelkb")


if __name__ == "__main__":
    main()
