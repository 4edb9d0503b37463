"""Normalisation: transliteration conventions, legal forms, name parts, bad text."""

from __future__ import annotations

from counterflow.match.normalize import MAX_NAME_CHARS, prepare, tokenize
from counterflow.match.pairs import score_pair
from counterflow.match.phonetic import skeleton


def test_russian_transliteration_and_conventions() -> None:
    assert tokenize("Владимир Путин") == ["vladimir", "putin"]
    # BGN "-iy", passport "-ii" and English "-y" fold together
    assert tokenize("Дмитрий") == tokenize("Dmitriy") == tokenize("Dmitrii") == tokenize("Dmitry")
    assert tokenize("Хабаров") == ["khabarov"]
    assert tokenize("Alexander") == ["aleksander"]


def test_other_scripts_become_ascii() -> None:
    for text in ["محمد علي", "金正恩", "김정은", "Αλέξανδρος", "משה", "สมชาย", "रजनीकांत"]:
        toks = tokenize(text)
        assert toks, text
        assert all(t.isascii() and t.isalnum() for t in toks), (text, toks)
    assert tokenize("김정은") == ["kim", "jong", "un"]


def test_the_arabic_article_is_a_word_of_its_own() -> None:
    """الأسد is written as one word and spelled "al-Assad" in Latin: the article becomes
    the light particle "al"; الله (Allah) stays one word."""
    form = prepare("بشار الأسد", "person")
    assert form.tokens == ["bshar", "al", "asd"]
    assert form.mults[1] < 1.0 == form.mults[0] == form.mults[2]
    assert tokenize("عبد الله") == ["abd", "allah"]
    assert tokenize("ال") == ["al"]  # nothing after the article: left as it is


def test_legal_forms_are_weak_and_canonical() -> None:
    a = prepare('ООО "Альфа Компонент"', "organization")
    b = prepare("Alfa Komponent LLC", "organization")
    c = prepare("LIMITED LIABILITY COMPANY ALFA KOMPONENT", "organization")
    assert a.tokens == b.tokens == c.tokens == ["alfa", "komponent"]
    assert a.legal == b.legal == c.legal == ["llc"]
    assert prepare("AO IEMZ Kupol", "organization").legal == ["jsc"]
    assert prepare("Joint Stock Company Kupol", "organization").legal == ["jsc"]
    # a merged legal form is split off
    assert prepare("JSCARGUMENT", "organization").tokens == ["argument"]
    # person names keep every token
    assert prepare("KO TAE HUN", "person").tokens == ["ko", "tae", "hun"]


def test_name_parts_weigh_less() -> None:
    f = prepare("Haji Abdul Salam bin Ali al-Rashid", "person")
    weights = dict(zip(f.tokens, f.mults, strict=True))
    assert weights["haji"] < 1 and weights["bin"] < 1 and weights["al"] < 1
    assert weights["rashid"] == 1.0
    g = prepare("Vladimir Vladimirovich Putin", "person")
    assert dict(zip(g.tokens, g.mults, strict=True))["vladimirovich"] < 1
    assert prepare("Jennifer L. McClellan", "person").mults[1] < 1


def test_phonetic_key_joins_transliteration_variants() -> None:
    assert skeleton("mohamed") == skeleton("muhammad") == skeleton("mhmd")
    assert skeleton("aleksandr") == skeleton("aleksander")
    assert skeleton("khabarov") == skeleton("habarov")


def test_bad_text_is_cleaned_not_fatal() -> None:
    assert prepare("", "any").empty
    assert prepare("   ", "any").empty
    assert prepare("\x00\x07\x1b", "any").empty
    assert tokenize("<b>Drake</b> &amp; Co") == ["drake", "co"]
    # a zero-width space splits like a space; a NUL is dropped
    assert tokenize("Dr\u200bake\x00 LLC") == ["dr", "ake", "llc"]
    long = prepare("A" * 10_000, "any")
    assert len("".join(long.tokens)) <= MAX_NAME_CHARS
    mixed = tokenize("Иван Smith محمد")
    assert mixed[:2] == ["ivan", "smith"] and len(mixed) == 3
    assert tokenize("=cmd|' /C calc'!A0") == ["cmd", "c", "calc", "a0"]


def test_russian_company_words_meet_their_english_translation() -> None:
    """A plant's transliterated and translated names share their tokens; names of
    persons and vessels, and surnames built on such a stem, are left as written."""
    ru = prepare(
        "AKTSIONERNOE OBSHCHESTVO BOLKHOVSKII ZAVOD POLUPROVODNIKOVYKH PRIBOROV", "organization"
    )
    en = prepare("JOINT-STOCK COMPANY BOLKHOVSKY SEMICONDUCTOR DEVICES PLANT", "organization")
    assert (
        sorted(ru.tokens) == sorted(en.tokens) == ["bolkhovski", "device", "plant", "semiconductor"]
    )
    assert ru.legal == en.legal == ["jsc"]
    assert ru.display == ["bolkhovskii", "zavod", "poluprovodnikovykh", "priborov"]
    # Cyrillic goes through transliteration first; a phrase may become a legal form
    cy = prepare(
        "ФГУП «Всероссийский научно-исследовательский институт авиационных материалов»",
        "organization",
    )
    assert cy.tokens == [
        "all",
        "russian",
        "scientific",
        "research",
        "institute",
        "aviation",
        "material",
    ]
    full = prepare("Федеральное государственное унитарное предприятие Завод Купол", "organization")
    assert full.legal == ["sue"] and full.tokens == ["plant", "kupol"]
    # a name of unknown kind is translated too, so it meets the listed company
    assert (
        prepare("Zavod Kupol", "any").tokens == prepare("Kupol Plant", "organization").tokens[::-1]
    )
    assert prepare("Kazanskii vertoletnyi zavod", "any").tokens == [
        "kazanski",
        "helicopter",
        "plant",
    ]
    # never persons or vessels; no case ending turns a surname into a word
    assert prepare("Zavod Ivanovich", "person").tokens == ["zavod", "ivanovich"]
    assert prepare("ZAVOD", "vessel").tokens == ["zavod"]
    assert prepare("Ivan Zavodov", "any").tokens == ["ivan", "zavodov"]
    assert prepare("Institutov", "organization").tokens == ["institutov"]


def test_other_european_company_words_meet_their_english_translation() -> None:
    """The EU's list writes a Russian plant's name in many languages: the company words
    and legal forms of each become the English words and codes other lists use."""
    ro = prepare("Societatea pe acțiuni «Uzina de Construcții Mașini Krasnoyarsk»", "organization")
    en = prepare("JOINT-STOCK COMPANY KRASNOYARSK MACHINE-BUILDING PLANT", "organization")
    assert ro.legal == en.legal == ["jsc"]
    assert sorted(t for t in ro.tokens if t != "de") == sorted(en.tokens)
    assert ro.display[:4] == ["uzina", "de", "constructii", "constructii"]
    pt = prepare("Instituto de investigação de instrumentação espacial", "organization")
    assert [t for t in pt.tokens if t != "de"] == [
        "institute",
        "research",
        "instrumentation",
        "space",
    ]
    hu = prepare("»Bakhirev Állami Gépészeti Kutatóintézet« Részvénytársaság", "organization")
    assert hu.tokens == ["bakhirev", "state", "mechanical", "engineering", "research", "institute"]
    assert hu.legal == ["jsc"]
    fr = prepare("Banque de développement de la mer Noire", "organization")
    assert [t for t in fr.tokens if t not in ("de", "la")] == [
        "bank",
        "development",
        "black",
        "sea",
    ]
    # a phrase is read only whole: "mer" alone stays
    assert prepare("Mer Holding", "organization").tokens == ["mer", "holding"]
    # never persons or vessels
    assert prepare("Banco Estatal", "person").tokens == ["banco", "estatal"]
    assert prepare("UZINA", "vessel").tokens == ["uzina"]


def test_a_numbered_plant_is_one_name_however_its_number_is_marked() -> None:
    """Lists write the same plant as "Zavod No. 9", "PLANT N9", "Usine n° 9", "Завод № 9"."""
    forms = ["JOINT STOCK COMPANY PLANT N9", "ZAVOD NO. 9 JSC", "Usine n° 9", "Завод № 9"]
    assert {tuple(prepare(f, "organization").tokens) for f in forms} == {("plant", "9")}
    # a word "No" before a word, and any person or vessel name, stay as written
    assert prepare("No Limits Ltd", "organization").tokens == ["no", "limits"]
    assert prepare("N9", "vessel").tokens == ["n9"]


def test_crimean_first_insurance_company_in_four_languages() -> None:
    """Russian (Latin letters), Bulgarian, English and Hungarian spellings of Crimean
    listed companies share their English words."""
    ru = prepare("OOO KRYMSKAYA PERVAYA STRAKHOVAYA KOMPANIYA", "organization")
    bg = prepare("Първо кримско застрахователно дружество", "organization")
    en = prepare("Crimean First Insurance Company LLC", "organization")
    assert sorted(bg.tokens) == sorted(en.tokens) == ["crimean", "first", "insurance"]
    # "kompaniya" stays: its K is the K of the acronym NPK
    assert ru.tokens == ["crimean", "first", "insurance", "kompaniya"]
    hu = prepare("Krími Tengeri Kikötők", "organization")
    assert hu.tokens == ["crimean", "sea", "ports"]
    # a surname spelled like a form stays a surname
    assert prepare("Pervov Strakhov", "organization").tokens == ["pervov", "strakhov"]


def test_turkish_company_words_meet_their_english_translation() -> None:
    """UK lists a Turkish re-exporter under its Turkish and its English name; a customer
    file may carry either, abbreviated the Turkish way (San. ve Tic. Ltd. Sti.)."""
    tr = prepare("BY INOVASYON TEKNOLOJI SANAYI VE TICARET LIMITED SIRKETI", "organization")
    en = prepare("BY INNOVATION TECHNOLOGY INDUSTRY AND TRADE CO. LTD", "organization")
    assert tr.tokens[2:] == en.tokens[2:] == ["technologi", "industri", "and", "trade"]
    assert tr.legal == ["ltd"]
    short = prepare("MACPAR MAKINA SAN. VE TIC. LTD. STI.", "organization")
    assert short.tokens == ["macpar", "machine", "industri", "and", "trade"]
    assert short.legal == ["ltd"]
    dis = prepare("Multimat Ic ve Dis Ticaret Pazarlama Limited Sirketi", "organization")
    assert dis.tokens == ["multimat", "domestic", "and", "foreign", "trade", "marketing"]
    reit = prepare("Kiler Gayrimenkul Yatirim Ortakligi A.S.", "organization")
    assert reit.tokens == ["kiler", "real", "estate", "investment", "partnership"]
    assert prepare("Beks Gemi Anonim Sirketi", "organization").legal == ["as"]
    # person names keep their words
    # and the two spellings score as one name
    both, why = score_pair(
        "MCR GLOBAL ELEKTRONIK SANAYI VE TICARET LTD SIRKETI",
        "MCR GLOBAL ELECTRONIC INDUSTRY AND TRADE LTD",
        "organization",
    )
    assert both >= 0.95, why
    assert "(translated)" in why
    person = prepare("Sanayi Ticaret", "person").tokens
    assert "ticaret" in person and "trade" not in person and "industri" not in person
