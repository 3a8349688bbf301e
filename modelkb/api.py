"""The application API in its JSON shape: what `--json` prints and what HTTP returns.

`LocalApi` runs `App` in this process; `modelkb.client.RemoteApi` asks a
running `modelkb serve` over HTTP, whose endpoints call `LocalApi`. Both have
the same methods and return the same plain data (dicts, lists, Markdown
strings), so the CLI prints identical output whichever one it uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from modelkb.app import App
from modelkb.inputs import InputFile

if TYPE_CHECKING:  # types only: importing it at run time would load numpy eagerly
    from answerer.answer import Answer

Progress = Callable[[int], None]


class Api(Protocol):
    """What the CLI needs, in JSON-shaped values (see LocalApi for the meaning)."""

    def stats(self) -> dict[str, int]: ...
    def items(self, kind: str | None = None, task: str | None = None) -> list[dict[str, Any]]: ...
    def item(self, ref: str) -> dict[str, Any]: ...
    def search(self, q: str, k: int = 10, mode: str = "hybrid", kind: str | None = None,
               task: str | None = None) -> list[dict[str, Any]]: ...
    def answer(self, f: InputFile, fmt: str = "md", ingest: bool = True) -> str | dict[str, Any]: ...
    def ask(self, question: str, k: int = 6, fmt: str = "md") -> str | dict[str, Any]: ...
    def ingest(self, files: Sequence[InputFile], jsonl: Sequence[InputFile] = (), index: bool = True,
               progress: Progress | None = None, embed_progress: Progress | None = None,
               embed_start: Progress | None = None) -> dict[str, Any]: ...
    def refresh_index(self) -> None: ...


class LocalApi:
    """`App` in this process, answering in JSON-shaped values."""

    def __init__(self, app: App):
        self.app = app

    def stats(self) -> dict[str, int]:
        return self.app.stats().as_dict()

    def items(self, kind: str | None = None, task: str | None = None) -> list[dict[str, Any]]:
        return [i.as_dict() for i in self.app.items(kind=kind, task=task)]

    def item(self, ref: str) -> dict[str, Any]:
        return self.app.item(ref).as_dict()

    def search(self, q: str, k: int = 10, mode: str = "hybrid", kind: str | None = None,
               task: str | None = None) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.app.search(q, k=k, mode=mode, kind=kind, task=task)]

    def answer(self, f: InputFile, fmt: str = "md", ingest: bool = True) -> str | dict[str, Any]:
        """Markdown, or the JSON object with `source` (the file's name) added."""
        return render_answer(self.app.answer(f, ingest=ingest), fmt, source=f.name)

    def ask(self, question: str, k: int = 6, fmt: str = "md") -> str | dict[str, Any]:
        return render_answer(self.app.ask(question, k=k), fmt)

    def ingest(self, files: Sequence[InputFile], jsonl: Sequence[InputFile] = (), index: bool = True,
               progress: Progress | None = None, embed_progress: Progress | None = None,
               embed_start: Progress | None = None) -> dict[str, Any]:
        summary = self.app.ingest(files, progress=progress, jsonl=jsonl, index=index,
                                  embed_progress=embed_progress, embed_start=embed_start)
        return summary.as_dict()

    def refresh_index(self) -> None:
        self.app.sync_index()


def render_answer(answer: Answer, fmt: str, source: str | None = None) -> str | dict[str, Any]:
    from answerer.render import to_dict, to_markdown

    if fmt == "md":
        return to_markdown(answer)
    data = to_dict(answer)
    if source is not None:
        data["source"] = source
    return data
