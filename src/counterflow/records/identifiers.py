"""Normalise identifiers (IMO, MMSI, INN, OGRN, passport, LEI, SWIFT, ...) so that equal
numbers compare equal whatever case, spaces or separators they were published with,
and parse user-typed identifier tokens such as ``IMO9253325`` or ``passport:A1234567``."""

from __future__ import annotations

import re

from counterflow.records.model import Identifier

_SEPARATORS = re.compile(r"[\s\-./_,:;#'\"()]+")
_DIGITS = re.compile(r"\D+")

# Source wording -> scheme. Keys are lower-case, matched on the start of the label.
_LABEL_SCHEMES: tuple[tuple[str, str], ...] = (
    ("vessel registration identification", "imo"),
    ("imo", "imo"),
    ("mmsi", "mmsi"),
    ("call sign", "call_sign"),
    ("vessel call sign", "call_sign"),
    ("passport", "passport"),
    ("diplomatic passport", "passport"),
    ("national passport", "passport"),
    ("numéro de passeport", "passport"),
    ("passeport", "passport"),
    ("número de pasaporte", "passport"),
    ("pasaporte", "passport"),
    ("national id", "national_id"),
    ("national identification", "national_id"),
    ("identification number", "national_id"),
    ("id no", "national_id"),
    ("personal id", "national_id"),
    ("cedula", "cedula"),
    ("ssn", "ssn"),
    ("tax id", "tax_id"),
    ("taxpayer", "tax_id"),
    ("rfc", "tax_id"),
    ("nit", "tax_id"),
    ("vat", "tax_id"),
    ("inn", "inn"),
    ("ogrn", "ogrn"),
    ("government gazette number", "registration"),
    ("kpp", "kpp"),
    ("okpo", "okpo"),
    ("registration", "registration"),
    ("business registration", "registration"),
    ("company number", "registration"),
    ("commercial registry", "registration"),
    ("legal entity number", "lei"),
    ("lei", "lei"),
    ("swift", "swift"),
    ("bic", "swift"),
    ("unified social credit", "uscc"),
    ("uscc", "uscc"),
    ("d-u-n-s", "duns"),
    ("duns", "duns"),
    ("aircraft manufacturer's serial", "aircraft_serial"),
    ("aircraft serial", "aircraft_serial"),
    ("aircraft tail", "aircraft_tail"),
    ("curp", "national_id"),
    ("dni", "national_id"),
    ("credencial electoral", "national_id"),
    ("ruc", "tax_id"),
    ("us fein", "tax_id"),
    ("fein", "tax_id"),
)

_NUMERIC_SCHEMES = {"imo", "mmsi", "inn", "ogrn", "kpp", "okpo", "duns"}


def scheme_for_label(label: str) -> str:
    """Map a source's identifier wording ("Passport", "Tax ID No.", "IMO") to a scheme."""
    low = label.strip().lower()
    for prefix, scheme in _LABEL_SCHEMES:
        if low.startswith(prefix):
            return scheme
    # Dotted abbreviations: "R.F.C.", "C.U.R.P.", "D.N.I."
    undotted = low.replace(".", "")
    if undotted != low:
        for prefix, scheme in _LABEL_SCHEMES:
            if undotted.startswith(prefix):
                return scheme
    return "other"


def normalise_value(scheme: str, raw: str) -> str:
    """Canonical form: upper case, no spaces or separators; numeric schemes keep digits
    only (``"IMO 9253325"`` -> ``"9253325"``)."""
    if scheme in _NUMERIC_SCHEMES:
        return _DIGITS.sub("", raw)
    value = _SEPARATORS.sub("", raw).upper()
    if scheme == "lei" and len(value) > 20:
        value = value[-20:]
    return value


def make_identifier(
    scheme: str, raw: str, *, country: str | None = None, label: str | None = None
) -> Identifier | None:
    """Build a normalised ``Identifier``; ``None`` when nothing usable remains."""
    value = normalise_value(scheme, raw)
    if not value:
        return None
    return Identifier(scheme=scheme, value=value, raw=raw.strip(), country=country, label=label)


_TOKEN_PREFIX = re.compile(r"^(imo|mmsi|inn|ogrn|lei|swift|bic|uscc|kpp|okpo|duns)\s*:?\s*", re.I)


def parse_query_token(token: str) -> Identifier | None:
    """A user-typed identifier: ``IMO9253325``, ``INN1646047020``, ``passport:A1234567``,
    ``mmsi 273354240``. Without a known prefix the scheme is ``other``."""
    token = token.strip()
    if not token:
        return None
    if ":" in token and not _TOKEN_PREFIX.match(token):
        label, _, value = token.partition(":")
        return make_identifier(scheme_for_label(label), value, label=label.strip())
    m = _TOKEN_PREFIX.match(token)
    if m:
        scheme = m.group(1).lower()
        scheme = "swift" if scheme == "bic" else scheme
        return make_identifier(scheme, token[m.end() :])
    return make_identifier("other", token)


# Schemes that can hold the same number, depending on the list. A Russian INN is
# published as "INN", "Tax ID No." (OFAC), "fiscalcode" (EU) or an FtM taxNumber; an
# OGRN as "Registration Number"; a personal number as national id, passport or tax id
# where a list mixes them. Identifiers are compared by value across a family.
_COMPANY_NUMBERS = frozenset({"inn", "tax_id", "ogrn", "registration", "kpp", "okpo", "uscc"})
_PERSONAL_NUMBERS = frozenset({"national_id", "passport", "tax_id", "inn", "cedula", "ssn"})
_LOOSE_SCHEMES = _COMPANY_NUMBERS | {"other"}
_FAMILIES: dict[str, frozenset[str]] = {}
for _family in (_COMPANY_NUMBERS, _PERSONAL_NUMBERS):
    for _scheme in _family:
        _FAMILIES[_scheme] = _FAMILIES.get(_scheme, frozenset()) | _family


def comparable_schemes(scheme: str) -> frozenset[str]:
    """The schemes whose values may be the same number as ``scheme``'s (itself, plus
    ``other``: a number whose type the list did not say)."""
    return _FAMILIES.get(scheme, frozenset({scheme})) | {scheme, "other"}


def loose_digits(value: str) -> str:
    """The digits of a company number written with a few letters around it
    (``RU1646047020``, ``INN1646047020``); ``""`` when it has fewer than 8 digits or
    more than 4 other characters. Used for company-number schemes only (a passport's
    letters are part of its number)."""
    digits = _DIGITS.sub("", value)
    if len(digits) < 8 or len(value) - len(digits) > 4:
        return ""
    return digits


def identifier_agrees(ident: Identifier, listed: dict[str, frozenset[str]]) -> bool:
    """Does the queried identifier name a number the listed party holds? ``listed`` maps
    scheme -> normalised values. An ``other`` query (no scheme given) matches any scheme;
    a typed one matches its own scheme and those that can hold the same number, by value
    (digits only where one side was written with a country prefix or note)."""
    schemes = listed.keys() if ident.scheme == "other" else comparable_schemes(ident.scheme)
    loose_query = ident.scheme in _LOOSE_SCHEMES
    digits = loose_digits(ident.value) if loose_query else ""
    for scheme in schemes:
        values = listed.get(scheme)
        if not values:
            continue
        if ident.value in values:
            return True
        if digits and scheme in _LOOSE_SCHEMES and any(loose_digits(v) == digits for v in values):
            return True
    return False
