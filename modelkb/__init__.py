"""modelkb: the application — config, CLI, wiring."""

__version__ = "0.1.0"
