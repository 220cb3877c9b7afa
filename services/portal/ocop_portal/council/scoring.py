"""What a score sheet adds up to, shown to a council member while they score.

The evaluation service decides; this is the preview beside the sheet: the running total, the
stars it would earn by the criteria set's thresholds, and the cap a failed mandatory criterion puts
on them. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Decision 148/QĐ-TTg: 1★ < 30, 2★ 30–49, 3★ 50–69, 4★ 70–89, 5★ 90–100.
DEFAULT_THRESHOLDS: dict[int, float] = {1: 0.0, 2: 30.0, 3: 50.0, 4: 70.0, 5: 90.0}


def thresholds_of(criteria_set: Mapping[str, Any] | None) -> dict[int, float]:
    """The set's `star_thresholds` as `{stars: min_total}`, or Decision 148's."""
    rows = (criteria_set or {}).get("star_thresholds") or []
    found = {
        int(row["stars"]): float(row["min_total"])
        for row in rows
        if isinstance(row, dict) and "stars" in row and "min_total" in row
    }
    return found if len(found) == 5 else dict(DEFAULT_THRESHOLDS)


def stars_for_total(total: float, thresholds: Mapping[int, float] = DEFAULT_THRESHOLDS) -> int:
    """The highest star level whose minimum the total reaches."""
    for stars in sorted(thresholds, reverse=True):
        if round(total, 2) >= thresholds[stars]:
            return stars
    return min(thresholds)


def stars_cap(failed: Iterable[str], mandatory_from: Mapping[str, int]) -> int:
    """A failed criterion that is mandatory from N★ closes N★ and every level above it."""
    levels = [mandatory_from[code] for code in failed if code in mandatory_from]
    return min(levels) - 1 if levels else 5


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


@dataclass(frozen=True)
class Preview:
    total: float
    max_total: float
    scored: int
    criteria_count: int
    stars_by_total: int
    stars_cap: int

    @property
    def stars(self) -> int:
        return max(1, min(self.stars_by_total, self.stars_cap))

    @property
    def complete(self) -> bool:
        return self.scored == self.criteria_count


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


def preview(
    criteria: list[Criterion],
    scores: Mapping[str, float],
    mandatory_failed: Iterable[str],
    thresholds: Mapping[int, float] = DEFAULT_THRESHOLDS,
) -> Preview:
    """The running total of a (possibly unfinished) sheet and the stars it would give."""
    codes = {c.code for c in criteria}
    total = round(sum(points for code, points in scores.items() if code in codes), 2)
    mandatory_from = {
        c.code: c.mandatory_from_stars for c in criteria if c.mandatory_from_stars is not None
    }
    return Preview(
        total=total,
        max_total=sum(c.max_points for c in criteria),
        scored=len([code for code in scores if code in codes]),
        criteria_count=len(criteria),
        stars_by_total=stars_for_total(total, thresholds),
        stars_cap=stars_cap(mandatory_failed, mandatory_from),
    )


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
