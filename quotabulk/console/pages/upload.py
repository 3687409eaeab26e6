"""The upload page: files in, kept under `$QUOTABULK_HOME/console/<upload>/`."""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from quotabulk.app.planning import INPUT_SUFFIXES
from quotabulk.console.context import console_of, forged, page, refused, signed_in, words_of
from quotabulk.console.uploads import private_folder, write_private

# What the readers read, and `.xlsb`, which its reader refuses with the way out.
ACCEPTED = (*INPUT_SUFFIXES, ".xlsb")
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 10

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def upload_form(request: Request) -> HTMLResponse:
    return page(request, "upload.html")


@router.post("/upload")
async def upload(
    request: Request,
    files: Annotated[list[UploadFile] | None, File()] = None,
    csrf: str = Form(""),
    skip_invalid: bool = Form(False),
) -> Response:
    refusal = forged(request, csrf)
    if refusal is not None:
        return refusal
    console = console_of(request)
    who = signed_in(request)
    if await run_in_threadpool(console.four_eyes) and (who is None or who.role != "maker"):
        return refused(request, "makers_upload")
    # A browser sends one empty part when no file was chosen.
    files = [item for item in files or [] if item.filename]
    words = words_of(request)
    if not files or len(files) > MAX_FILES:
        error = words["upload_count"].format(most=MAX_FILES)
        return page(request, "upload.html", error=error, status=400)
    upload_id = secrets.token_urlsafe(9)
    folder = console.uploads / upload_id
    private_folder(folder)
    for index, item in enumerate(files):
        name = _safe_name(item.filename or "")
        if not name.lower().endswith(ACCEPTED):
            shutil.rmtree(folder)
            error = words["upload_kind"].format(name=name, kinds=", ".join(INPUT_SUFFIXES))
            return page(request, "upload.html", error=error, status=400)
        data = await item.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            shutil.rmtree(folder)
            error = words["upload_size"].format(name=name, mb=MAX_FILE_BYTES // 1024 // 1024)
            return page(request, "upload.html", error=error, status=413)
        write_private(private_folder(folder / f"{index}") / name, data)
    meta = {"skip_invalid": skip_invalid, "uploaded_by": None if who is None else who.user}
    write_private(folder / "meta.json", json.dumps(meta).encode())
    return RedirectResponse(f"/u/{upload_id}", status_code=303)


MAX_NAME_BYTES = 200  # file systems take 255 bytes; Cyrillic is 2 bytes a letter


def _safe_name(given: str) -> str:
    """The uploaded file's own name, shortened to what any file system keeps (its kind,
    the suffix, stays)."""
    name = Path(given.replace("\\", "/")).name
    stem, suffix = Path(name).stem, Path(name).suffix
    while len((stem + suffix).encode()) > MAX_NAME_BYTES and stem:
        stem = stem[:-1]
    return stem + suffix
