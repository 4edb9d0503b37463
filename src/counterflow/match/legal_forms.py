"""Company legal forms across languages, canonicalised to a few codes.

``ООО``, ``OOO``, ``LLC``, ``Limited Liability Company``, ``TOV`` all become ``llc``;
``АО``/``AO``/``JSC``/``OAO``/``PAO``/``ZAO``/``Joint Stock Company`` become ``jsc``, and so
on. Legal forms are removed from the core of a name (they say little about *which*
company it is) and kept aside as a weak signal. Matching works on lower-case ASCII
tokens, after transliteration.
"""

from __future__ import annotations

_FORMS: dict[str, str] = {
    # limited liability
    "llc": "llc",
    "l l c": "llc",
    "ooo": "llc",
    "tov": "llc",
    "too": "llc",
    "mchj": "llc",
    "limited liability company": "llc",
    "limited liability partnership": "llp",
    "obshchestvo s ogranichennoy otvetstvennostyu": "llc",
    "obshchestvo s ogranichennoi otvetstvennostiu": "llc",
    "obshchestvo s ogranichennoj otvetstvennostju": "llc",
    "tovarystvo z obmezhenoyu vidpovidalnistyu": "llc",
    "sp z o o": "llc",
    "spzoo": "llc",
    "sro": "llc",
    "s r o": "llc",
    "srl": "llc",
    "s r l": "llc",
    "sarl": "llc",
    "s a r l": "llc",
    "ltda": "llc",
    "gmbh": "gmbh",
    "gesellschaft mit beschrankter haftung": "gmbh",
    "mbh": "gmbh",
    "kft": "llc",
    "doo": "llc",
    "d o o": "llc",
    "eood": "llc",
    "ood": "llc",
    "fz llc": "fzllc",
    "fzllc": "fzllc",
    "llp": "llp",
    "lp": "lp",
    # joint stock
    "jsc": "jsc",
    "ojsc": "jsc",
    "cjsc": "jsc",
    "pjsc": "jsc",
    "ao": "jsc",
    "oao": "jsc",
    "zao": "jsc",
    "pao": "jsc",
    "nao": "jsc",
    "at": "jsc",
    "pat": "jsc",
    "prat": "jsc",
    "vat": "jsc",
    "zat": "jsc",
    "joint stock company": "jsc",
    "joint-stock company": "jsc",
    "open joint stock company": "jsc",
    "closed joint stock company": "jsc",
    "public joint stock company": "jsc",
    "non public joint stock company": "jsc",
    "aktsionernoe obshchestvo": "jsc",
    "aktsionernoye obshchestvo": "jsc",
    "otkrytoe aktsionernoe obshchestvo": "jsc",
    "zakrytoe aktsionernoe obshchestvo": "jsc",
    "publichnoe aktsionernoe obshchestvo": "jsc",
    "aktsionerne tovarystvo": "jsc",
    "ag": "ag",
    "aktiengesellschaft": "ag",
    "sa": "sa",
    "s a": "sa",
    "sociedad anonima": "sa",
    "societe anonyme": "sa",
    "spa": "sa",
    "s p a": "sa",
    "nv": "nv",
    "bv": "bv",
    "ab": "ab",
    "as": "as",
    "a s": "as",
    "oy": "oy",
    "oyj": "oy",
    "plc": "plc",
    "public limited company": "plc",
    # limited / company / corporation
    "ltd": "ltd",
    "limited": "ltd",
    "co ltd": "ltd",
    "company limited": "ltd",
    "co limited": "ltd",
    "pte ltd": "ltd",
    "pvt ltd": "ltd",
    "private limited": "ltd",
    "private limited company": "ltd",
    "pty ltd": "ltd",
    "sdn bhd": "ltd",
    "bhd": "ltd",
    "kk": "ltd",
    "kabushiki kaisha": "ltd",
    "yugen kaisha": "ltd",
    "inc": "inc",
    "incorporated": "inc",
    "corp": "corp",
    "corporation": "corp",
    "co": "co",
    "company": "co",
    "cie": "co",
    "fze": "fze",
    "free zone establishment": "fze",
    "fzco": "fzco",
    "fzc": "fzco",
    "free zone company": "fzco",
    "dmcc": "dmcc",
    "est": "est",
    "establishment": "est",
    # other European languages (as the EU's list translates Russian forms)
    "societatea pe actiuni": "jsc",
    "societate pe actiuni": "jsc",
    "sociedade anonima": "sa",
    "sociedad por acciones": "jsc",
    "societe par actions": "jsc",
    "societa per azioni": "sa",
    "reszvenytarsasag": "jsc",
    "zartkoruen mukodo reszvenytarsasag": "jsc",
    "nyilvanosan mukodo reszvenytarsasag": "jsc",
    "zrt": "jsc",
    "nyrt": "jsc",
    "akciova spolocnost": "jsc",
    "akciova spolecnost": "jsc",
    "verejna akciova spolocnost": "jsc",
    "spolka akcyjna": "jsc",
    "delniska druzba": "jsc",
    "dionicko drustvo": "jsc",
    "akcionarsko drushtvo": "jsc",
    "aktsionerno druzhestvo": "jsc",
    "akcine bendrove": "jsc",
    "uzdaroji akcine bendrove": "jsc",
    "akciju sabiedriba": "jsc",
    "aktsiaselts": "jsc",
    "osakeyhtio": "oy",
    "julkinen osakeyhtio": "oy",
    "aktiebolag": "ab",
    "aktieselskab": "as",
    "naamloze vennootschap": "nv",
    "sociedad de responsabilidad limitada": "llc",
    "sociedade de responsabilidade limitada": "llc",
    "sociedade limitada": "llc",
    "societe a responsabilite limitee": "llc",
    "societa a responsabilita limitata": "llc",
    "societate cu raspundere limitata": "llc",
    "societatea cu raspundere limitata": "llc",
    "korlatolt felelossegu tarsasag": "llc",
    "spolecnost s rucenim omezenym": "llc",
    "spolocnost s rucenim obmedzenym": "llc",
    "spolka z ograniczona odpowiedzialnoscia": "llc",
    # Turkish (A.S., Ltd. Sti.)
    "anonim sirketi": "as",
    "anonim sirket": "as",
    "limited sirketi": "ltd",
    "ltd sirketi": "ltd",
    "ltd sti": "ltd",
    "limited sti": "ltd",
    "sirketi": "co",
    "druzba z omejeno odgovornostjo": "llc",
    "drustvo s ogranicenom odgovornoscu": "llc",
    "druzhestvo s ogranichena otgovornost": "llc",
    "besloten vennootschap": "bv",
    "osauhing": "llc",
    "sabiedriba ar ierobezotu atbildibu": "llc",
    "valstybes imone": "sue",
    # Russian state and other forms
    "ip": "ip",
    "fgup": "sue",
    "gup": "sue",
    "mup": "sue",
    "fgbu": "sue",
    "fkp": "sue",
    "ano": "nco",
    "nko": "nco",
    "federal state unitary enterprise": "sue",
    "state unitary enterprise": "sue",
}

# Multi-word phrases as token tuples, longest first.
PHRASES: dict[tuple[str, ...], str] = {tuple(k.split()): v for k, v in _FORMS.items()}
MAX_PHRASE = max(len(k) for k in PHRASES)

# Two-letter codes that are also common name words: only stripped from non-person names
# (callers decide by kind).
AMBIGUOUS = frozenset({"ao", "at", "sa", "ag", "ab", "as", "oy", "co", "nv", "bv", "ip", "kk"})

# Legal forms that mean the same thing for matching purposes.
_EQUIV: dict[str, str] = {
    "ltd": "llc",
    "gmbh": "llc",
    "co": "llc",
    "inc": "corp",
    # share companies: the EU's list writes a Russian AO as "sociedad anónima"
    "sa": "jsc",
    "ag": "jsc",
    "nv": "jsc",
    "ab": "jsc",
    "oy": "jsc",
    "as": "jsc",
}


def split_legal_forms(
    tokens: list[str], phrases: dict[tuple[str, ...], str] | None = None
) -> tuple[list[str], list[str]]:
    """Remove legal-form phrases from ``tokens``; returns (core tokens, legal codes).

    A name that is nothing but a legal form keeps its tokens (``"Company"`` stays)."""
    table = PHRASES if phrases is None else phrases
    core: list[str] = []
    forms: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        found = False
        for size in range(min(MAX_PHRASE, n - i), 0, -1):
            code = table.get(tuple(tokens[i : i + size]))
            if code is not None:
                forms.append(code)
                i += size
                found = True
                break
        if not found:
            core.append(tokens[i])
            i += 1
    if not core:
        return tokens, []
    return core, forms


def forms_agree(a: list[str], b: list[str]) -> bool | None:
    """True when both names carry compatible legal forms, False when they conflict,
    None when either has none."""
    if not a or not b:
        return None
    ca = {_EQUIV.get(x, x) for x in a}
    cb = {_EQUIV.get(x, x) for x in b}
    return bool(ca & cb)
