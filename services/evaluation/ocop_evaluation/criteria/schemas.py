"""The schema of a criteria-set data file (`data/*.json`), checked when the file is loaded."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AnswerOption(Frozen):
    """One answer printed on the card under a criterion, with the points it gives."""

    points: float = Field(ge=0)
    text_vi: str = Field(min_length=1)


class Criterion(Frozen):
    code: str
    name_vi: str
    # With `options`, the points those answers give (filled in from them when omitted).
    allowed_points: list[float] = Field(min_length=1)
    options: list[AnswerOption] = []
    # The lowest star level for which this criterion is mandatory (tiêu chí bắt buộc); None: never.
    mandatory_from_stars: int | None = Field(default=None, ge=1, le=5)

    @property
    def max_points(self) -> float:
        return max(self.allowed_points)

    @model_validator(mode="before")
    @classmethod
    def _points_from_options(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("options") and not data.get("allowed_points"):
            points = {
                float(o["points"] if isinstance(o, dict) else o.points) for o in data["options"]
            }
            return {**data, "allowed_points": sorted(points)}
        return data

    @model_validator(mode="after")
    def _points_are_sorted_and_distinct(self) -> Criterion:
        if sorted(set(self.allowed_points)) != self.allowed_points:
            raise ValueError(f"{self.code}: allowed_points must be ascending and distinct")
        if self.allowed_points[0] < 0:
            raise ValueError(f"{self.code}: points cannot be negative")
        if self.options and sorted({o.points for o in self.options}) != self.allowed_points:
            raise ValueError(f"{self.code}: allowed_points must be the points of its options")
        return self


class Section(Frozen):
    code: str
    name_vi: str
    max_points: float
    criteria: list[Criterion] = Field(min_length=1)


class Part(Frozen):
    code: str
    name_vi: str
    name_en: str
    max_points: float
    sections: list[Section] = Field(min_length=1)


class StarThreshold(Frozen):
    stars: int = Field(ge=1, le=5)
    min_total: float = Field(ge=0)


class ScoreCardSpec(Frozen):
    """A score card: for a product set (Decision 26/2026: one card each, with its own `parts`),
    or for product groups (the set's shared parts, with the group's own wording)."""

    code: str
    name_vi: str
    groups: list[str] = []
    product_sets: list[str] = []
    renamed: dict[str, str] = {}
    parts: list[Part] = []


class Confirmation(Frozen):
    confirmed: list[str]
    not_confirmed: list[str]


class CriteriaSet(Frozen):
    id: str
    version: int = Field(ge=1)
    decision_no: str
    title_vi: str
    title_en: str
    issued_on: date
    # Sessions meeting from this day use this version (the issue date when not given).
    effective_from: date | None = None
    aliases: list[str] = []
    replaces: list[str] = []
    replaced_by: str | None = None
    sources: list[str] = Field(min_length=1)
    confirmation: Confirmation
    star_thresholds: list[StarThreshold] = Field(min_length=5, max_length=5)
    # Shared by the cards that have no parts of their own.
    parts: list[Part] = []
    score_cards: list[ScoreCardSpec] = Field(min_length=1)

    @property
    def in_force_from(self) -> date:
        return self.effective_from or self.issued_on

    @property
    def confirmed(self) -> bool:
        """False while any of the content is our reading rather than the official text."""
        return not self.confirmation.not_confirmed

    @property
    def max_total(self) -> float:
        return sum(part.max_points for part in self.card_parts(self.score_cards[0]))

    def card_parts(self, card: ScoreCardSpec) -> list[Part]:
        return card.parts or self.parts

    def criteria(self) -> list[Criterion]:
        """Every criterion of every card (a criterion shared by cards once)."""
        parts = [*self.parts, *(p for card in self.score_cards for p in card.parts)]
        found = {c.code: c for part in parts for s in part.sections for c in s.criteria}
        return list(found.values())

    def card_criteria(self, card: ScoreCardSpec) -> list[Criterion]:
        """The criteria of a card: its own, or the shared ones with the card's wording."""
        return [
            c.model_copy(update={"name_vi": card.renamed[c.code]}) if c.code in card.renamed else c
            for part in self.card_parts(card)
            for s in part.sections
            for c in s.criteria
        ]

    def score_card_for(self, group: str, product_set: str | None = None) -> ScoreCardSpec | None:
        """The card of a product: its product set's, else its group's (`thuc_pham` or a
        sub-group `thuc_pham.che`)."""
        if product_set:
            for card in self.score_cards:
                if product_set in card.product_sets:
                    return card
        return self.score_card_for_group(group)

    def thresholds(self) -> dict[int, float]:
        """The set's star thresholds as `{stars: min_total}`: the decision and every preview
        take them from here, never from a constant."""
        return {t.stars: t.min_total for t in self.star_thresholds}

    def score_card_for_group(self, group: str) -> ScoreCardSpec | None:
        """The card of a product group code (`thuc_pham` or a sub-group `thuc_pham.nong_san`)."""
        top = group.split(".", 1)[0]
        for card in self.score_cards:
            if group in card.groups or top in card.groups:
                return card
        return None

    @model_validator(mode="after")
    def _codes_are_unique_and_known(self) -> CriteriaSet:
        for card in self.score_cards:
            parts = self.card_parts(card)
            if not parts:
                raise ValueError(f"{self.id}/{card.code}: a card needs parts, its own or shared")
            codes = [c.code for part in parts for s in part.sections for c in s.criteria]
            if len(codes) != len(set(codes)):
                raise ValueError(f"{self.id}/{card.code}: duplicate criterion codes")
            unknown = set(card.renamed) - set(codes)
            if unknown:
                raise ValueError(f"{self.id}/{card.code}: renames unknown criteria {unknown}")
        stars = [t.stars for t in self.star_thresholds]
        if sorted(stars) != [1, 2, 3, 4, 5]:
            raise ValueError(f"{self.id}: thresholds must cover 1 to 5 stars once each")
        return self
