"""modelkb: the application — config, CLI, wiring, server."""

from catalog.errors import BadInput, Forbidden, ModelkbError, NotFound, Unavailable

__version__ = "0.1.0"

__all__ = ["BadInput", "Forbidden", "ModelkbError", "NotFound", "Unavailable", "__version__"]
