"""The `modelkb` command line: the entry point, a thin layer over the application API.

Here are the group with the global options and the one place where an error
becomes an `Error: …` line and an exit status (`EXIT_CODES`); the commands are
in `modelkb.commands`, one module per group. Commands talk to `modelkb.api.Api`:
a running `modelkb serve` for the same catalog when there is one
(`modelkb.client`), else `modelkb.app.App` in this process; the output is the
same either way. Nothing heavy is imported at module level, so `modelkb --help`
is instant; nothing here imports `db`.
"""

from __future__ import annotations

from typing import Any

import click

from modelkb import __version__
from modelkb.commands import catalog, evaluation, maintenance, query, serving
from modelkb.commands.exit_codes import EXIT_CODES, describe, exit_code, exit_codes_help

__all__ = ["EXIT_CODES", "cli", "exit_code", "main"]


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
            raise _Error(describe(exc), exit_code(exc)) from None


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


for _command in (
    catalog.ingest, catalog.list_, catalog.show, catalog.stats,
    query.search, query.answer, query.ask,
    serving.serve,
    maintenance.reindex, maintenance.doctor,
    evaluation.eval_,
):
    cli.add_command(_command)


def main() -> None:
    cli(obj={}, prog_name="modelkb")


if __name__ == "__main__":
    main()
