"""The schema of a criteria-set data file (`data/*.json`), checked when the file is loaded."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Criterion(Frozen):
    code: str
    name_vi: str
    allowed_points: list[float] = Field(min_length=1)
    # The lowest star level for which this criterion is mandatory (tiêu chí bắt buộc); None: never.
    mandatory_from_stars: int | None = Field(default=None, ge=1, le=5)

    @property
    def max_points(self) -> float:
        return max(self.allowed_points)

    @model_validator(mode="after")
    def _points_are_sorted_and_distinct(self) -> Criterion:
        if sorted(set(self.allowed_points)) != self.allowed_points:
            raise ValueError(f"{self.code}: allowed_points must be ascending and distinct")
        if self.allowed_points[0] < 0:
            raise ValueError(f"{self.code}: points cannot be negative")
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
    """A product group's score card: the set's criteria, with the group's own wording."""

    code: str
    name_vi: str
    groups: list[str]
    renamed: dict[str, str] = {}


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
    aliases: list[str] = []
    replaces: list[str] = []
    replaced_by: str | None = None
    sources: list[str] = Field(min_length=1)
    confirmation: Confirmation
    star_thresholds: list[StarThreshold] = Field(min_length=5, max_length=5)
    parts: list[Part] = Field(min_length=1)
    score_cards: list[ScoreCardSpec] = Field(min_length=1)

    @property
    def max_total(self) -> float:
        return sum(part.max_points for part in self.parts)

    def criteria(self) -> list[Criterion]:
        return [c for part in self.parts for s in part.sections for c in s.criteria]

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
        codes = [c.code for c in self.criteria()]
        if len(codes) != len(set(codes)):
            raise ValueError(f"{self.id}: duplicate criterion codes")
        for card in self.score_cards:
            unknown = set(card.renamed) - set(codes)
            if unknown:
                raise ValueError(f"{self.id}/{card.code}: renames unknown criteria {unknown}")
        stars = [t.stars for t in self.star_thresholds]
        if sorted(stars) != [1, 2, 3, 4, 5]:
            raise ValueError(f"{self.id}: thresholds must cover 1 to 5 stars once each")
        return self
