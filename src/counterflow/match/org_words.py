"""Common organisation words of Russian and Ukrainian names, in Latin transliteration,
with their English translations.

Lists spell the same plant both ways: ``ZAVOD POLUPROVODNIKOVYKH PRIBOROV`` (transliterated)
and ``SEMICONDUCTOR DEVICES PLANT`` (translated); ``Машиностроительный завод`` becomes
``MASHINOSTROITELNYY ZAVOD`` and ``MACHINE-BUILDING PLANT``. Company names (never person
or vessel names) map these words, in any case ending, to the English words, so both
spellings share tokens. Only word *stems* with Russian/Ukrainian case endings are listed
here, plus English plurals folded to the singular; names and places are never translated,
and no ending makes a surname (``Zavodov`` stays).
"""

from __future__ import annotations

from typing import Final

from counterflow.match import org_words_europe

# stem -> English words; a token is translated when it is the stem plus one of ENDINGS
STEMS: Final[dict[str, tuple[str, ...]]] = {
    # kinds of enterprise
    "zavod": ("plant",),
    "fabrik": ("plant",),
    "kombinat": ("combine",),
    "predpriyati": ("enterprise",),
    "predpriiati": ("enterprise",),
    "pidpryiemstv": ("enterprise",),
    "institut": ("institute",),
    "tsentr": ("center",),
    "byuro": ("bureau",),
    "biuro": ("bureau",),
    "obedinen": ("association",),
    "obyedinen": ("association",),
    "obiedinen": ("association",),
    "obiednann": ("association",),
    "korporatsi": ("corporation",),
    "kontsern": ("concern",),
    "imen": ("named", "after"),
    "verf": ("shipyard",),
    # what they are
    "nauchn": ("scientific",),
    "naukov": ("scientific",),
    "issledovatelsk": ("research",),
    "doslidn": ("research",),
    "proizvodstvenn": ("production",),
    "vyrobnych": ("production",),
    "konstruktorsk": ("design",),
    "opytn": ("experimental",),
    "eksperimentaln": ("experimental",),
    "mashinostroiteln": ("machine", "building"),
    "mashynobudivn": ("machine", "building"),
    "priborostroiteln": ("instrument", "building"),
    "sudostroiteln": ("shipbuilding",),
    "poluprovodnikov": ("semiconductor",),
    "pribor": ("device",),
    "aviatsionn": ("aviation",),
    "vertoletn": ("helicopter",),
    "vertolet": ("helicopter",),
    "dvigatel": ("engine",),
    "elektronn": ("electronic",),
    "elektronik": ("electronic",),
    "khimichesk": ("chemical",),
    "mekhanichesk": ("mechanical",),
    "optichesk": ("optical",),
    "kosmichesk": ("space",),
    "tekhnologi": ("technology",),
    "tekhnologichesk": ("technological",),
    "sistem": ("system",),
    "material": ("material",),
    "tsentraln": ("central",),
    "gosudarstvenn": ("state",),
    "derzhavn": ("state",),
    "federaln": ("federal",),
    "unitarn": ("unitary",),
    "mezhdunarodn": ("international",),
    "detsk": ("children",),
    "vserossiisk": ("all", "russian"),
    "vserossiysk": ("all", "russian"),
    "vserossisk": ("all", "russian"),
    "rossiisk": ("russian",),
    "rossiysk": ("russian",),
}

# Russian and Ukrainian case endings (transliterated) a stem may carry
ENDINGS: Final = (
    "",
    "a",
    "e",
    "i",
    "o",
    "u",
    "y",
    "ya",
    "ia",
    "yu",
    "iu",
    "om",
    "am",
    "ami",
    "akh",
    "yy",
    "yi",
    "iy",
    "ii",
    "ij",
    "yj",
    "aya",
    "aia",
    "oe",
    "oye",
    "ogo",
    "omu",
    "oi",
    "oy",
    "ye",
    "ie",
    "ykh",
    "ikh",
    "ym",
    "im",
    "ymi",
    "imi",
    "ei",
    "ey",
    "yie",
    "iie",
    "iya",
)

# genitive plurals ("priborov": of devices) only where no surname is spelled so
PLURAL_STEMS: Final = ("pribor", "material", "dvigatel")
PLURAL_ENDINGS: Final = ("ov", "ei", "ey")

# whole written forms where a stem would also spell a surname (Strakhov, Pervov)
FORMS: Final[dict[str, tuple[str, ...]]] = {
    **dict.fromkeys(
        ["strakhovaya", "strakhovaia", "strakhovoy", "strakhovoi", "strakhovogo", "strakhovoe"],
        ("insurance",),
    ),
    **dict.fromkeys(["pervaya", "pervaia", "pervyy", "pervyi", "pervoe", "pervogo"], ("first",)),
    **dict.fromkeys(
        [
            "krymskaya",
            "krymskaia",
            "krymskiy",
            "krymskii",
            "krymskogo",
            "krymskoe",
            "krymskoi",
            "krymskoy",
        ],
        ("crimean",),
    ),
}

# English words with the same meaning spelled differently, folded to one word
ENGLISH: Final[dict[str, tuple[str, ...]]] = {
    "factory": ("plant",),
    "factories": ("plant",),
    "plants": ("plant",),
    "centre": ("center",),
    "centres": ("center",),
    "centers": ("center",),
    "institutes": ("institute",),
    "devices": ("device",),
    "semiconductors": ("semiconductor",),
    "materials": ("material",),
    "systems": ("system",),
    "helicopters": ("helicopter",),
    "engines": ("engine",),
    "electronics": ("electronic",),
    "technologies": ("technology",),
    "machinebuilding": ("machine", "building"),
    "enterprises": ("enterprise",),
    "associations": ("association",),
    "shipyards": ("shipyard",),
    "childrens": ("children",),
}


def word_table() -> dict[str, tuple[str, ...]]:
    """Every written form (stem + ending, English variants, other European languages'
    forms from ``org_words_europe``) -> English words; Russian forms win a clash."""
    out: dict[str, tuple[str, ...]] = {}
    for stem, words in STEMS.items():
        for ending in ENDINGS:
            out.setdefault(stem + ending, words)
    for stem in PLURAL_STEMS:
        for ending in PLURAL_ENDINGS:
            out.setdefault(stem + ending, STEMS[stem])
    for word, words in FORMS.items():
        out.setdefault(word, words)
    for word, words in ENGLISH.items():
        out.setdefault(word, words)
    for word, words in org_words_europe.word_table().items():
        out.setdefault(word, words)
    return out


def phrase_table() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Word sequences (other European languages) -> English words."""
    return dict(org_words_europe.PHRASES)
