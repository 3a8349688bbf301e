"""Exit statuses: which error class ends a command with which code, in one table."""

from __future__ import annotations

import sys

from modelkb import BadInput, Forbidden, ModelkbError, NotFound, Unavailable

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


def describe(exc: BaseException) -> str:
    """The error as one line: our own messages as they are, anything else with its class
    (and a hint to rerun with -v for the traceback)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, ModelkbError):
        return text
    sa_errors = sys.modules.get("sqlalchemy.exc")  # loaded iff the database was used
    if sa_errors is not None and isinstance(exc, sa_errors.SQLAlchemyError):
        return f"database error: {text[:300]}"
    return f"{type(exc).__name__}: {text[:300]} (run with -v for the traceback)"
