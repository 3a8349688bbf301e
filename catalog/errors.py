"""The one error family of modelkb, at the bottom of the dependency graph.

Every package raises a subclass of `ModelkbError` for failures a user should
see as one clear line (never a traceback). The CLI maps them to exit codes and
the server to HTTP statuses by `isinstance`, so a new error only has to pick
the right base here. This module imports nothing, so catalog (which imports
nothing of ours) and every layer above can use it.
"""

from __future__ import annotations


class ModelkbError(Exception):
    """Something went wrong that the message explains in one line."""


class BadInput(ModelkbError, ValueError):
    """The input (a file, a request, a dataset) is wrong; the user can fix it (HTTP 400)."""


class NotFound(ModelkbError, LookupError):
    """The thing asked for is not in the catalog (HTTP 404)."""


class Unavailable(ModelkbError, RuntimeError):
    """A resource (database, model, index) cannot be used right now (HTTP 503)."""


class Forbidden(ModelkbError, PermissionError):
    """A write was attempted without the token the server requires (HTTP 403)."""


__all__ = ["BadInput", "Forbidden", "ModelkbError", "NotFound", "Unavailable"]
