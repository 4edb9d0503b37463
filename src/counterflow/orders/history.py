"""A customer's past orders, to spot a quantity or value far out of line
(``--history FILE``: a CSV with ``customer`` and ``quantity`` and/or ``unit_price``;
an earlier order file works as it is)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from counterflow.csvin import check_header
from counterflow.errors import BadInputError
from counterflow.ownership.graph import normalise_key


@dataclass(slots=True)
class CustomerHistory:
    quantities: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)


@dataclass(slots=True)
class History:
    customers: dict[str, CustomerHistory] = field(default_factory=dict)
    skipped: int = 0
    _stats: dict[str, tuple[int, float, float, float, float]] = field(default_factory=dict)

    def add(self, customer: str, quantity: float | None, unit_price: float | None) -> None:
        h = self.customers.setdefault(normalise_key(customer), CustomerHistory())
        if quantity is not None:
            h.quantities.append(quantity)
            if unit_price is not None:
                h.values.append(quantity * unit_price)

    def stats(self, customer: str) -> tuple[int, float, float, float, float] | None:
        """(lines, median qty, max qty, median value, max value) or None if unknown."""
        key = normalise_key(customer)
        if key in self._stats:
            return self._stats[key]
        h = self.customers.get(key)
        if h is None or not h.quantities:
            return None
        vals = h.values or [0.0]
        st = (len(h.quantities), median(h.quantities), max(h.quantities), median(vals), max(vals))
        self._stats[key] = st
        return st

    def outlier(
        self,
        customer: str,
        quantity: float | None,
        unit_price: float | None,
        factor: float,
        min_lines: int,
    ) -> str | None:
        """A sentence when quantity or value exceeds ``factor`` x the customer's largest
        past order (and ``factor``^2 x its median); else None."""
        st = self.stats(customer)
        if st is None or quantity is None or st[0] < min_lines:
            return None
        n, med_q, max_q, med_v, max_v = st
        if quantity > factor * max_q and quantity > factor * factor * med_q:
            return (
                f"quantity {quantity:g} is {quantity / max(med_q, 1e-9):.0f}x the customer's "
                f"median ({med_q:g}) over {n} past lines"
            )
        if unit_price is not None and max_v > 0:
            value = quantity * unit_price
            if value > factor * max_v and value > factor * factor * med_v:
                return (
                    f"value {value:,.0f} is {value / max(med_v, 1e-9):.0f}x the customer's "
                    f"median ({med_v:,.0f}) over {n} past lines"
                )
        return None


def load_history(path: Path | str) -> History:
    path = Path(path)
    hist = History()
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc}", file=str(path)) from exc
    with fh:
        reader = csv.DictReader(fh)
        check_header(list(reader.fieldnames or []), file=str(path))
        cols = {(c or "").strip().lower(): c for c in reader.fieldnames or []}
        if "customer" not in cols or "quantity" not in cols:
            raise BadInputError(
                "history needs columns customer,quantity[,unit_price]", file=str(path), line=1
            )
        for row in reader:
            cust = (row.get(cols["customer"]) or "").strip()
            try:
                q = float((row.get(cols["quantity"]) or "").replace(",", ""))
                p_raw = (row.get(cols["unit_price"]) or "") if "unit_price" in cols else ""
                p = float(p_raw.replace(",", "")) if p_raw.strip() else None
            except ValueError:
                hist.skipped += 1
                continue
            if not cust or q <= 0 or (p is not None and p < 0):
                hist.skipped += 1
                continue
            hist.add(cust, q, p)
    return hist
