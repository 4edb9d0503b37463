"""Normalised records of listed parties and the helpers that normalise their fields."""

from counterflow.records.model import (
    KINDS,
    Alias,
    BirthDate,
    CountryRef,
    Identifier,
    Kind,
    Party,
)

__all__ = ["KINDS", "Alias", "BirthDate", "CountryRef", "Identifier", "Kind", "Party"]
