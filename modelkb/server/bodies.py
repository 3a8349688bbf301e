"""What the endpoints accept: the JSON request bodies (pydantic) and the answer form.

A bad body is one `BadInput` (HTTP 400) naming each problem; an upload is
read into memory only, never spooled to a file.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel, Field, ValidationError

from catalog.errors import BadInput
from modelkb.inputs import InputFile

Format = Literal["md", "json"]


class Upload(BaseModel):
    """One file's bytes: `text`, or `data_base64` for exact bytes; `error` reports a file the client could not read."""

    name: str = Field("<upload>", max_length=4096)
    text: str | None = None
    data_base64: str | None = None
    error: str | None = None

    def input_file(self) -> InputFile:
        if self.error is not None:
            return InputFile(self.name, None, error=self.error)
        if self.data_base64 is not None:
            try:
                return InputFile.of_bytes(self.name, base64.b64decode(self.data_base64, validate=True))
            except binascii.Error:
                raise BadInput(f"{self.name}: data_base64 is not valid base64") from None
        if self.text is not None:
            return InputFile.of_bytes(self.name, self.text.encode("utf-8"))
        raise BadInput(f"{self.name}: give text or data_base64")


class AnswerRequest(Upload):
    name: str = Field("<text>", max_length=4096)
    format: Format = "md"
    ingest: bool = False


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=10_000)
    k: int = Field(6, ge=1, le=50)
    format: Format = "md"


class IngestRequest(BaseModel):
    files: list[Upload] = []
    jsonl: list[Upload] = []
    index: bool = True


async def json_body(request: Request, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise BadInput(f"bad request body: {problems}") from None


async def multipart_answer(request: Request, max_body: int, fmt: str | None = None) -> AnswerRequest:
    """A form with an uploaded `file` or a pasted `text`; the upload is read into memory only."""
    from starlette.datastructures import UploadFile

    try:
        form = await request.form(max_files=1, max_fields=10, max_part_size=max_body)
    except Exception as exc:  # malformed multipart, too many parts
        raise BadInput(f"bad form: {exc}") from None
    upload, text = form.get("file"), form.get("text")
    fmt = fmt or str(form.get("format") or "md")
    if fmt not in ("md", "json"):
        raise BadInput("format must be md or json")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        await upload.close()
        if data:
            return AnswerRequest(name=Path(upload.filename).name or "<upload>",
                                 data_base64=base64.b64encode(data).decode(), format=fmt)
    if isinstance(text, str) and text.strip():
        return AnswerRequest(name="<pasted>", text=text, format=fmt)
    raise BadInput("paste a prompt file or choose one to upload")
