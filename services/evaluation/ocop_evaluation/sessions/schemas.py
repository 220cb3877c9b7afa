"""Request and response bodies of the sessions API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from ocop_contracts import is_province_code
from ocop_evaluation.rules import DEFAULT_MAX_SPREAD, seats_one_chair
from ocop_kit.dates import ProgrammeDate
from ocop_kit.text import Line, Name, Text

SessionLevel = Literal["provincial", "central"]
SessionStatus = Literal["draft", "open", "closed", "decided"]
MemberRole = Literal["chair", "member", "secretary"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MemberIn(Strict):
    name: Name = Field(min_length=1, max_length=300)
    role: MemberRole = "member"
    title: Line | None = Field(default=None, max_length=300)
    account_id: Line | None = Field(
        default=None,
        max_length=36,
        description="The registry account seated here (its council_member sign-in holds the seat).",
    )


# A quorum is a share of at most 50 members; 100ths are as fine as anyone writes it.
MAX_QUORUM_TERM = 100


class Quorum(Strict):
    """The share of scoring members who must have scored, e.g. 3/4; the chair among them."""

    numerator: int = Field(ge=1, le=MAX_QUORUM_TERM, strict=True)
    denominator: int = Field(ge=1, le=MAX_QUORUM_TERM, strict=True)

    @model_validator(mode="after")
    def _at_most_one(self) -> Quorum:
        if self.numerator > self.denominator:
            raise ValueError("Tỷ lệ túc số không thể vượt quá 1 / The quorum cannot exceed 1")
        return self


def _parse_quorum(value: object) -> object:
    """Accept `"3/4"`, `0.75` or `{numerator, denominator}`."""
    if isinstance(value, str) and "/" in value:
        top, _, bottom = value.partition("/")
        try:
            return {"numerator": int(top), "denominator": int(bottom)}
        except ValueError:
            return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1:
        from fractions import Fraction

        fraction = Fraction(str(value)).limit_denominator(100)
        return {"numerator": fraction.numerator, "denominator": fraction.denominator}
    return value


class SessionCreate(Strict):
    level: SessionLevel
    province_code: Line | None = Field(default=None, max_length=16, examples=["37"])
    # A set's id, decision number or alias; none: the newest decision. The version in force on
    # `meets_on` (or today) is used for the session's whole life.
    criteria_set: Line | None = Field(default=None, min_length=1, max_length=64)
    name: Name | None = Field(default=None, max_length=300)
    members: list[MemberIn] = Field(min_length=1, max_length=50)
    quorum: Quorum | None = None
    chair_required: bool = True
    max_spread: StrictFloat = Field(default=DEFAULT_MAX_SPREAD, ge=0, le=100)
    commune_step_required: bool = False
    meets_on: date | None = None
    # docs/API.md lets a client score right after creating a session, so a session opens at once
    # unless the secretary asks for a draft to prepare first.
    status: Literal["draft", "open"] = "open"

    @field_validator("quorum", mode="before")
    @classmethod
    def _quorum_forms(cls, value: object) -> object:
        return _parse_quorum(value)

    @field_validator("province_code")
    @classmethod
    def _current_province(cls, value: str | None) -> str | None:
        if value is not None and not is_province_code(value):
            raise ValueError(
                f"Không có tỉnh/thành phố mã “{value}” (mã hiện hành, 2 chữ số) / "
                f"No province has the code “{value}” (current two-digit codes)"
            )
        return value

    @model_validator(mode="after")
    def _council_shape(self) -> SessionCreate:
        if not seats_one_chair(m.role for m in self.members):
            raise ValueError(
                "Hội đồng phải có đúng một chủ tịch / A council needs exactly one chair"
            )
        if self.level == "provincial" and not self.province_code:
            raise ValueError(
                "Phiên cấp tỉnh cần mã tỉnh / A provincial session needs a province_code"
            )
        return self


class MemberOut(BaseModel):
    id: str
    name: str
    role: str
    title: str | None
    account_id: str | None = None


class SessionOut(BaseModel):
    id: str
    name: str
    level: str
    province_code: str | None
    criteria_set: str
    criteria_set_version: int | None
    criteria_set_confirmed: bool = Field(
        description="False while the set's cards are not checked against the official text."
    )
    status: str
    quorum: Quorum
    chair_required: bool
    max_spread: float
    commune_step_required: bool
    meets_on: date | None
    members: list[MemberOut]
    applications_count: int
    created_at: datetime
    created_by: str


class DecisionReadiness(BaseModel):
    """Whether the council may decide now, by the same rule the decision applies (quorum, the
    chair's sheet, the session's state), and why not."""

    ready: bool
    required: int = Field(description="Complete sheets the quorum needs.")
    received: int = Field(description="Complete sheets of scoring members.")
    scoring_members: int
    chair_required: bool
    chair_scored: bool
    incomplete_sheets: int
    reasons: list[dict[str, str]] = Field(
        description="Why not yet, each as {code, message, message_en}; empty when ready."
    )


class MembersAdd(Strict):
    members: list[MemberIn] = Field(min_length=1, max_length=50)


class StatusChange(Strict):
    status: SessionStatus


class ApplicationCreate(Strict):
    product_id: Line = Field(min_length=1, max_length=64)


class OptionOut(BaseModel):
    points: float
    text_vi: str


class CriterionOut(BaseModel):
    code: str
    name_vi: str
    allowed_points: list[float]
    max_points: float
    mandatory_from_stars: int | None
    options: list[OptionOut] = Field(
        default=[], description="The answers printed on the card, in order (none: score points)"
    )


class DecisionOut(BaseModel):
    total: float
    stars: int
    outcome: str
    spread: float
    failed_mandatory: list[str]
    decided_on: date
    decided_by: str
    seq: int
    central_application_id: str | None = None
    sheets: list[dict[str, object]] = []


class ApplicationOut(BaseModel):
    id: str
    session_id: str
    product_id: str
    product_name: str
    product_group: str
    producer_name: str
    province_code: str
    score_card: str
    kind: Literal["new", "renewal", "upgrade"]
    previous_stars: int | None
    previous_expires_on: date | None
    status: str
    commune_status: str
    commune_assessment: dict[str, object] | None
    origin_application_id: str | None
    previous_application_id: str | None = Field(
        default=None, description="The product's previous application, its dossier carried over."
    )
    sheets_submitted: int
    decision: DecisionOut | None
    created_at: datetime


class PreviousEvaluation(BaseModel):
    """The product's previous application, for the council to see what changed."""

    application_id: str
    session_id: str
    criteria_set: str
    criteria_set_version: int | None
    score_card: str
    same_card: bool = Field(description="Scored on the same card (set, version, card) as now.")
    stars: int | None
    total: float | None
    outcome: str | None
    decided_on: date | None
    mean_points: dict[str, float] = Field(
        description="Per criterion, the mean of the points its members gave at the last decision."
    )
    answers: dict[str, list[int]] = Field(
        description="Per criterion, the answers its members chose (cards with answer options)."
    )


class ApplicationDetail(ApplicationOut):
    criteria: list[CriterionOut]
    previous: PreviousEvaluation | None = None
    card_confirmed: bool = Field(
        description="False while the card is not checked against the official text."
    )


class ScoresPut(Strict):
    """Points by criterion code (`scores`) and, for criteria with answer options, the answer
    chosen (`answers`: its number on the card, from 1) — the points follow from it."""

    scores: dict[Line, StrictFloat] = {}
    answers: dict[Line, StrictInt] = {}
    mandatory_failed: list[Line] = []
    comment: Text | None = Field(default=None, max_length=5000)


class SheetPreview(BaseModel):
    """A draft sheet scored by the service's rules (nothing stored)."""

    total: float
    max_total: float
    scored: int
    criteria_count: int
    complete: bool
    stars_by_total: int = Field(description="The stars the total earns by the set's thresholds.")
    stars_cap: int = Field(description="The highest level a failed mandatory criterion leaves.")
    stars: int
    outcome: str = Field(description="The outcome were this the council's only sheet.")


class ScoreSheetOut(BaseModel):
    application_id: str
    member_id: str
    member_name: str
    role: str
    scores: dict[str, float]
    answers: dict[str, int]
    mandatory_failed: list[str]
    comment: str | None
    total: float
    complete: bool
    revision: int
    updated_at: datetime
    updated_by: str


class ScoreRevisionOut(BaseModel):
    revision: int
    scores: dict[str, float]
    answers: dict[str, int] = {}
    mandatory_failed: list[str]
    comment: str | None
    total: float
    recorded_by: str
    recorded_at: datetime


class DecisionResult(BaseModel):
    """The body docs/API.md promises, plus what a secretary needs to read the result."""

    total: float
    stars: int
    outcome: str
    spread: float
    stars_by_total: int
    failed_mandatory: list[str]
    sheets_counted: int
    central_application_id: str | None


class CommuneAssessmentIn(Strict):
    """The commune's check (Decision 1489/QĐ-TTg): the dossier and four local criteria."""

    commune_name: Name = Field(min_length=1, max_length=300)
    ward_code: Line | None = Field(default=None, max_length=16)
    dossier_complete: bool
    local_origin: bool = Field(description="sản phẩm hoặc nguyên liệu có nguồn gốc địa phương")
    local_labour: bool = Field(description="sử dụng lao động địa phương")
    idea_origin: bool = Field(description="ý tưởng sản phẩm xuất phát từ địa phương")
    local_identity: bool = Field(description="mang bản sắc, đặc trưng của địa phương")
    assessed_by: Name = Field(min_length=1, max_length=300)
    assessed_on: ProgrammeDate
    note: Text | None = Field(default=None, max_length=5000)


class DocumentOut(BaseModel):
    id: str
    application_id: str
    kind: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    carried_from: str | None = Field(
        default=None,
        description="The document of the previous application this one carries over; "
        "null for a document added to this application.",
    )
