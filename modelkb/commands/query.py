"""Asking the catalog: `search`, `answer` (prompt files), `ask` (a question)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from modelkb import BadInput
from modelkb.commands.exit_codes import OTHER_FAILURE, describe, exit_code
from modelkb.commands.shared import api_for, echo_json, format_option, info, json_option, progress


@click.command()
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

    QUESTION may also be the paper or code link of stored items (any arXiv
    spelling, or `arxiv:ID`): those items come first, then the ones most like them.

    \b
    Examples:
      modelkb search "upscale a blurry CCTV face" --kind model
      modelkb search "MIMO-UNet RealBlur" --mode lexical -k 3
      modelkb search "realistic chrome reflections" --json
      modelkb search https://arxiv.org/abs/2306.05284 --kind model
    """
    results = api_for(ctx).search(question, k=k, mode=mode, kind=kind, task=task)
    if as_json:
        echo_json(results)
        return
    if not results:
        click.echo("no results (is the catalog empty? try `modelkb ingest PATH`)", err=True)
        return
    for rank, r in enumerate(results, 1):
        click.echo(f"{rank:>2}. {r['score']:.3f}  [{r['kind']}] {r['name']}")
        links = "  ".join(x for x in (r["paper_url"], r["github_url"]) if x)
        if links:
            click.echo(f"           {links}")


@click.command()
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
    from modelkb.inputs import expand

    api = api_for(ctx)
    inputs = expand(list(files))
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
                info(ctx, f"note: {f.name} is answered in {target} (another input has the same name)")
    with progress(ctx, len(inputs), "Answering") as bar:
        for n, f in enumerate(inputs):
            try:
                ans = api.answer(f, fmt=fmt, ingest=not no_ingest)
            except Exception as exc:
                if ctx.obj.get("verbose"):
                    raise
                failed += 1
                codes.add(exit_code(exc))
                message = describe(exc)  # bad input (ParseError) names the file (and line) itself
                click.echo(f"error: {message if isinstance(exc, BadInput) else f'{f.name}: {message}'}", err=True)
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


@click.command()
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
    ans = api_for(ctx).ask(question, k=k, fmt=fmt)
    click.echo(ans if fmt == "md" else json.dumps(ans, indent=2, ensure_ascii=False))


def output_path(out_dir: Path, name: str, fmt: str) -> Path:
    """Where `answer -o DIR` writes the answer to the input `name`: its stem, .md or .json."""
    stem = Path(name).stem if name != "<stdin>" else "stdin"
    return out_dir / f"{stem}.{'md' if fmt == 'md' else 'json'}"


def output_paths(out_dir: Path, names: list[str], fmt: str) -> list[Path]:
    """One answer file per input, never two inputs on one file: `a/x.txt` and
    `b/x.txt` become `x.md` and `x-2.md` (compared case-insensitively, as on
    macOS and Windows file systems)."""
    taken: set[str] = set()
    out = []
    for name in names:
        path = output_path(out_dir, name, fmt)
        n = 1
        while path.name.casefold() in taken:
            n += 1
            base = output_path(out_dir, name, fmt)
            path = base.with_name(f"{base.stem}-{n}{base.suffix}")
        taken.add(path.name.casefold())
        out.append(path)
    return out
