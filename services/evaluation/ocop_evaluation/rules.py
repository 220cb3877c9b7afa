"""The pure rules of an evaluation: totals, stars, quorum, spread, mandatory criteria, level limits.

No I/O here: the session service gathers the sheets and calls these; the tests call them directly.
Numbers are summed as decimals so that a mean such as 70.125 rounds the way a person rounds it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

Level = Literal["provincial", "central"]
Outcome = Literal["recognised", "not_recognised", "proposed_to_central", "needs_discussion"]

# Decision 148/QĐ-TTg: 5★ 90–100, 4★ 70–89, 3★ 50–69, 2★ 30–49, 1★ below 30. Only a default
# for direct calls: the service passes the thresholds of the session's criteria set.
DEFAULT_THRESHOLDS: Mapping[int, float] = {5: 90, 4: 70, 3: 50, 2: 30, 1: 0}
DEFAULT_QUORUM = Fraction(3, 4)
DEFAULT_MAX_SPREAD = 10.0
# Provincial councils recognise these levels; the central council recognises 5★ (Decision 1489).
PROVINCIAL_STARS = (3, 4)
CENTRAL_STARS = (5,)


def _decimal(value: float | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def sheet_total(points: Iterable[float]) -> Decimal:
    """A member's total: the sum of the points given on the sheet."""
    return sum((_decimal(p) for p in points), Decimal(0))


def mean_total(totals: Sequence[float | Decimal]) -> Decimal:
    """The product's total: the mean of the members' totals, rounded half up to two decimals."""
    if not totals:
        raise ValueError("no totals to average")
    mean = sum((_decimal(t) for t in totals), Decimal(0)) / len(totals)
    return mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def stars_for_total(
    total: float | Decimal, thresholds: Mapping[int, float] = DEFAULT_THRESHOLDS
) -> int:
    """The star rating a total earns: the highest level whose minimum the total reaches."""
    value = _decimal(total)
    for stars in sorted(thresholds, reverse=True):
        if value >= _decimal(thresholds[stars]):
            return stars
    return min(thresholds)


def chairs_among(roles: Iterable[str]) -> int:
    """How many of these council seats are the chair's."""
    return sum(1 for role in roles if role == "chair")


def seats_one_chair(roles: Iterable[str]) -> bool:
    """A council has exactly one chair: the quorum may require the chair's sheet and the chair
    signs the minutes, so a council with none or two cannot decide."""
    return chairs_among(roles) == 1


def room_for_chairs(seated: Iterable[str], joining: Iterable[str]) -> bool:
    """Whether members may join a council without seating a second chair."""
    return chairs_among([*seated, *joining]) <= 1


def required_sheets(scoring_members: int, quorum: Fraction = DEFAULT_QUORUM) -> int:
    """How many members must have scored: the quorum share of the council, rounded up."""
    return math.ceil(quorum * scoring_members)


def has_quorum(
    scoring_members: int,
    sheets: int,
    chair_scored: bool,
    quorum: Fraction = DEFAULT_QUORUM,
    chair_required: bool = True,
) -> bool:
    """Enough members scored (3/4 by default) and, where required, the chair among them."""
    if scoring_members <= 0 or sheets <= 0:
        return False
    if chair_required and not chair_scored:
        return False
    return sheets >= required_sheets(scoring_members, quorum)


def spread(totals: Sequence[float | Decimal]) -> Decimal:
    """The distance between the highest and the lowest member total."""
    values = [_decimal(t) for t in totals]
    return max(values) - min(values) if values else Decimal(0)


def spread_too_wide(
    totals: Sequence[float | Decimal], max_spread: float = DEFAULT_MAX_SPREAD
) -> bool:
    """Totals further apart than the council allows send the product back for discussion."""
    return spread(totals) > _decimal(max_spread)


def failed_mandatory_criteria(failures_by_sheet: Sequence[Iterable[str]]) -> set[str]:
    """The mandatory criteria the council finds failed: those marked failed on more than half of
    the sheets (one member's mark alone does not decide a fact the council must agree on)."""
    counts: Counter[str] = Counter()
    for failures in failures_by_sheet:
        counts.update(set(failures))
    return {code for code, count in counts.items() if count * 2 > len(failures_by_sheet)}


def stars_cap(failed: Iterable[str], mandatory_from: Mapping[str, int]) -> int:
    """The highest star level still open: a failed criterion mandatory from N★ closes N★ and up."""
    levels = [mandatory_from[code] for code in failed if code in mandatory_from]
    return min(levels) - 1 if levels else 5


@dataclass(frozen=True)
class Verdict:
    total: Decimal
    stars: int
    outcome: Outcome
    spread: Decimal
    stars_by_total: int
    stars_cap: int


def decide(
    level: Level,
    member_totals: Sequence[float | Decimal],
    failed_mandatory: Iterable[str] = (),
    mandatory_from: Mapping[str, int] | None = None,
    max_spread: float = DEFAULT_MAX_SPREAD,
    thresholds: Mapping[int, float] = DEFAULT_THRESHOLDS,
) -> Verdict:
    """The council's verdict on one application, from its members' totals (quorum checked before).

    - too wide a spread → `needs_discussion` (members revise, then the council decides again);
    - the stars the mean earns, lowered below any level whose mandatory criterion failed;
    - a provincial council recognises 3★ or 4★ and proposes a 5★ result to the central council;
    - a central council recognises 5★ only; anything else is `not_recognised`.
    """
    total = mean_total(member_totals)
    by_total = stars_for_total(total, thresholds)
    cap = stars_cap(failed_mandatory, mandatory_from or {})
    stars = max(1, min(by_total, cap))
    gap = spread(member_totals)
    outcome: Outcome
    if gap > _decimal(max_spread):
        outcome = "needs_discussion"
    elif level == "provincial" and stars == 5:
        outcome = "proposed_to_central"
    elif (level == "provincial" and stars in PROVINCIAL_STARS) or (
        level == "central" and stars in CENTRAL_STARS
    ):
        outcome = "recognised"
    else:
        outcome = "not_recognised"
    return Verdict(total, stars, outcome, gap, by_total, cap)
