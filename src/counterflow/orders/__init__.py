"""Order-line screening: parties, goods and route of each line together
(``counterflow screen orders``; contract in INTERFACES.md)."""
