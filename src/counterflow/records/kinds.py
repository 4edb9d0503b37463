"""Infer the kind of a listed party whose list does not say it.

Some lists carry no person/organisation flag (BIS Denied Persons List; trade.gov CSL
rows of the Entity List, Unverified List, MEU List, ISN and DTC lists; EU entries
without a subject type; FtM ``LegalEntity``). Such a record is ``unknown`` unless a
strong signal says otherwise, and an unknown kind never costs a kind penalty when
screening. Signals, strongest first:

- a legal form in the name (``LLC``, ``Co., Ltd``, ``GmbH``, ``S.R.O.``, ``OOO``...),
  from rigour's table of organisation types (the one FollowTheMoney uses);
- a business word in the name (``Drones``, ``Trading``, ``Aerospace``, ``Institute``...);
- a programme that lists organisations only (the BIS Military End User list);
- a person-only marker: a generational suffix (``JR.``, ``SR.``, ``III``) or a prison
  address (``INCARCERATED``, ``FCI``, ``USM NO``, ``REGISTER NUMBER``).

``infer_kind`` returns the kind and the reason (kept on the record as
``properties["kindInferred"]`` so a reviewer sees why).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rigour.names import extract_org_types

from counterflow.records.model import Kind, Party

UNKNOWN: Kind = "unknown"

_ORG_WORDS = re.compile(
    r"(?<![\w.])(INC|INCORPORATED|CORP|CORPORATION|LTD|LIMITED|LLC|L\.L\.C|LLP|PLC|CO|COMPANY|"
    r"GMBH|A\.G|S\.A|S\.L|S\.P\.A|S\.R\.L|SRL|SARL|B\.V|N\.V|PTE|PTY|FZE|FZCO|FZC|SPA|"
    r"KFT|SDN|BHD|TRADING|TRADERS|INDUSTRIES|INDUSTRIAL|INDUSTRY|ENTERPRISES?|"
    r"INTERNATIONAL|GROUP|HOLDINGS?|TECHNOLOGY|TECHNOLOGIES|TECH|SOLUTIONS|SYSTEMS|SERVICES|"
    r"SUPPLY|SUPPLIES|AIRLINES?|AIRWAYS|AVIATION|CARGO|FREIGHT|LOGISTICS|SHIPPING|EXPORTS?|"
    r"IMPORTS?|ELECTRONICS?|ENGINEERING|COMMERCIAL|ASSOCIATES|PARTNERS|PARTNERSHIP|"
    r"LABORATOR(Y|IES)|INSTITUTE|UNIVERSITY|ACADEMY|BUREAU|AGENCY|DEPARTMENT|MINISTRY|"
    r"FACTORY|PLANT|WORKS|CENTER|CENTRE|BANK|ESTABLISHMENT|FOUNDATION|ORGANI[SZ]ATION|"
    r"CORPORATE|MARINE|TRANSPORT(ATION)?|EQUIPMENT|PRODUCTS|MANUFACTURING|DISTRIBUTORS?|"
    r"INSTRUMENTS|COMPONENTS|NETWORKS?|DRONES?|UAVS?|AEROSPACE|AERO|AERONAUTICS?|"
    r"AERONAUTICAL|ROBOTICS|MICROELECTRONICS|SEMICONDUCTORS?|OPTICS|OPTOELECTRONICS|"
    r"PHOTONICS|DEFEN[CS]E|MILITARY|ARMY|NAVY|REGIMENT|BRIGADE|BATTALION|UNIT|FORCES?|"
    r"GUARDS?|COMMITTEE|COUNCIL|MOVEMENT|PARTY|FRONT|COMPLEX|PLANT|MACHINE|MACHINERY|"
    r"BUILDING|CONSTRUCTION|CONSTRUCTORS|DESIGN|RESEARCH|SCIENTIFIC|SCIENCE|SCIENCES|"
    r"DEVELOPMENT|PRODUCTION|MANUFACTURE|ENERGY|PETROLEUM|OIL|GAS|CHEMICALS?|METALS?|"
    r"STEEL|MINING|POWER|MOTORS?|ENGINES?|ELECTRIC|ELECTRICAL|TELECOM|COMMUNICATIONS?|"
    r"SHOP|STORE|MARKET|EXCHANGE|INVESTMENTS?|CAPITAL|FINANCE|FINANCIAL|INSURANCE|"
    r"HOSPITAL|SCHOOL|COLLEGE|FUND|TRUST|CHARITY|SOCIETY|ASSOCIATION|UNION|CLUB|"
    r"OOO|ZAO|OAO|PJSC|EOOD|OOD|EAD|JSC|PJSC|CJSC|OJSC|FGUP|GUP|NPO|NPP|NII|KB|OKB|TOO|"
    r"HOUSE|ZONE|PORT|STATION|AIRPORT|RAILWAY|ADMINISTRATION|INSTITUTION|ARCHIVE|HOME|"
    r"REPUBLIC|ANO|FKP|FGUP|FGBU|GBU|MBU|SBI|SBIHRC|PRESS|MEDIA|NEWS|PUBLISHING|"
    r"SUCCESSOR|SUBSIDIARY|SUBSIDIARIES)(?![\w])\.?",
    re.I,
)
# Quoted name parts are how Russian and Ukrainian organisation names are written
# (OOO "Alfa", ANO "Saturn"), the quoted part last; a nickname in a personal name
# (IHSAN "SAMMY" ELASHI) is followed by the surname.
_QUOTED = re.compile(r"^[^(]*\w[^(]*\s[\"«“„][^\"«»“”„]{2,}[\"»”“]+\W*$")
_ROMAN = re.compile(r"[IVX]+", re.I)
_PERSON_NAME = re.compile(r",?\s+(JR|SR|II|III|IV)\.?\s*$|^(MR|MRS|DR)\.?\s", re.I)
# rigour's legal forms that are also common name syllables (Chinese Pao, Korean
# Myong/Ky'ong, Arabic Sad, Cantonese Sau): never evidence on their own.
_NAME_SYLLABLES = frozenset({"pao", "ong", "sad", "sau", "lt"})
_PRISON_ADDRESS = re.compile(
    r"\b(INCARCERATED|INMATE|USM\s*NO|REG(ISTER|ISTRATION)?\.?\s*(NO|NUMBER|#)|"
    r"FCI|FDC|FMC|USP|FPC|MDC|FEDERAL\s+(CORRECTIONAL|DETENTION|PRISON|MEDICAL)|"
    r"CORRECTIONAL|PRISON|PENITENTIARY|DETENTION\s+CENT)",
    re.I,
)
# Programmes (or trade.gov CSL ``source`` lists) that list organisations only.
_ORG_ONLY_PROGRAMS = re.compile(r"military end.user|\bMEU\b", re.I)


def infer_kind(
    name: str, *, addresses: Iterable[str] = (), programs: Iterable[str] = ()
) -> tuple[Kind, str]:
    """The kind of a party whose list does not say it, and why; ``("unknown", "")``
    when no strong signal says which."""
    for addr in addresses:
        m = _PRISON_ADDRESS.search(addr)
        if m:
            return "person", f"prison address ({m.group(0)!r})"
    # rigour also knows two-letter forms (AG, SA, AS, Na) that are common name words:
    # only forms of three letters or more, or written with dots, count.
    forms = [
        f
        for f, _ in extract_org_types(name)
        if ("." in f or sum(c.isalpha() for c in f) >= 3)
        and not _ROMAN.fullmatch(f)
        and f.strip(".").lower() not in _NAME_SYLLABLES
    ]
    if forms:
        return "organization", f"legal form {forms[0]!r} in the name"
    m = _ORG_WORDS.search(name)
    if m:
        return "organization", f"business word {m.group(0)!r} in the name"
    for prog in programs:
        if _ORG_ONLY_PROGRAMS.search(prog):
            return "organization", f"programme {prog!r} lists organisations only"
    if _QUOTED.search(name):
        return "organization", 'a quoted name part (OOO "...")'
    m = _PERSON_NAME.search(name)
    if m:
        return "person", f"personal suffix or title {m.group(0).strip(' ,')!r} in the name"
    return UNKNOWN, ""


def kinds_conflict(query_kind: str, listed_kind: str) -> bool:
    """True when a query's kind and a listed kind disagree. ``any`` (a query that does
    not say) and ``unknown`` (a record whose list does not say) never conflict."""
    if query_kind in ("any", "", UNKNOWN) or listed_kind in ("any", "", UNKNOWN):
        return False
    return query_kind != listed_kind


def settle_kind(party: Party) -> None:
    """For a record of ``unknown`` kind (its list did not say), infer the kind from the
    record's own facts (gender, birth places -> person; incorporation date or
    organisation type -> organization), then from its name, addresses and programmes.
    The reason goes to ``properties["kindInferred"]``; with none it stays unknown."""
    if party.kind != UNKNOWN:
        return
    props = party.properties
    kind: Kind = UNKNOWN
    reason = ""
    if party.gender or props.get("gender"):
        kind, reason = "person", "gender given"
    elif party.birth_places:
        kind, reason = "person", "place of birth given"
    elif props.get("incorporationDate") or props.get("organizationType"):
        kind, reason = "organization", "incorporation date or organisation type given"
    else:
        kind, reason = infer_kind(party.name, addresses=party.addresses, programs=party.programs)
    if kind != UNKNOWN:
        party.kind = kind
        props["kindInferred"] = [reason]
