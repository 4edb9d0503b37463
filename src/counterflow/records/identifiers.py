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
