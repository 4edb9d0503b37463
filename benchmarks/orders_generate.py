"""An order-file generator for speed runs and tests: ordinary order lines of a European
electronics distributor, plus planted risky lines whose ids say what they are. Its
reshipper names, hub countries and vague end uses come from the detector's own
configuration, so the planted lines are flagged by construction: it measures speed, not
detection (``benchmarks/orders_eval.py`` measures detection on independent cases).

* ``PLANT-RESHIP-*``  CHPL parts (drone-component part numbers, distributor style) to a
  reshipper/logistics consignee in a transshipment hub, end use "resale";
* ``PLANT-LISTED-*``  the consignee is a listed party (e.g. an Alabuga SEZ supplier) under
  a variant spelling, shipped to a hub with ordinary goods (only the name gives it away);
* ``PLANT-OWNED-*``   an ordinary-looking customer 70 % owned by a listed company through
  two hops (listed -100 %-> holding -70 %-> customer), found only through ownership.

``write_orders`` also writes the ownership edges and the customers' order history.
Names of listed parties are passed in (read them from a list file at run time); nothing
from the shared data is embedded here.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from counterflow.orders.columns import ORDER_COLUMNS

HEADER = list(ORDER_COLUMNS)

# (part number, maker, HS code as a clerk would type it, description, typical unit price)
CATALOGUE_SENSITIVE = [
    ("TMS320F28335PGFA", "Texas Instruments", "8542.31.0001", "32-bit DSP controller", 14.0),
    ("STM32F405RGT6", "STMicroelectronics", "854231", "ARM Cortex-M4 MCU", 9.5),
    ("ADXL357BEZ", "Analog Devices", "8542.39", "3-axis MEMS accelerometer", 28.0),
    ("LMZ14203TZ/NOPB", "Texas Instruments", "8542.39.0001", "power module", 11.0),
    ("AD9243ASZ", "Analog Devices", "854239", "14-bit ADC", 22.0),
    ("MAX3221ECPWR", "Maxim Integrated", "8542.39", "RS-232 transceiver", 3.1),
    ("NEO-M8N-0-10", "u-blox", "8526.91", "GNSS module", 19.0),
    ("TPS54312PWPR", "TI", "8542.39", "buck converter", 2.4),
    ("GRM188R71H104KA93D", "Murata", "8532.24", "MLCC 100nF 50V", 0.01),
    ("T491A106K016AT", "KEMET", "8532.21", "tantalum capacitor 10uF", 0.2),
    ("IRF540NPBF", "Infineon", "8541.29", "N-channel MOSFET", 0.9),
    ("WAGO-221-413", "WAGO", "8536.90", "splicing connector", 0.4),
    ("B2B-XH-A", "JST", "8536.69", "PCB header connector", 0.05),
    ("608-2RSH", "SKF", "8482.10", "deep groove ball bearing", 2.2),
    ("PSU-24V-5A", "Mean Well", "8504.40", "DIN rail power supply", 21.0),
    ("ABM8-16.000MHZ-B2-T", "Abracon", "8541.60", "crystal 16 MHz", 0.3),
]
CATALOGUE_ORDINARY = [
    ("RC0603FR-0710KL", "Yageo", "8533.21", "thick film resistor 10k", 0.002),
    ("CRCW060310K0FKEA", "Vishay", "853321", "resistor 10k 0603", 0.004),
    ("DIN912-M4X10-A2", "Würth", "7318.15", "socket head screws M4x10", 0.05),
    ("LAPP-0035803", "Lapp", "8544.42", "control cable 3G1.5", 1.8),
    ("0217001.MXP", "Littelfuse", "8536.10", "glass fuse 1A", 0.15),
    ("L-8525-FAN", "ebm-papst", "8414.59", "axial fan 80 mm", 12.0),
    ("HS-3917-BLK", "TE Connectivity", "3917.32", "heat shrink tubing", 0.8),
    ("ENCL-ABS-120", "Hammond", "8538.10", "ABS enclosure", 6.5),
    ("KNIPEX-8701250", "Knipex", "8203.20", "pliers wrench", 25.0),
    ("HAKKO-FX888D", "Hakko", "8515.11", "soldering station", 95.0),
    ("OFFICE-CHAIR-24", "Steelcase", "9401.30", "office chair", 310.0),
    ("PAPER-A4-80G", "Navigator", "4802.56", "copy paper A4", 4.0),
]
DISTRIBUTOR_AFFIXES = [
    ("296-", "-ND"),
    ("", "-TR"),
    ("595-", ""),
    ("", "T&R"),
    ("", "-REEL7"),
    ("", "#PBF"),
    ("", ""),
]

SAFE_COUNTRIES = [
    ("DE", ["Berlin", "Munich", "Hamburg", "Stuttgart"], "EUR"),
    ("FR", ["Paris", "Lyon", "Toulouse"], "EUR"),
    ("IT", ["Milan", "Turin", "Bologna"], "EUR"),
    ("NL", ["Eindhoven", "Rotterdam"], "EUR"),
    ("PL", ["Warsaw", "Wroclaw"], "EUR"),
    ("SE", ["Stockholm", "Gothenburg"], "SEK"),
    ("GB", ["Cambridge", "Bristol", "Leeds"], "GBP"),
    ("US", ["Austin", "San Jose", "Boston"], "USD"),
    ("JP", ["Osaka", "Nagoya"], "JPY"),
    ("CH", ["Zurich", "Basel"], "CHF"),
    ("AT", ["Graz", "Linz"], "EUR"),
    ("CZ", ["Brno", "Prague"], "CZK"),
    ("FI", ["Espoo", "Tampere"], "EUR"),
    ("ES", ["Barcelona", "Valencia"], "EUR"),
    ("CA", ["Ottawa", "Waterloo"], "CAD"),
    ("KR", ["Suwon", "Daejeon"], "KRW"),
]
HUB_COUNTRIES = [
    ("KZ", ["Almaty", "Astana"]),
    ("KG", ["Bishkek"]),
    ("AM", ["Yerevan"]),
    ("GE", ["Tbilisi"]),
    ("AE", ["Dubai", "Sharjah"]),
    ("TR", ["Istanbul"]),
    ("HK", ["Kowloon"]),
    ("UZ", ["Tashkent"]),
]
FORWARDERS = ["DHL Global Forwarding", "Kuehne + Nagel", "DB Schenker", "DSV Air & Sea", ""]
END_USES = [
    "automotive ECU production",
    "industrial motor drives",
    "medical monitoring devices",
    "smart metering",
    "university research lab",
    "railway signalling",
    "wind turbine controllers",
    "consumer audio products",
    "building automation",
    "spare parts for production line",
]
_NAME_A = [
    "Nord",
    "Alpen",
    "Rhein",
    "Baltic",
    "Atlas",
    "Helix",
    "Vector",
    "Orion",
    "Kappa",
    "Lumen",
    "Polar",
    "Delta",
    "Sigma",
    "Astra",
    "Fjord",
    "Nova",
    "Terra",
    "Aero",
    "Vita",
    "Opti",
    "Hydro",
    "Volt",
    "Ferro",
    "Quanta",
    "Zenit",
    "Cobalt",
    "Argon",
    "Boreal",
    "Cirrus",
    "Danube",
]
_NAME_B = [
    "tronic",
    "tech",
    "werk",
    "systems",
    "motion",
    "sense",
    "metrics",
    "power",
    "labs",
    "design",
    "matic",
    "wave",
    "line",
    "grid",
    "soft",
    "med",
    "rail",
    "drive",
    "control",
    "optics",
]
_LEGAL = {
    "DE": "GmbH",
    "FR": "SAS",
    "IT": "S.r.l.",
    "NL": "B.V.",
    "PL": "Sp. z o.o.",
    "SE": "AB",
    "GB": "Ltd",
    "US": "Inc.",
    "JP": "K.K.",
    "CH": "AG",
    "AT": "GmbH",
    "CZ": "s.r.o.",
    "FI": "Oy",
    "ES": "S.L.",
    "CA": "Inc.",
    "KR": "Co., Ltd.",
}
_HUB_LEGAL = {
    "KZ": "LLP",
    "KG": "LLC",
    "AM": "LLC",
    "GE": "LLC",
    "AE": "FZE",
    "TR": "Ltd. Şti.",
    "HK": "Limited",
    "UZ": "LLC",
}
_RESHIP_WORDS = ["Logistics", "Cargo", "Freight", "Express Shipping", "Transit"]


@dataclass(slots=True)
class Customer:
    name: str
    country: str
    city: str
    currency: str
    typical_qty: int
    hub: bool = False
    owned_by_listed: bool = False


@dataclass(slots=True)
class Generated:
    lines: int = 0
    planted: dict[str, list[str]] = field(default_factory=dict)  # kind -> order ids
    ordinary: int = 0
    edges: int = 0


_ONSET = [
    "b",
    "br",
    "d",
    "f",
    "g",
    "gr",
    "h",
    "k",
    "kl",
    "l",
    "m",
    "n",
    "p",
    "pr",
    "r",
    "s",
    "st",
    "t",
    "tr",
    "v",
    "w",
    "z",
]
_NUCLEUS = ["a", "e", "i", "o", "u", "ei", "au", "oe"]
_CODA = ["", "", "n", "r", "l", "m", "s", "x", "nd", "rk", "lt"]


def _stem(rng: random.Random) -> str:
    """A made-up brand stem ("Kelvar", "Strondix"): ordinary customers should look like
    real firms without copying real (possibly listed) names."""
    n = rng.choice([2, 2, 3])
    return "".join(
        rng.choice(_ONSET) + rng.choice(_NUCLEUS) + rng.choice(_CODA) for _ in range(n)
    ).title()


def _company(rng: random.Random, country: str, used: set[str]) -> str:
    for _ in range(100):
        legal = _LEGAL.get(country) or _HUB_LEGAL.get(country, "Ltd")
        name = f"{_stem(rng)}{rng.choice(_NAME_B)} {legal}"
        if rng.random() < 0.3:
            name = f"{_stem(rng)} {name}"
        if name not in used:
            used.add(name)
            return name
    name = f"{name} {len(used)}"
    used.add(name)
    return name


def variant_spelling(name: str, rng: random.Random) -> str:
    """A plausible re-spelling of a listed company name: legal form moved or translated,
    a letter changed as transliteration does (DRAKE -> Dreik/Drayk), case changed."""
    words = name.replace(",", "").split()
    legal = {"LLC", "JSC", "LIMITED", "LIABILITY", "COMPANY", "JOINT-STOCK", "OOO", "AO", "PJSC"}
    core = [w for w in words if w.upper() not in legal]
    if not core:
        core = words
    translit = [
        ("AKE", "EIK"),
        ("A", "AH"),
        ("ER", "IR"),
        ("S", "SS"),
        ("C", "K"),
        ("Y", "I"),
        ("OO", "U"),
        ("E", "YE"),
        ("I", "Y"),
        ("ROS", "ROSS"),
    ]
    rng.shuffle(translit)
    longest = max(range(len(core)), key=lambda i: len(core[i]))
    for a, b in translit:
        w = core[longest].upper()
        if a in w[1:]:
            pos = w.index(a, 1)
            core[longest] = w[:pos] + b + w[pos + len(a) :]
            break
    body = " ".join(w.title() for w in core)
    form = rng.choice(
        ["OOO {}", "{} LLC", "{} Ltd", "LLC {}", "Limited Liability Company {}", "{} OOO"]
    )
    return form.format(body)


def write_orders(
    path: Path | str,
    n_lines: int,
    *,
    listed_names: Sequence[str],
    seed: int = 7,
    planted_each: int = 100,
    n_customers: int = 5000,
    edges_path: Path | str | None = None,
    history_path: Path | str | None = None,
    listed_owner: str | None = None,
) -> Generated:
    """Write ``n_lines`` order lines (``planted_each`` of each planted kind among them)."""
    rng = random.Random(seed)
    used: set[str] = set()
    customers: list[Customer] = []
    for _ in range(n_customers):
        if rng.random() < 0.08:
            cc, cities = rng.choice(HUB_COUNTRIES)
            customers.append(
                Customer(
                    _company(rng, cc, used),
                    cc,
                    rng.choice(cities),
                    "USD",
                    rng.choice([10, 50, 100, 500]),
                    hub=True,
                )
            )
        else:
            cc, cities, cur = rng.choice(SAFE_COUNTRIES)
            customers.append(
                Customer(
                    _company(rng, cc, used),
                    cc,
                    rng.choice(cities),
                    cur,
                    rng.choice([10, 50, 100, 500, 1000, 5000]),
                )
            )
    # ownership: ordinary parent companies, plus the planted chain
    edges: list[tuple[str, str, str, str]] = []
    for c in customers:
        r = rng.random()
        if r < 0.3:
            parent = _company(rng, c.country if not c.hub else "GB", used)
            edges.append((parent, c.name, str(rng.choice([51, 60, 75, 100])), "registry"))
            if rng.random() < 0.3:
                edges.append(
                    (_company(rng, "US", used), parent, str(rng.choice([20, 35, 100])), "registry")
                )
    owned_customers: list[Customer] = []
    owner = listed_owner or (listed_names[0] if listed_names else "Listed Holding")
    for _ in range(max(1, planted_each // 20)):
        holding = _company(rng, "CY", used)
        cust = Customer(
            _company(rng, "DE", used), "DE", "Leipzig", "EUR", 100, owned_by_listed=True
        )
        edges.append((owner, holding, "100", "planted"))
        edges.append((holding, cust.name, "70", "planted"))
        # a clean 30 % co-owner, so the customer's owners sum to 100 %
        edges.append((_company(rng, "DE", used), cust.name, "30", "registry"))
        owned_customers.append(cust)
    gen = Generated()
    plant_kinds = ["RESHIP", "LISTED", "OWNED"]
    total_planted = planted_each * len(plant_kinds) if listed_names else planted_each * 2
    plant_at = set(rng.sample(range(n_lines), min(total_planted, n_lines)))
    plant_cycle = 0
    reshippers = [
        (f"{rng.choice(_NAME_A)} {rng.choice(_RESHIP_WORDS)} {_HUB_LEGAL[cc]}", cc, cities)
        for cc, cities in HUB_COUNTRIES
        for _ in range(5)
    ]
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        for i in range(n_lines):
            if i in plant_at:
                kind = plant_kinds[plant_cycle % len(plant_kinds)]
                if kind == "LISTED" and not listed_names:
                    kind = "RESHIP"
                plant_cycle += 1
                oid = f"PLANT-{kind}-{i:07d}"
                gen.planted.setdefault(kind, []).append(oid)
                w.writerow(_planted_row(rng, kind, oid, reshippers, listed_names, owned_customers))
            else:
                gen.ordinary += 1
                w.writerow(_ordinary_row(rng, f"ORD-{i:07d}", customers))
            gen.lines += 1
    if edges_path is not None:
        with Path(edges_path).open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["owner", "owned", "percent", "source"])
            w.writerows(edges)
        gen.edges = len(edges)
    if history_path is not None:
        with Path(history_path).open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["customer", "quantity", "unit_price"])
            for c in customers:
                for _ in range(5):
                    w.writerow([c.name, max(1, int(c.typical_qty * rng.uniform(0.3, 2.0))), ""])
    return gen


def _part(rng: random.Random, sensitive: bool, affix: bool) -> tuple[str, str, str, str, float]:
    pn, maker, hs, desc, price = rng.choice(
        CATALOGUE_SENSITIVE if sensitive else CATALOGUE_ORDINARY
    )
    if affix and sensitive:
        pre, suf = rng.choice(DISTRIBUTOR_AFFIXES)
        pn = f"{pre}{pn}{suf}"
    return pn, maker, hs, desc, price


def _ordinary_row(rng: random.Random, oid: str, customers: list[Customer]) -> list[str]:
    c = rng.choice(customers)
    sensitive = (not c.hub) and rng.random() < 0.5
    pn, maker, hs, desc, price = _part(rng, sensitive, affix=rng.random() < 0.4)
    qty = max(1, int(c.typical_qty * rng.uniform(0.3, 2.0)))
    end_use = rng.choice(END_USES) if rng.random() > 0.03 else ""
    return [
        oid,
        c.name,
        c.name,
        c.name if rng.random() < 0.5 else "",
        rng.choice(FORWARDERS),
        c.country,
        f"{rng.randint(1, 200)} Industriestrasse, {c.city}",
        "",
        hs if rng.random() > 0.1 else "",
        pn,
        maker,
        desc,
        str(qty),
        f"{price * rng.uniform(0.9, 1.1):.2f}",
        c.currency,
        end_use,
    ]


def _planted_row(
    rng: random.Random,
    kind: str,
    oid: str,
    reshippers: list[tuple[str, str, list[str]]],
    listed_names: Sequence[str],
    owned: list[Customer],
) -> list[str]:
    if kind == "RESHIP":
        name, cc, cities = rng.choice(reshippers)
        pn, maker, hs, desc, price = _part(rng, True, affix=True)
        cust = f"{rng.choice(_NAME_A)} Trading {_HUB_LEGAL[cc]}"
        return [
            oid,
            cust,
            name,
            "",
            "",
            cc,
            f"{rng.choice(cities)}, warehouse {rng.randint(1, 90)}",
            "",
            hs,
            pn,
            maker,
            desc,
            str(rng.randint(200, 5000)),
            f"{price:.2f}",
            "USD",
            rng.choice(["resale", "", "general", "stock"]),
        ]
    if kind == "LISTED":
        listed = variant_spelling(rng.choice(list(listed_names)), rng)
        cc, cities = rng.choice(HUB_COUNTRIES)
        pn, maker, hs, desc, price = _part(rng, False, affix=False)
        cust = f"{rng.choice(_NAME_A)}{rng.choice(_NAME_B)} {_HUB_LEGAL[cc]}"
        return [
            oid,
            cust,
            listed,
            "",
            "",
            cc,
            f"{rng.choice(cities)} business centre",
            "",
            hs,
            pn,
            maker,
            desc,
            str(rng.randint(10, 500)),
            f"{price:.2f}",
            "USD",
            rng.choice(END_USES),
        ]
    c = rng.choice(owned)
    pn, maker, hs, desc, price = _part(rng, False, affix=False)
    return [
        oid,
        c.name,
        c.name,
        c.name,
        rng.choice(FORWARDERS),
        c.country,
        f"{rng.randint(1, 90)} Hafenstrasse, {c.city}",
        "",
        hs,
        pn,
        maker,
        desc,
        str(rng.randint(10, 200)),
        f"{price:.2f}",
        c.currency,
        rng.choice(END_USES),
    ]


def write_ownership_graph(
    path: Path | str, n_edges: int, *, seed: int = 11, listed_every: int = 500
) -> list[str]:
    """A synthetic ``n_edges`` ownership graph shaped like company registers: groups of
    1-400 companies (each owned by an earlier member of its group, so chains are a few
    hops deep), cross-holdings inside groups, a few holdings across groups, 5 % unknown
    percentages and a few dozen small cycles. Returns the keys to treat as listed (the
    top company of every ``listed_every``-th group)."""
    rng = random.Random(seed)
    listed: list[str] = []
    pcts = ["100", "100", "51", "60", "75", "30", "25", "49", "10"]
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["owner", "owned", "percent", "source"])
        written = node = group = 0
        groups: list[tuple[int, int]] = []
        cycles = 0
        while written < n_edges:
            size = min(400, max(2, int(rng.paretovariate(1.2) * 3)))
            first = node
            node += size
            groups.append((first, size))
            if group % listed_every == 0:
                listed.append(f"C{first:08d}")
            group += 1
            for k in range(1, size):
                if written >= n_edges:
                    break
                parent = first + rng.randrange(max(0, k - 20), k)
                pct = "" if rng.random() < 0.05 else rng.choice(pcts)
                w.writerow([f"C{parent:08d}", f"C{first + k:08d}", pct, "synthetic"])
                written += 1
                rest = 100 - int(pct or 100)
                r = rng.random()
                if r < 0.08 and k > 1 and rest > 0 and written < n_edges:  # co-owner in group
                    a = first + rng.randrange(0, k - 1)
                    w.writerow([f"C{a:08d}", f"C{first + k:08d}", str(rest), "synthetic"])
                    written += 1
                elif r < 0.09 and len(groups) > 1 and rest > 0 and written < n_edges:
                    og, osz = groups[rng.randrange(len(groups) - 1)]  # co-owner elsewhere
                    w.writerow(
                        [
                            f"C{og + rng.randrange(osz):08d}",
                            f"C{first + k:08d}",
                            str(rest),
                            "synthetic",
                        ]
                    )
                    written += 1
                elif r < 0.0905 and cycles < 50 and written < n_edges:  # a small cycle
                    w.writerow([f"C{first + k:08d}", f"C{parent:08d}", "20", "synthetic"])
                    written += 1
                    cycles += 1
    return listed
