"""Counterflow: screen parties, goods, orders and ships against sanctions and
export-control lists, and keep the record of every decision."""

__version__ = "0.1.0"
