"""Goods screening: HS codes, CHPL tiers, drone-component part numbers, description hints.

The item tables (CHPL, HS nomenclature, drone components) are data the user loads
(``counterflow goods load``), never constants in code; see ``goods.tables``.
"""
