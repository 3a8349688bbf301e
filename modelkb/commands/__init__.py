"""The `modelkb` commands, one module per group; `modelkb.cli` puts them under one `click` group.

- `catalog`: ingest, list, show, stats (building and browsing the catalog)
- `query`: search, answer, ask (asking it)
- `serving`: serve
- `maintenance`: reindex, doctor
- `evaluation`: eval
- `shared`: what the commands share: the --json / --format options, the `Api`
  (a running server, else the application in this process), notices and
  progress bars on stderr, JSON output
- `exit_codes`: error class -> exit status, the one table

Commands talk to `modelkb.api.Api` (or to `modelkb.app.App` for maintenance)
and import everything heavy inside their function, so `modelkb --help` loads
click and these modules only; nothing here imports `db` (a test checks).
"""
