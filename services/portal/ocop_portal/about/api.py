"""The about page: what OCOP is, the star levels, how to read the QR code, the legal basis."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ocop_portal.web import render

router = APIRouter(tags=["pages"], include_in_schema=False)
PROGRAMME_FILE = Path(__file__).with_name("programme.json")


@cache
def programme() -> dict[str, Any]:
    """The programme's legal basis and star levels (a data file with its sources)."""
    data: dict[str, Any] = json.loads(PROGRAMME_FILE.read_text(encoding="utf-8"))
    return data


@router.get("/gioi-thieu", response_class=HTMLResponse)
def about_page(request: Request) -> HTMLResponse:
    return render(request, "about.html", {"programme": programme()})


@router.get("/about")
def about_in_english(request: Request) -> RedirectResponse:
    """`/about` is the English reader's guess: the same page, in English."""
    return RedirectResponse("/gioi-thieu?lang=en", status_code=308)
