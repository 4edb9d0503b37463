"""The calibrated score: a fitted, monotone logistic model over the match features.

Each candidate is described by the features below (name alignment, rarity and length
of what matched, and every piece of other evidence); the score is
``sigmoid(bias + sum(weight * feature))`` with the weights fitted on the development
benchmark (``benchmarks/fit_scorer.py``) under sign constraints, so more name agreement
or agreeing evidence never lowers a score and conflicting evidence never raises one.
A score ``s`` then means: among candidates scored near ``s``, about ``s`` are the
listed party (``benchmarks/screening_dev.py`` prints the reliability table).

Each feature's contribution (weight x value, in log-odds) is named in the
explanation. The parameters ship as ``calibration_v1.json`` next to this module; a
missing or corrupt file is a ``CalibrationError`` naming it. Two rules stay outside the
model because they are policy, not statistics: an agreeing strong identifier is a match
(score raised to ``ID_FLOOR``), a short or acronym name with no agreeing evidence
never reaches the ``match`` band, and a whole listed name with nothing against it is
never cleared (``screener.calibrated_score``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Final

# by package, not ``__file__``: the compiled module (match.native) lives elsewhere
PARAMS_FILE = Path(
    str(files("counterflow.match") / "calibration_v1.json")
)  # not Final: tests point it elsewhere
FORMAT: Final = "counterflow-calibration/1"

# feature -> (sign constraint, phrase in explanations)
FEATURES: dict[str, tuple[int, str]] = {
    "name": (1, "name"),
    "name_over_70": (1, "name above 0.70"),
    "name_over_85": (1, "name above 0.85"),
    "name_over_95": (1, "name above 0.95"),
    "rarity": (1, "rare words"),
    "single_token": (-1, "one-word name"),
    "short_name": (-1, "short name"),
    "acronym": (-1, "acronym"),
    "id_agree": (1, "identifier agrees"),
    "id_conflict": (-1, "unique identifier differs"),
    "doc_conflict": (-1, "document number differs"),
    "dob_agree": (1, "birth date agrees"),
    "dob_conflict": (-1, "birth date differs"),
    "country_agree": (1, "country agrees"),
    "country_conflict": (-1, "country differs"),
    "short_country_conflict": (-1, "short name, country differs"),
    "kind_conflict": (-1, "kind differs"),
    "address_agree": (1, "address agrees"),
    "weak_alias": (-1, "weak a.k.a."),
    "han_reading": (-1, "Han reading"),
    "legal_conflict": (-1, "legal form differs"),
}
ID_FLOOR: Final = 0.92


class CalibrationError(Exception):
    """The parameter file is missing or unusable."""


@dataclass(frozen=True, slots=True)
class Calibration:
    version: str
    bias: float
    weights: dict[str, float]

    def logit(self, f: dict[str, float]) -> float:
        z = self.bias
        w = self.weights
        for k, v in f.items():
            if v:
                z += w.get(k, 0.0) * v
        return z

    def probability(self, f: dict[str, float]) -> float:
        z = self.logit(f)
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def contributions(self, f: dict[str, float], top: int = 4) -> str:
        """The largest contributions in log-odds: ``name +4.1, country differs -1.3``."""
        parts = []
        for k, v in f.items():
            c = self.weights.get(k, 0.0) * v
            if abs(c) >= 0.05:
                parts.append((abs(c), FEATURES[k][1], c))
        parts.sort(reverse=True)
        return ", ".join(f"{label} {c:+.1f}" for _, label, c in parts[:top])


def load(path: Path = PARAMS_FILE) -> Calibration:
    """Read and check a parameter file; any problem is a ``CalibrationError`` naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalibrationError(f"{path}: calibration parameter file is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CalibrationError(f"{path}: calibration parameter file is unreadable: {e}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CalibrationError(f"{path}: not a {FORMAT} file")
    weights = data.get("weights")
    bias = data.get("bias")
    if not isinstance(weights, dict) or not isinstance(bias, int | float):
        raise CalibrationError(f"{path}: 'bias' and 'weights' are required")
    out: dict[str, float] = {}
    for k, v in weights.items():
        if k not in FEATURES:
            raise CalibrationError(f"{path}: unknown feature {k!r}")
        if not isinstance(v, int | float) or not math.isfinite(v):
            raise CalibrationError(f"{path}: weight of {k!r} is not a number")
        if v * FEATURES[k][0] < 0:
            raise CalibrationError(f"{path}: weight of {k!r} has the wrong sign")
        out[k] = float(v)
    if not math.isfinite(bias):
        raise CalibrationError(f"{path}: bias is not a number")
    return Calibration(str(data.get("version", "")), float(bias), out)


@lru_cache(maxsize=1)
def default() -> Calibration:
    """The shipped parameters (read once)."""
    return load(PARAMS_FILE)
