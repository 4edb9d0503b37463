"""Ownership chains and the 50 % rule: load owner -> owned edges (CSV or FtM
``Ownership`` entities), aggregate the stake listed parties hold in each entity through
chains, and explain it with the paths."""

from counterflow.ownership.graph import Edge, GraphIssue, OwnershipGraph, normalise_key
from counterflow.ownership.stake import OwnershipPath, Stake, aggregate, explain

__all__ = [
    "Edge",
    "GraphIssue",
    "OwnershipGraph",
    "OwnershipPath",
    "Stake",
    "aggregate",
    "explain",
    "normalise_key",
]
