"""The score card as a council member sees it: its criteria placed under the set's parts and
sections, and the submitted form read back into a sheet. Pure functions, no I/O.

What a sheet adds up to (total, stars, the cap of a failed mandatory criterion) is the evaluation
service's to say: the scoring screen asks its preview endpoint, never a copy of the rules here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Option:
    """An answer printed on the card; `number` counts from 1 in the card's order."""

    number: int
    points: float
    text: str


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    allowed_points: list[float]
    mandatory_from_stars: int | None = None
    # With options, the member picks an answer and the points follow.
    options: tuple[Option, ...] = ()

    @property
    def max_points(self) -> float:
        return max(self.allowed_points) if self.allowed_points else 0.0


@dataclass
class Section:
    code: str
    name: str
    criteria: list[Criterion] = field(default_factory=list)


@dataclass
class Part:
    code: str
    name: str
    max_points: float
    sections: list[Section] = field(default_factory=list)

    def criteria(self) -> list[Criterion]:
        return [c for s in self.sections for c in s.criteria]


def read_criteria(raw: Iterable[Any]) -> list[Criterion]:
    """Criteria from the application's score card (`GET …/applications/{id}`)."""
    result = []
    for item in raw:
        if not isinstance(item, dict) or "code" not in item:
            continue
        points = sorted(float(p) for p in item.get("allowed_points") or [])
        if not points and item.get("max_points") is not None:
            points = [float(p) for p in range(int(item["max_points"]) + 1)]
        mandatory = item.get("mandatory_from_stars")
        result.append(
            Criterion(
                code=str(item["code"]),
                name=str(item.get("name_vi") or item.get("name") or item["code"]),
                allowed_points=points,
                mandatory_from_stars=int(mandatory) if mandatory is not None else None,
                options=tuple(
                    Option(number, float(o["points"]), str(o.get("text_vi") or ""))
                    for number, o in enumerate(item.get("options") or [], start=1)
                    if isinstance(o, dict) and "points" in o
                ),
            )
        )
    return result


def arrange(criteria: list[Criterion], criteria_set: Mapping[str, Any] | None) -> list[Part]:
    """Put the card's criteria under the set's parts and sections (A, B, C), in the set's order;
    criteria the set does not place go under one last part."""
    by_code = {c.code: c for c in criteria}
    placed: set[str] = set()
    parts: list[Part] = []
    for raw_part in (criteria_set or {}).get("parts") or []:
        part = Part(
            code=str(raw_part.get("code", "")),
            name=str(raw_part.get("name_vi") or raw_part.get("code", "")),
            max_points=float(raw_part.get("max_points") or 0),
        )
        for raw_section in raw_part.get("sections") or []:
            section = Section(
                str(raw_section.get("code", "")),
                str(raw_section.get("name_vi") or raw_section.get("code", "")),
            )
            for raw_criterion in raw_section.get("criteria") or []:
                code = str(raw_criterion.get("code"))
                if code in by_code and code not in placed:
                    section.criteria.append(by_code[code])
                    placed.add(code)
            if section.criteria:
                part.sections.append(section)
        if part.sections:
            parts.append(part)
    rest = [c for c in criteria if c.code not in placed]
    if rest:
        parts.append(
            Part("", "Tiêu chí khác", sum(c.max_points for c in rest), [Section("", "", rest)])
        )
    return parts


@dataclass
class DraftSheet:
    """A submitted form read back: points (`c:<code>`), answers chosen (`a:<code>` = the
    answer's number), mandatory criteria marked failed, the comment."""

    scores: dict[str, float] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    comment: str | None = None

    def body(self) -> dict[str, Any]:
        """The body the evaluation service takes (`PUT …/scores/{member}`, `POST …/preview`)."""
        return {
            "scores": self.scores,
            "answers": self.answers,
            "mandatory_failed": self.failed,
            "comment": self.comment,
        }


def read_form(form: Iterable[tuple[str, Any]], criteria: list[Criterion]) -> DraftSheet:
    """A submitted sheet → its parts. Unknown codes and unreadable numbers are dropped here; the
    service checks ranges and answers."""
    known = {c.code for c in criteria}
    sheet = DraftSheet()
    for key, value in form:
        text = str(value).strip()
        code = key[2:]
        if key.startswith("c:") and code in known and text:
            try:
                sheet.scores[code] = float(text.replace(",", "."))
            except ValueError:
                continue
        elif key.startswith("a:") and code in known and text.isdigit():
            sheet.answers[code] = int(text)
        elif key == "failed" and text in known and text not in sheet.failed:
            sheet.failed.append(text)
        elif key == "comment":
            sheet.comment = text or None
    return sheet
