"""Decision bands over the calibrated score, the same for every list and kind.

* ``match``  (score >= 0.85): the name agrees closely and nothing material conflicts,
  or an exact strong identifier (IMO, INN, passport...) agrees. Treat as a hit.
* ``review`` (0.75 <= score < 0.85): a plausible match that a person must look at: a
  close but not exact name, or an exact name with missing or partly conflicting
  details.
* ``clear``  (score < 0.75): not the listed party on the evidence given.

The score is calibrated (``calibration.py``): among candidates scored near ``s``,
about ``s`` are the listed party, measured on the development benchmark's test split
(``benchmarks/screening_dev.py``). So ``match`` means "at least 85 in 100 such
candidates are the listed party", ``review`` "75 in 100". ``BANDS`` gives the lower
edges for other modules (orders, maritime) that set their own rules on the same scale.
"""

from __future__ import annotations

from counterflow.match.types import Decision

MATCH = 0.85
REVIEW = 0.75
BANDS: dict[Decision, float] = {"match": MATCH, "review": REVIEW, "clear": 0.0}


def decide(score: float, *, match: float = MATCH, review: float = REVIEW) -> Decision:
    """The band of ``score``."""
    if score >= match:
        return "match"
    if score >= review:
        return "review"
    return "clear"
