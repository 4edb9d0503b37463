"""Decision bands over the calibrated score, the same for every list and kind.

* ``match``  (score >= 0.85): the name agrees closely and nothing material conflicts,
  or an exact strong identifier (IMO, INN, passport...) agrees. Treat as a hit.
* ``review`` (0.75 <= score < 0.85): a plausible match that a person must look at: a
  close but not exact name, or an exact name with missing or partly conflicting
  details.
* ``clear``  (score < 0.75): not the listed party on the evidence given.

The score itself is built in ``scorer.py`` so that these bands hold: a name score of
1.0 with no other evidence is a ``match``; every conflicting detail (birth date,
kind, identifier, country) pulls the score down by a fixed, documented amount.
"""

from __future__ import annotations

from counterflow.match.types import Decision

MATCH = 0.85
REVIEW = 0.75


def decide(score: float, *, match: float = MATCH, review: float = REVIEW) -> Decision:
    """The band of ``score``."""
    if score >= match:
        return "match"
    if score >= review:
        return "review"
    return "clear"
