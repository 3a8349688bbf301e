"""`modelkb eval`: retrieval quality on a BEIR dataset, or answer ranking on labeled prompt files."""

from __future__ import annotations

import json

import click

from modelkb.commands.shared import info, json_option, progress


@click.command("eval")
@click.argument("dataset", required=False, metavar="[DATASET_DIR]",
                type=click.Path(exists=True, file_okay=False))
@click.option("--modes", default="lexical,dense,hybrid", show_default=True, metavar="LIST",
              help="Comma-separated search modes to score.")
@click.option("--limit-queries", type=click.IntRange(1), metavar="N", help="Only the first N judged queries.")
@click.option("--split", default="test", show_default=True, help="Which qrels/<split>.tsv to use.")
@click.option("--prompts", type=click.Path(exists=True, file_okay=False), metavar="DIR",
              help="Instead: score the answers to labeled prompt files in DIR (needs --labels): task "
                   "heading, wrong family, top-1, nDCG@3, per family, and how often the task is right "
                   "at each stated confidence.")
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
        bar=lambda label, length: progress(ctx, length, label), notify=lambda msg: info(ctx, msg),
    )
    click.echo(json.dumps(report.metrics(), indent=2) if as_json else evaluate.format_beir(report))
