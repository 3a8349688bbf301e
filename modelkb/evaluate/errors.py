"""The error of `modelkb eval`: a dataset or labels file that cannot be evaluated."""

from __future__ import annotations

from catalog.errors import BadInput


class EvalError(BadInput):
    """The dataset or labels cannot be evaluated; the message says why in one line."""
