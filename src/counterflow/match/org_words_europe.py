"""Common organisation words of other European languages, with their English words.

The EU's list gives each Russian company its name in up to 24 languages, and a national
list or a customer file may carry any of them: ``Uzina de Construcții Mașini
Krasnoyarsk`` (Romanian), ``Instituto de investigação de instrumentação espacial``
(Portuguese), ``Banque pour la reconstruction et le développement de la mer Noire``
(French), ``Bakhirev Állami Gépészeti Tudományos Kutatóintézet`` (Hungarian), ``Makina
Sanayi ve Ticaret`` (Turkish: machine industry and trade). Company
names (never person or vessel names) map these words to the English words other lists
use (``plant``, ``institute``, ``research``...), so the spellings share tokens.

Forms are written in ASCII as transliteration leaves them (``investigação`` ->
``investigacao``), each inflected form listed; a compound (``kutatointezet``) maps to
several words. Legal forms (``Societatea pe acțiuni``) are in ``legal_forms``; word
sequences whose meaning is not the sum of their words (``construcții de mașini``:
machine building) are in ``PHRASES``.
"""

from __future__ import annotations

from typing import Final

# English words -> the forms that mean them (ES, PT, FR, IT, RO, DE, NL, PL, CS, SK, SL,
# HR, HU, LT, LV, FI, SV, DA, BG in Latin letters)
_MEANINGS: Final[dict[str, str]] = {
    "plant": (
        "uzina uzinei uzinele uzinelor uzinii fabrica fabricii fabricas fabbrica usine "
        "usines werk werke werkes fabriek fabrieken fabryka fabryki fabryce zaklad zaklady "
        "zakladu zakladow tovarna tovarne tvornica tvornice gyar gyara gyarat gyarak "
        "gamykla gamyklos rupnica rupnicas tehdas"
    ),
    "enterprise": (
        "empresa empresas entreprise impresa intreprinderea intreprindere intreprinderii "
        "unternehmen przedsiebiorstwo przedsiebiorstwa podnik podniku podniky podjetje "
        "podjetja poduzece vallalat vallalata vallalatat imone imones uznemums yritys "
        "onderneming"
    ),
    "institute": (
        "instituto institutul institutului istituto instytut instytutu ustav ustavu "
        "ustavem intezet intezete intezetet institutas instituut instituutti "
        "institutet instituttet"
    ),
    "research": (
        "investigacion investigaciones investigacao investigacoes recherche recherches "
        "ricerca ricerche cercetare cercetari cercetarii forschung forschungs badawczy "
        "badawcze badawczo badawcza badan vyzkumny vyzkumna vyzkumne vyzkumu vyskumny "
        "vyskumna vyskumne vyskumu kutato kutatasi raziskovalni raziskovalno istrazivacki "
        "istrazivacko onderzoek tyrimu tutkimus"
    ),
    "scientific": (
        "cientifica cientifico cientificas cientificos scientifique scientifiques "
        "scientifica scientifico stiintifica stiintific stiintifice wissenschaftlich "
        "wissenschaftliche wissenschaftliches wissenschaftlichen naukowy naukowe naukowo "
        "naukowa vedecky vedecka vedecke vedecko tudomanyos znanstveni znanstvena "
        "znanstveno wetenschappelijk mokslinis mokslinio tieteellinen"
    ),
    "production": (
        "produccion producao produzione productie productiei produktion produktions "
        "produkcyjne produkcyjny produkcyjna produkcji vyrobni vyrobny vyrobne vyrobna "
        "proizvodno proizvodni proizvodna gamybos"
    ),
    "state": (
        "estatal estatales statale etatique staatlich staatliche staatliches staatlichen "
        "panstwowy panstwowe panstwowa panstwowego statni statny statne statna statniho "
        "allami drzavno drzavni drzavna valstybes valstybine valsts valtion statlig "
        "statens"
    ),
    "unitary": (
        "unitaria unitario unitaire unitara unitar unitare unitarne unitarny unitarnego "
        "jednotny jednotne jednotna egyseges unitarno unitarine unitarais unitaarinen"
    ),
    "federal": "federale federala federalny federalne federalni szovetsegi",
    "sea": "tengeri",
    "ports": "kikotok kikotoi",
    "republic": "koztarsasag koztarsasagi koztarsasaga",
    "crimean": "krimi krimsko krimska krimskoto",
    "company": "druzhestvo druzhestvoto",
    "first": "parvo prvo purvo",
    "insurance": (
        "seguros seguro assurance assurances assicurazioni assicurazione asigurari "
        "asigurare versicherung versicherungs ubezpieczen ubezpieczeniowa pojistovna "
        "poistovna biztosito zastrakhovatelno zavarovalnica osiguranje draudimo "
        "vakuutus verzekering forsikring forsakring"
    ),
    "bank": "banco banque banca banka bankas pankki banken",
    "center": (
        "centro centros centrul centrului zentrum centrum centra kozpont kozpontja "
        "kozpontot sredisce centras keskus centar"
    ),
    "development": (
        "desarrollo desenvolvimento developpement sviluppo dezvoltare dezvoltarea "
        "entwicklung entwicklungs rozwoju rozvoj rozvoje fejlesztesi razvoj razvitie "
        "kehitys ontwikkeling"
    ),
    "reconstruction": "reconstruccion reconstrucao ricostruzione reconstructie wiederaufbau",
    "engineering": (
        "ingenieria engenharia ingenierie ingegneria inginerie ingenieurwesen inzynierii"
    ),
    "mechanical": "mecanica mecanico mecanique meccanica mecanice mechanische mechaniczny",
    "design": "proiectare projektowe projektowy konstrukcni konstrukcne konstruktions",
    "bureau": "biroul",
    "space": "espacial espaciais spatial spatiale spaziale spatiala kosmiczny",
    "instrumentation": "instrumentacion instrumentacao instrumentatie",
    "aviation": (
        "aviacion aviacao aviazione aviatie aviatiei lotnicze lotniczy letecky letecke repulogep"
    ),
    "association": (
        "asociacion associacao associazione asociatia asociatiei vereinigung "
        "stowarzyszenie zdruzenie egyesules"
    ),
    "corporation": (
        "corporacion corporacao corporazione corporatia corporatiei korporacja korporace korporacia"
    ),
    "concern": "concernul koncern koncernu konzern",
    "academy": "academia academie accademia akademie akademia akademija akatemia",
    "university": (
        "universidad universidade universite universita universitatea universitat "
        "uniwersytet univerzita egyetem universitetas yliopisto"
    ),
    "military": (
        "militar militares militaire militare militaer wojskowy wojskowe vojensky vojenske katonai"
    ),
    "shipyard": "astillero estaleiro chantier cantiere santier werft stocznia lodenice",
    "port": "puerto porto portul hafen kikoto kikotoje",
    "chemical": "quimica quimico chimique chimica chimice chemische chemiczny chemicky",
    "electronic": "electronica electronico electronique elettronica elektronische",
    "technology": (
        "tecnologia tecnologias technologie technologies tehnologie tehnologii "
        "technologii technologia technologij"
    ),
    "system": "sistemas sistema systeme sisteme systemy",
}

# Turkish: Turkey is a hub of re-export to Russia, and its companies are listed under
# both their Turkish and their English names ("Sanayi ve Ticaret" = Industry and Trade)
_TURKISH: Final[dict[str, str]] = {
    "industry": "sanayi sanayii sanayisi",
    "trade": "ticaret ticareti",
    "and": "ve",
    "export": "ihracat",
    "import": "ithalat",
    "energy": "enerji",
    "electronic": "elektronik",
    "electric": "elektrik",
    "technology": "teknoloji teknolojileri teknolojisi",
    "technical": "teknik",
    "logistics": "lojistik",
    "machine": "makina makine makinalari makineleri",
    "construction": "insaat",
    "maritime": "denizcilik",
    "marketing": "pazarlama",
    "aviation": "havacilik",
    "food": "gida",
    "production": "uretim",
    "investment": "yatirim yatirimlari",
    "partnership": "ortakligi",
    "transport": "tasimacilik nakliyat nakliye",
    "cargo": "kargo",
    "products": "urunleri",
    "international": "uluslararasi",
    "ship": "gemi",
    "management": "isletmeciligi yonetimi",
    "defence": "savunma",
    "automotive": "otomotiv",
    "chemical": "kimya",
    "textile": "tekstil",
    "mining": "madencilik",
    "group": "grup",
    "engineering": "muhendislik",
    "consulting": "danismanlik",
    "tourism": "turizm",
    "health": "saglik",
    "software": "yazilim",
    "information": "bilgi",
    "communication": "iletisim",
    "parts": "parca parcalari",
    "system": "sistemleri",
    "services": "hizmetleri",
    "bank": "bankasi",
    "insurance": "sigorta",
}

# word sequences with their own English words (machine building, shipbuilding)
PHRASES: Final[dict[tuple[str, ...], tuple[str, ...]]] = {
    ("constructii", "de", "masini"): ("machine", "building"),
    ("constructii", "masini"): ("machine", "building"),
    ("constructii", "navale"): ("shipbuilding",),
    ("construccion", "de", "maquinas"): ("machine", "building"),
    ("construcao", "de", "maquinas"): ("machine", "building"),
    ("construction", "de", "machines"): ("machine", "building"),
    ("construction", "mecanique"): ("machine", "building"),
    ("construzione", "di", "macchine"): ("machine", "building"),
    ("construccion", "naval"): ("shipbuilding",),
    ("construcao", "naval"): ("shipbuilding",),
    ("construction", "navale"): ("shipbuilding",),
    ("budowy", "maszyn"): ("machine", "building"),
    ("mer", "noire"): ("black", "sea"),
    ("mar", "negro"): ("black", "sea"),
    ("mare", "nero"): ("black", "sea"),
    ("marea", "neagra"): ("black", "sea"),
    ("dis", "ticaret"): ("foreign", "trade"),
    ("ic", "ve", "dis", "ticaret"): ("domestic", "and", "foreign", "trade"),
    ("dis", "tic"): ("foreign", "trade"),
    ("ic", "ve", "dis", "tic"): ("domestic", "and", "foreign", "trade"),
    ("san", "ve", "tic"): ("industry", "and", "trade"),
}

# compounds of two meanings, one written word each
COMPOUNDS: Final[dict[str, tuple[str, ...]]] = {
    "maschinenbau": ("machine", "building"),
    "maschinenbauwerk": ("machine", "building", "plant"),
    "strojirensky": ("machine", "building"),
    "strojirenske": ("machine", "building"),
    "strojirenstvi": ("machine", "building"),
    "strojarsky": ("machine", "building"),
    "strojarske": ("machine", "building"),
    "gepgyar": ("machine", "plant"),
    "gepeszeti": ("mechanical", "engineering"),
    "kutatointezet": ("research", "institute"),
    "kutatointezete": ("research", "institute"),
    "kutatointezetet": ("research", "institute"),
    "biztositotarsasag": ("insurance", "company"),
    "forschungsinstitut": ("research", "institute"),
    "forschungszentrum": ("research", "center"),
    "einheitsunternehmen": ("unitary", "enterprise"),
    "seehandelshafen": ("sea", "port"),
    "flugzeugwerk": ("aircraft", "plant"),
    "schiffswerft": ("shipyard",),
    "onderzoeksinstituut": ("research", "institute"),
    "imienia": ("named", "after"),
    "tutkimuslaitos": ("research", "institute"),
    "gayrimenkul": ("real", "estate"),
}


def word_table() -> dict[str, tuple[str, ...]]:
    """Every written form -> its English words (first meaning listed wins)."""
    out: dict[str, tuple[str, ...]] = {}
    for english, forms in _MEANINGS.items():
        for form in forms.split():
            if form != english:  # "production" is French too
                out.setdefault(form, (english,))
    for english, forms in _TURKISH.items():
        for form in forms.split():
            if form != english:
                out.setdefault(form, (english,))
    for word, words in COMPOUNDS.items():
        out.setdefault(word, words)
    return out
