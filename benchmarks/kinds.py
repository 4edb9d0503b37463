"""How list records without a stated kind are classified (issue 16, item 1).

    python benchmarks/kinds.py [LISTS_DIR]

Two tables. (1) Per list: records, kind stated by the list, kind inferred
(``properties["kindInferred"]``) as organisation / person, and left ``unknown``.
(2) The inference checked against records whose list *does* state the kind (OFAC,
UN, EU, UK, OpenSanctions Person/Company): the rule was not built from these labels,
so a wrong call here is what a wrong call on an unlabelled list costs.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

from counterflow.lists import registry
from counterflow.records.kinds import infer_kind

LISTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "lists"


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else LISTS
    per_list: dict[str, Counter[str]] = defaultdict(Counter)
    check: Counter[tuple[str, str]] = Counter()
    for group in registry.sniff([folder]).groups:
        res = group.module.parse(group.files)
        for p in res.records:
            c = per_list[res.dataset]
            c["records"] += 1
            inferred = "kindInferred" in p.properties
            if p.kind == "unknown":
                c["unknown"] += 1
            elif inferred:
                c[f"inferred {p.kind}"] += 1
            else:
                c["stated"] += 1
            stated = not inferred and p.kind in ("person", "organization")
            if stated and p.properties.get("ftm_schema") != ["LegalEntity"]:
                for name in p.all_names()[:3]:
                    check[(p.kind, infer_kind(name)[0])] += 1
    cols = ["records", "stated", "inferred organization", "inferred person", "unknown"]
    print(f"{'dataset':<18}" + "".join(f"{c:>23}" for c in cols))
    for ds in sorted(per_list):
        print(f"{ds:<18}" + "".join(f"{per_list[ds][c]:>23,}" for c in cols))
    print()
    print("inference on names whose list states the kind (up to 3 names per record)")
    print(f"{'stated':<14}{'-> organization':>17}{'-> person':>12}{'-> unknown':>12}{'wrong':>9}")
    for kind in ("person", "organization"):
        n = sum(v for (k, _), v in check.items() if k == kind)
        wrong = sum(v for (k, g), v in check.items() if k == kind and g not in (kind, "unknown"))
        print(
            f"{kind:<14}{check[(kind, 'organization')]:>17,}{check[(kind, 'person')]:>12,}"
            f"{check[(kind, 'unknown')]:>12,}{wrong / max(n, 1):>9.3%}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
