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
class Criterion:
    code: str
    name: str
    allowed_points: list[float]
    mandatory_from_stars: int | None = None

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


def read_form(
    form: Iterable[tuple[str, Any]], criteria: list[Criterion]
) -> tuple[dict[str, float], list[str], str | None]:
    """A submitted sheet (`c:<code>` = points, `failed` = codes, `comment`) → the PUT body's
    parts. Unknown codes and unreadable numbers are dropped here; the service checks ranges."""
    known = {c.code for c in criteria}
    scores: dict[str, float] = {}
    failed: list[str] = []
    comment: str | None = None
    for key, value in form:
        text = str(value).strip()
        if key.startswith("c:") and key[2:] in known and text:
            try:
                scores[key[2:]] = float(text.replace(",", "."))
            except ValueError:
                continue
        elif key == "failed" and text in known and text not in failed:
            failed.append(text)
        elif key == "comment":
            comment = text or None
    return scores, failed, comment
