"""Topic lexicons for the generated corpus, per language.

Tuning and validation clips draw from disjoint topics; `content_words` lets the benchmark check
that no content word is shared between the two splits. German nouns are plurals (nominative and
accusative plural share "die"), with their dative form for "mit den ..."; German adjectives are
stems that take the ending their position needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Verb:
    base: str  # en: "check"; de: infinitive "prüfen" (also the "wir" present form)
    past: str  # en: "checked"; de: participle "geprüft"


@dataclass(frozen=True)
class Noun:
    plural: str  # en: "sails"; de: "Segel"
    dative: str = ""  # de only: "Segeln"


@dataclass(frozen=True)
class Topic:
    name: str
    language: str
    names: tuple[str, ...]
    agents: tuple[str, ...]
    things: tuple[Noun, ...]
    adjectives: tuple[str, ...]
    verbs: tuple[Verb, ...]
    places: tuple[str, ...]
    times: tuple[str, ...]


def _n(*plurals: str) -> tuple[Noun, ...]:
    return tuple(Noun(p) for p in plurals)


def _nd(*pairs: tuple[str, str]) -> tuple[Noun, ...]:
    return tuple(Noun(p, d) for p, d in pairs)


def _v(*pairs: tuple[str, str]) -> tuple[Verb, ...]:
    return tuple(Verb(b, p) for b, p in pairs)


SAILING_EN = Topic(
    "sailing",
    "en",
    ("Morgan", "Tessa", "Callum"),
    ("the skipper", "our crew", "the harbour master", "my neighbour"),
    _n("sails", "ropes", "anchors", "hulls", "masts", "rudders", "buoys", "dinghies"),
    ("salty", "frayed", "heavy", "slippery", "sturdy", "patched"),
    _v(("check", "checked"), ("coil", "coiled"), ("rinse", "rinsed"), ("haul", "hauled")),
    ("in the harbour", "along the pier", "below deck", "near the lighthouse"),
    ("at low tide", "before every voyage", "after the regatta", "during the gale"),
)
BAKING_EN = Topic(
    "baking",
    "en",
    ("Priya", "Jonas", "Greta"),
    ("the pastry chef", "my grandmother", "our baker", "the apprentice"),
    _n("loaves", "croissants", "pretzels", "muffins", "doughs", "crusts", "ovens", "trays"),
    ("crispy", "buttery", "golden", "fluffy", "sticky", "flaky"),
    _v(("knead", "kneaded"), ("glaze", "glazed"), ("proof", "proofed"), ("slice", "sliced")),
    ("in the bakery", "on the counter", "by the window", "in the cellar"),
    ("before sunrise", "on Saturdays", "after the rush", "every single morning"),
)
GARDENING_EN = Topic(
    "gardening",
    "en",
    ("Lionel", "Ruth", "Amara"),
    ("the gardener", "my aunt", "our landlord", "the allotment club"),
    _n("tomatoes", "hedges", "tulips", "seedlings", "roses", "pumpkins", "weeds", "compost heaps"),
    ("leafy", "thorny", "wilted", "fragrant", "overgrown", "tender"),
    _v(("prune", "pruned"), ("water", "watered"), ("plant", "planted"), ("mulch", "mulched")),
    ("in the greenhouse", "behind the shed", "along the fence", "on the balcony"),
    ("in early spring", "after the frost", "at dusk", "once a fortnight"),
)
ASTRONOMY_EN = Topic(
    "astronomy",
    "en",
    ("Vera", "Desmond", "Ingrid"),
    ("the observatory", "our professor", "an amateur stargazer", "the research team"),
    _n(
        "telescopes", "comets", "galaxies", "nebulae", "eclipses", "satellites", "lenses", "meteors"
    ),
    ("faint", "distant", "brilliant", "icy", "enormous", "cloudy"),
    _v(
        ("observe", "observed"),
        ("catalogue", "catalogued"),
        ("photograph", "photographed"),
        ("calibrate", "calibrated"),
    ),
    ("on the mountain", "above the desert", "through the dome", "beyond the orbit"),
    ("on moonless nights", "since the launch", "during winter", "after midnight"),
)
BANKING_EN = Topic(
    "banking",
    "en",
    ("Howard", "Lucille", "Raj"),
    ("the cashier", "our accountant", "the regulator", "a branch manager"),
    _n("loans", "mortgages", "invoices", "deposits", "cheques", "ledgers", "vaults", "pensions"),
    ("overdue", "generous", "fraudulent", "unpaid", "secure", "quarterly"),
    _v(
        ("audit", "audited"),
        ("approve", "approved"),
        ("refund", "refunded"),
        ("transfer", "transferred"),
    ),
    ("at the branch", "in the back office", "in the head office", "across the border"),
    ("at the end of the quarter", "since the merger", "on payday", "before the deadline"),
)
BEEKEEPING_EN = Topic(
    "beekeeping",
    "en",
    ("Elsie", "Bartholomew", "Noor"),
    ("the beekeeper", "my uncle", "the cooperative", "our inspector"),
    _n("hives", "queens", "drones", "honeycombs", "swarms", "smokers", "frames", "pollen baskets"),
    ("buzzing", "waxy", "drowsy", "amber", "restless", "wild"),
    _v(
        ("inspect", "inspected"),
        ("harvest", "harvested"),
        ("feed", "fed"),
        ("relocate", "relocated"),
    ),
    ("in the orchard", "near the clover field", "on the rooftop", "under the linden trees"),
    ("in late summer", "before the swarming season", "on warm afternoons", "after the bloom"),
)

SEGELN_DE = Topic(
    "segeln",
    "de",
    ("Henrik", "Frieda", "Ole"),
    ("der Skipper", "unsere Mannschaft", "der Hafenmeister", "mein Nachbar"),
    _nd(
        ("Segel", "Segeln"),
        ("Taue", "Tauen"),
        ("Anker", "Ankern"),
        ("Masten", "Masten"),
        ("Bojen", "Bojen"),
        ("Ruder", "Rudern"),
        ("Jollen", "Jollen"),
        ("Rümpfe", "Rümpfen"),
    ),
    ("salzig", "schwer", "rutschig", "robust", "geflickt", "nass"),
    _v(
        ("prüfen", "geprüft"),
        ("spülen", "gespült"),
        ("reparieren", "repariert"),
        ("trocknen", "getrocknet"),
    ),
    ("im Hafen", "am Steg", "unter Deck", "beim Leuchtturm"),
    ("bei Ebbe", "vor jeder Fahrt", "nach der Regatta", "während des Sturms"),
)
BACKEN_DE = Topic(
    "backen",
    "de",
    ("Liesel", "Kuno", "Marlene"),
    ("der Konditor", "meine Oma", "unser Bäcker", "der Lehrling"),
    _nd(
        ("Brote", "Broten"),
        ("Brezeln", "Brezeln"),
        ("Teige", "Teigen"),
        ("Öfen", "Öfen"),
        ("Bleche", "Blechen"),
        ("Krusten", "Krusten"),
        ("Hörnchen", "Hörnchen"),
        ("Kuchen", "Kuchen"),
    ),
    ("knusprig", "golden", "klebrig", "locker", "buttrig", "frisch"),
    _v(
        ("kneten", "geknetet"),
        ("glasieren", "glasiert"),
        ("schneiden", "geschnitten"),
        ("formen", "geformt"),
    ),
    ("in der Backstube", "auf der Theke", "am Fenster", "im Keller"),
    ("vor Sonnenaufgang", "am Samstag", "nach dem Ansturm", "jeden Morgen"),
)
STERNE_DE = Topic(
    "sterne",
    "de",
    ("Wilma", "Gustav", "Ilse"),
    ("die Sternwarte", "unser Professor", "die Forschungsgruppe", "eine Hobbyastronomin"),
    _nd(
        ("Teleskope", "Teleskopen"),
        ("Kometen", "Kometen"),
        ("Galaxien", "Galaxien"),
        ("Nebel", "Nebeln"),
        ("Satelliten", "Satelliten"),
        ("Linsen", "Linsen"),
        ("Meteore", "Meteoren"),
        ("Planeten", "Planeten"),
    ),
    ("schwach", "fern", "hell", "eisig", "riesig", "bewölkt"),
    _v(
        ("beobachten", "beobachtet"),
        ("fotografieren", "fotografiert"),
        ("vermessen", "vermessen"),
        ("kalibrieren", "kalibriert"),
    ),
    ("auf dem Berg", "über der Wüste", "unter der Kuppel", "jenseits der Umlaufbahn"),
    ("in mondlosen Nächten", "seit dem Start", "im Winter", "nach Mitternacht"),
)
IMKEREI_DE = Topic(
    "imkerei",
    "de",
    ("Hannelore", "Bruno", "Jette"),
    ("der Imker", "mein Onkel", "die Genossenschaft", "unsere Prüferin"),
    _nd(
        ("Bienenstöcke", "Bienenstöcken"),
        ("Königinnen", "Königinnen"),
        ("Waben", "Waben"),
        ("Schwärme", "Schwärmen"),
        ("Drohnen", "Drohnen"),
        ("Rähmchen", "Rähmchen"),
        ("Honiggläser", "Honiggläsern"),
        ("Smoker", "Smokern"),
    ),
    ("summend", "wächsern", "träge", "wild", "unruhig", "süß"),
    _v(
        ("kontrollieren", "kontrolliert"),
        ("ernten", "geerntet"),
        ("füttern", "gefüttert"),
        ("umsiedeln", "umgesiedelt"),
    ),
    ("im Obstgarten", "am Kleefeld", "auf dem Dach", "unter den Linden"),
    ("im Spätsommer", "vor der Schwarmzeit", "an warmen Nachmittagen", "nach der Blüte"),
)

TOPICS: dict[str, dict[str, tuple[Topic, ...]]] = {
    "tuning": {"en": (SAILING_EN, BAKING_EN, GARDENING_EN), "de": (SEGELN_DE, BACKEN_DE)},
    "validation": {
        "en": (ASTRONOMY_EN, BANKING_EN, BEEKEEPING_EN),
        "de": (STERNE_DE, IMKEREI_DE),
    },
}


def content_words(topic: Topic) -> set[str]:
    """Every word a topic's lexicon contributes (lower case)."""
    parts: list[str] = [*topic.names, *topic.agents, *topic.adjectives, *topic.places, *topic.times]
    parts += [n.plural for n in topic.things] + [n.dative for n in topic.things]
    parts += [v.base for v in topic.verbs] + [v.past for v in topic.verbs]
    return {w for p in parts for w in re.findall(r"\w+", p.lower())}


def shared_vocabulary(function_words: set[str]) -> set[str]:
    """Content words found in both splits (should be empty once function words are set aside)."""
    tuning = set().union(*(content_words(t) for ts in TOPICS["tuning"].values() for t in ts))
    validation = set().union(
        *(content_words(t) for ts in TOPICS["validation"].values() for t in ts)
    )
    return (tuning & validation) - function_words
