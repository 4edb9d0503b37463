"""The order-screening rules: each with a code, a plain description, the public guidance
it comes from, and a weight. A line's score combines the weights of the rules it trips
(noisy-or: ``1 - prod(1 - w)``); ``review_at`` / ``block_at`` in the configuration turn
the score into ``clear`` / ``review`` / ``block``. Weights can be overridden in the
configuration (``"weights": {"CODE": w}``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    description: str
    guidance: str
    weight: float


_RULES: tuple[Rule, ...] = (
    Rule(
        "PARTY_LISTED",
        "A party on the line (customer, consignee, end user, freight forwarder) matches a "
        "listed party (screening decision 'match').",
        "Sanctions and export-control list screening: OFAC SDN, BIS Entity/Denied Persons "
        "lists, EU/UK/UN consolidated lists; BIS Know-Your-Customer guidance "
        "(15 CFR 732 Supp. 3).",
        0.95,
    ),
    Rule(
        "PARTY_POSSIBLE_MATCH",
        "A party resembles a listed party (screening decision 'review'): a person must look.",
        "As PARTY_LISTED; BIS Know-Your-Customer red flags (a customer or address similar "
        "to a listed party: resolve before shipping).",
        0.55,
    ),
    Rule(
        "PARTY_NEAR_MATCH",
        "A party's name is close to a listed party but scores below the screener's review "
        "band (from `near_match_at`, 0.1 below that band by default): a re-spelling such "
        "as 'Geomyr' for GEOMIR. Counted only on a line with a route or party red flag "
        "(hub or restricted destination, reshipper, SEZ address, vague end use, quantity "
        "outlier, ownership); then it sends the line to review, never to block on its own "
        "(a line blocks only if it would without the near-match flags). Shown, not "
        "counted, otherwise.",
        "BIS Know-Your-Customer red flags (a name similar to a listed party); FinCEN/BIS "
        "alert FIN-2022-Alert003 and the Tri-Seal Compliance Note (2 Mar 2023): red flags "
        "are weighed together, not one by one.",
        0.3,
    ),
    Rule(
        "NEAR_MATCH_TO_HUB",
        "A party with a near match (PARTY_NEAR_MATCH) is on a line going to, or via, a "
        "transshipment-risk country: a look-alike of a listed party where diverted goods "
        "pass. With PARTY_NEAR_MATCH it sends the line to review.",
        "Tri-Seal Compliance Note (DOJ/Commerce/Treasury, 2 Mar 2023) on third-party "
        "intermediaries in transshipment countries; BIS Know-Your-Customer red flags.",
        0.3,
    ),
    Rule(
        "OWNED_BY_LISTED",
        "A party is owned 50 % or more, in aggregate, directly or indirectly, by listed "
        "parties (the 50 % rule).",
        "OFAC Revised Guidance on Entities Owned by Persons Whose Property and Interests in "
        "Property Are Blocked (13 Aug 2014); EU Council best practices on ownership and "
        "control; BIS 50 % affiliates rule (2025).",
        0.95,
    ),
    Rule(
        "OWNED_MINORITY",
        "Listed parties hold a significant minority stake (above 0 and below 50 %) in a party.",
        "OFAC 50 % rule guidance (minority stakes are not blocked but call for caution); "
        "EU ownership-and-control test.",
        0.55,
    ),
    Rule(
        "OWNERSHIP_UNKNOWN",
        "A listed party owns a stake in a party but the percentage along the chain is unknown.",
        "OFAC 50 % rule guidance; unknown ownership is not zero ownership.",
        0.55,
    ),
    Rule(
        "CHPL_ITEM",
        "The item's HS code is on the Common High Priority List (the tier is named).",
        "Common High Priority List, BIS/EU/UK/Japan (Feb 2024): items found in Russian "
        "weapons on the battlefield in Ukraine.",
        0.2,
    ),
    Rule(
        "CHPL_HINT",
        "No HS code was given, but the description suggests a CHPL heading (a hint, not a "
        "classification).",
        "Common High Priority List guidance: classify the item before export.",
        0.1,
    ),
    Rule(
        "DRONE_COMPONENT",
        "The part number matches a component found in Russian/Iranian drones or missiles "
        "(the explanation names them).",
        "Ukraine GUR War & Sanctions components database; BIS/Treasury/State/DOJ advisory "
        "on Iran's UAV-related activities (9 June 2023).",
        0.25,
    ),
    Rule(
        "CHPL_TO_HUB",
        "A CHPL item or drone component goes to, or via, a transshipment-risk country "
        "(configurable set).",
        "Tri-Seal Compliance Note (DOJ/Commerce/Treasury, 2 Mar 2023) on third-party "
        "intermediaries; FinCEN/BIS joint alerts FIN-2022-Alert003 (June 2022) and "
        "FIN-2023-NTC2 (May 2023).",
        0.5,
    ),
    Rule(
        "CHPL_TO_RESTRICTED",
        "A CHPL item or drone component goes to, or via, a restricted destination (Russia, "
        "Belarus, Iran, North Korea, Syria, Cuba by default).",
        "EU Reg. 833/2014 Art. 12g ('no re-export to Russia' clause) and Annex XXIII; US "
        "EAR Part 746; UK Russia (Sanctions) Regulations 2019.",
        0.9,
    ),
    Rule(
        "RESTRICTED_DESTINATION",
        "The ship-to country or a transit country is a restricted destination.",
        "EU Reg. 833/2014 and 765/2006; US EAR Part 746 embargoes.",
        0.6,
    ),
    Rule(
        "SEZ_ADDRESS",
        "The ship-to or a party address is in a special economic zone on the watch list "
        "(Alabuga / Yelabuga, Tatarstan by default).",
        "US Treasury and State designations of Alabuga SEZ and its suppliers (2023-2024); "
        "Ukraine War & Sanctions data on Alabuga suppliers.",
        0.85,
    ),
    Rule(
        "RESHIPPER_CONSIGNEE",
        "The consignee or end user is a freight forwarder, logistics firm or reshipper "
        "(name keywords or your reshipper list) rather than a user of the goods.",
        "FinCEN/BIS joint alert FIN-2022-Alert003 red flags (a freight forwarder named as "
        "the final destination or end user); BIS Know-Your-Customer red flags.",
        0.35,
    ),
    Rule(
        "END_USE_VAGUE",
        "The end use is missing or vague ('resale', 'general', 'n/a', ...).",
        "BIS Know-Your-Customer red flags (customer reluctant to give end-use information); "
        "EU Commission guidance on enhanced due diligence against Russia sanctions "
        "circumvention (Sept 2023).",
        0.15,
    ),
    Rule(
        "QUANTITY_OUTLIER",
        "Quantity or value is far above the customer's past orders (needs --history).",
        "BIS Know-Your-Customer red flags (quantities out of line with the customer's "
        "business); FinCEN/BIS alert FIN-2022-Alert003.",
        0.3,
    ),
    Rule(
        "INPUT_BAD_COUNTRY",
        "A country on the line is not a known country name or ISO code, or not a place "
        "goods can go (ZZ, EU, UN, a state that no longer exists): the route could not be "
        "assessed.",
        "Data quality: a line that cannot be fully read goes to a person.",
        0.5,
    ),
    Rule(
        "INPUT_BAD_HS_CODE",
        "The HS code cannot be read (wrong length or characters): the item could not be "
        "checked against the CHPL.",
        "Data quality.",
        0.5,
    ),
    Rule(
        "INPUT_BAD_QUANTITY",
        "The quantity is not a positive, finite number of at most 1e12.",
        "Data quality.",
        0.5,
    ),
    Rule(
        "INPUT_BAD_PRICE",
        "The unit price is not a number, is negative or is beyond 1e12.",
        "Data quality.",
        0.5,
    ),
    Rule(
        "INPUT_DUPLICATE_ORDER_ID",
        "The order id was already used on an earlier line of the file.",
        "Data quality.",
        0.5,
    ),
    Rule(
        "INPUT_BAD_ROW",
        "The line has more or fewer fields than the header.",
        "Data quality.",
        0.5,
    ),
)

RULES: dict[str, Rule] = {r.code: r for r in _RULES}

# Route and party red flags: a near match (PARTY_NEAR_MATCH) counts toward the score
# only on a line that also carries one of these. Goods flags (CHPL_ITEM, CHPL_HINT,
# DRONE_COMPONENT) are not among them: an ordinary customer in an allied country buying
# a microcontroller is not a red flag, so a look-alike name there stays clear.
RED_FLAGS: frozenset[str] = frozenset(
    {
        "PARTY_LISTED",
        "PARTY_POSSIBLE_MATCH",
        "NEAR_MATCH_TO_HUB",
        "OWNED_BY_LISTED",
        "OWNED_MINORITY",
        "OWNERSHIP_UNKNOWN",
        "CHPL_TO_HUB",
        "CHPL_TO_RESTRICTED",
        "RESTRICTED_DESTINATION",
        "SEZ_ADDRESS",
        "RESHIPPER_CONSIGNEE",
        "END_USE_VAGUE",
        "QUANTITY_OUTLIER",
    }
)


def weight_of(code: str, overrides: dict[str, float] | None = None) -> float:
    if overrides and code in overrides:
        return float(overrides[code])
    return RULES[code].weight


def combine(weights: list[float]) -> float:
    """Noisy-or of rule weights, in [0, 1]."""
    keep = 1.0
    for w in weights:
        keep *= 1.0 - max(0.0, min(1.0, w))
    return 1.0 - keep
