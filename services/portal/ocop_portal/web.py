"""Page rendering: the language of the reader, the templates and their filters.

Vietnamese is the first language; `?lang=en` (remembered in a cookie) switches to English. Templates
write both languages side by side, `T("Tìm kiếm", "Search")`, so a page reads in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ocop_contracts import VIETNAM_TZ
from ocop_portal.photos import photo_url

Lang = Literal["vi", "en"]
LANG_COOKIE = "lang"
PACKAGE_DIR = Path(__file__).parent
STATIC_DIR = PACKAGE_DIR / "static"

templates = Jinja2Templates(directory=str(PACKAGE_DIR / "templates"))
# Product pictures go through one function, so thumbnails can plug in without touching templates.
templates.env.globals["photo_url"] = photo_url


def pick_language(request: Request) -> Lang:
    """`?lang=` first, then the cookie, then Vietnamese."""
    for value in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value in ("vi", "en"):
            return value  # type: ignore[return-value]
    return "vi"


def translator(lang: Lang) -> Callable[[str, str], str]:
    def pick(vietnamese: str, english: str) -> str:
        return english if lang == "en" else vietnamese

    return pick


def format_number(value: Any, lang: Lang = "vi", decimals: int = 0) -> str:
    """`12345.5` → `12.345,5` in Vietnamese, `12,345.5` in English; None → `—`."""
    if value is None or value == "":
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_score(value: Any, lang: Lang = "vi") -> str:
    """Scores keep up to two decimals, without trailing zeros (`72`, `72,5`, `72,25`)."""
    if value is None:
        return "—"
    try:
        number = round(float(value), 2)
    except (TypeError, ValueError):
        return str(value)
    decimals = 0 if number == int(number) else (1 if round(number, 1) == number else 2)
    return format_number(number, lang, decimals)


def format_vnd(value: Any, lang: Lang = "vi") -> str:
    if value is None or value == "":
        return "—"
    return f"{format_number(value, lang)} ₫"


def format_date(value: Any) -> str:
    """ISO date or datetime → `dd/mm/yyyy` (datetimes in Vietnam's time zone)."""
    if value in (None, ""):
        return "—"
    try:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            return value.strftime("%d/%m/%Y")
        elif len(str(value)) <= 10:
            return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        else:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM_TZ)
        return moment.strftime("%d/%m/%Y %H:%M")
    return moment.strftime("%d/%m/%Y")


def star_text(stars: Any) -> str:
    """`4` → `★★★★☆`."""
    try:
        count = max(0, min(5, int(stars)))
    except (TypeError, ValueError):
        return "—"
    return "★" * count + "☆" * (5 - count)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def url_with(request: Request, **changes: Any) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    params: dict[str, str] = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return f"{request.url.path}?{query}" if query else request.url.path


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a template with what every page needs: language, translator, signed-in staff."""
    from ocop_portal.staff.auth import ROLE_NAMES, staff_of

    lang = pick_language(request)
    full: dict[str, Any] = {
        "lang": lang,
        "T": translator(lang),
        "staff": staff_of(request),
        "role_names": ROLE_NAMES,
        "settings": request.app.state.settings,
        "num": lambda value, decimals=0: format_number(value, lang, decimals),
        "score": lambda value: format_score(value, lang),
        "vnd": lambda value: format_vnd(value, lang),
        "day": format_date,
        "star_text": star_text,
        "url_with": lambda **changes: url_with(request, **changes),
        "other_lang_url": url_with(request, lang="en" if lang == "vi" else "vi"),
    }
    full.update(context or {})
    response = templates.TemplateResponse(request, template, full, status_code=status_code)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
