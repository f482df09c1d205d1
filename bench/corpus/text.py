"""Sentences from templates and a topic lexicon: each seed says things never said before.

Besides plain statements and questions, this makes the material of every labelled event: cue
phrases composed from parts (so their wording varies), hesitation fillers, and the legitimate
repetitions an editor must keep (emphasis doubling, "again and again", anaphora lists, a short
sentence restated as the opening of a longer one, quoted speech).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from bench.corpus.lexicon import Topic

T = TypeVar("T")
Rng = np.random.Generator

NUMBERS = {
    "en": ("two", "three", "four", "five", "six", "seven", "eight", "ten", "twelve", "twenty"),
    "de": ("zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "zehn", "zwölf", "zwanzig"),
}
FILLERS = {"en": ("um", "uh", "erm", "uhm", "hmm"), "de": ("äh", "ähm", "öhm", "hm")}
FUNCTION_WORDS = set(
    "the a an our my in on at of by to from with every before after during since once behind "
    "near along below above through beyond across under der die das dem den des ein eine einer "
    "unser unsere mein meine im am an auf vor nach bei beim unter über seit jenseits während "
    "jeden jede".split()
)


def pick(rng: Rng, items: Sequence[T]) -> T:
    return items[int(rng.integers(0, len(items)))]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _de_weak(stem: str) -> str:
    return stem + "en"


def _de_strong(stem: str) -> str:
    return stem + "e"


_STATEMENTS = {
    "en": (
        "{agent} {past} the {adj} {things} {place}.",
        "We {past} {num} {things} {time}.",
        "You should never {base} the {things} {place}.",
        "Nobody expected the {things} to be this {adj}.",
        "{name} always says that {adj} {things} matter more than {others}.",
        "If you {base} the {things} {time}, they stay {adj} for weeks.",
        "It took {name} {num} days to {base} all the {things}.",
        "There were {num} {adj} {things} {place}.",
        "I learned to {base} {things} from {name} {time}.",
        "Most people forget that {things} can get {adj} {place}.",
        "{time}, {agent} {past} the {things} and went home.",
    ),
    "de": (
        "{agent} hat die {adj_weak} {things} {place} {past}.",
        "Wir haben {num} {things} {time} {past}.",
        "Man sollte die {things} niemals {place} {base}.",
        "Niemand hat erwartet, dass die {things} so {adj} sind.",
        "{time} {base} wir die {things} {place}.",
        "Es gab {place} {num} {adj_strong} {things}.",
        "{name} sagt immer, dass {adj_strong} {things} wichtiger sind als {others}.",
        "Wenn man die {things} {time} {base} will, braucht man Geduld.",
        "{name} hat {num} Tage gebraucht, um alle {things} zu {base}.",
        "Viele vergessen, dass {things} {place} {adj} werden können.",
    ),
}
_QUESTIONS = {
    "en": (
        "why are the {things} so {adj} {place}?",
        "how long does it take to {base} the {things}?",
        "what did {name} do with the {adj} {things}?",
        "do you still {base} the {things} {time}?",
    ),
    "de": (
        "warum sind die {things} {place} so {adj}?",
        "wie lange dauert es, die {things} zu {base}?",
        "was hat {name} mit den {adj_weak} {dative} gemacht?",
        "muss man die {things} wirklich {time} {base}?",
    ),
}


def _slots(rng: Rng, topic: Topic) -> dict[str, str]:
    """One fresh draw of every slot a template may name."""
    first, second = rng.choice(len(topic.things), 2, replace=False)
    thing, other = topic.things[int(first)], topic.things[int(second)]
    verb, adj = pick(rng, topic.verbs), pick(rng, topic.adjectives)
    return {
        "agent": pick(rng, topic.agents),
        "name": pick(rng, topic.names),
        "base": verb.base,
        "past": verb.past,
        "adj": adj,
        "adj_weak": _de_weak(adj),
        "adj_strong": _de_strong(adj),
        "things": thing.plural,
        "dative": thing.dative,
        "others": other.plural,
        "place": pick(rng, topic.places),
        "time": pick(rng, topic.times),
        "num": pick(rng, NUMBERS[topic.language]),
    }


def statement(rng: Rng, topic: Topic) -> str:
    return _cap(pick(rng, _STATEMENTS[topic.language]).format(**_slots(rng, topic)))


def question(rng: Rng, topic: Topic) -> str:
    return _cap(pick(rng, _QUESTIONS[topic.language]).format(**_slots(rng, topic)))


# -- legitimate repetitions (kept by an editor) -------------------------------------------------


def emphasis(rng: Rng, topic: Topic) -> str:
    adj, thing = pick(rng, topic.adjectives), pick(rng, topic.things)
    if topic.language == "de":
        word = pick(rng, ("sehr, sehr", "wirklich, wirklich", "ganz, ganz"))
        return f"Die {thing.plural} waren {word} {adj}."
    word = pick(rng, ("very, very", "really, really", "so, so"))
    return f"The {thing.plural} were {word} {adj}."


def again_and_again(rng: Rng, topic: Topic) -> str:
    verb, thing = pick(rng, topic.verbs), pick(rng, topic.things)
    if topic.language == "de":
        phrase = pick(rng, ("immer und immer wieder", "wieder und wieder"))
        return f"Wir haben die {thing.plural} {phrase} {verb.past}."
    phrase = pick(rng, ("again and again", "over and over"))
    return f"We {verb.past} the {thing.plural} {phrase}."


def anaphora(rng: Rng, topic: Topic) -> str:
    things = [topic.things[int(i)] for i in rng.choice(len(topic.things), 3, replace=False)]
    verbs = [topic.verbs[int(i)] for i in rng.choice(len(topic.verbs), 3, replace=True)]
    if topic.language == "de":
        parts = [f"wir haben die {t.plural} {v.past}" for t, v in zip(things, verbs, strict=True)]
        return _cap(f"{parts[0]}, {parts[1]}, und {parts[2]}.")
    parts = [f"we {v.past} the {t.plural}" for t, v in zip(things, verbs, strict=True)]
    return _cap(f"{parts[0]}, {parts[1]}, and {parts[2]}.")


_CONSEQUENCES = {
    "en": (
        "and everything else follows",
        "and nobody gets hurt",
        "and you save a lot of time",
        "and people notice the difference",
        "and the rest is easy",
    ),
    "de": (
        "und der Rest ergibt sich",
        "und niemand kommt zu Schaden",
        "und man spart viel Zeit",
        "und alle merken den Unterschied",
        "und alles andere ist einfach",
    ),
}


def restatement(rng: Rng, topic: Topic) -> tuple[str, str]:
    """A short sentence and a longer one that opens with it."""
    verb, thing = pick(rng, topic.verbs), pick(rng, topic.things)
    short = (
        f"Wir {verb.base} die {thing.plural}"
        if topic.language == "de"
        else f"We {verb.base} the {thing.plural}"
    )
    joiner = ", " if topic.language == "de" else " "
    return f"{short}.", f"{short}{joiner}{pick(rng, _CONSEQUENCES[topic.language])}."


def quote_intro(rng: Rng, topic: Topic) -> str:
    name = pick(rng, topic.names)
    if topic.language == "de":
        return pick(
            rng,
            (
                f"{name} hat mir immer gesagt:",
                f"Und {name} meinte nur:",
                "Mein Lehrer sagte damals:",
            ),
        )
    return pick(
        rng, (f"{name} always told me:", f"And {name} just said:", "My teacher used to say:")
    )


def echo_lead(rng: Rng, language: str) -> str:
    """What an answer may start with after echoing the question."""
    if language == "de":
        return pick(rng, ("Gute Frage.", "Tja.", "Also.", ""))
    return pick(rng, ("Good question.", "Well.", "Hm, okay.", ""))


# -- cues: composed from parts, so the wording is new from clip to clip --------------------------

_CUE_PARTS = {
    "en": (
        (
            "sorry",
            "oops",
            "hang on",
            "wait",
            "okay",
            "no",
            "ugh",
            "oh dear",
            "right",
            "hmm, no",
            "scratch that",
            "let me see",
        ),
        ("let me", "I'll", "I'm going to", "let's", "I need to", "I should", "I want to"),
        (
            "start over",
            "say that again",
            "try that again",
            "redo that",
            "do that again",
            "go again",
            "take that again",
            "start that sentence again",
            "rephrase that",
            "try that one more time",
            "say it properly",
        ),
        ("", "", "from the top", "one more time", "from the beginning", "sorry", "properly"),
    ),
    "de": (
        (
            "Entschuldigung",
            "Moment",
            "Hoppla",
            "Ach",
            "Nee",
            "Halt",
            "Mist",
            "Also",
            "Warte",
            "Sorry",
            "Oh Mann",
        ),
        (
            "ich fang",
            "ich mach das",
            "ich sag das",
            "ich versuch das",
            "lass mich das",
            "ich probier das",
        ),
        ("nochmal", "noch einmal", "gleich nochmal", "lieber nochmal", "einfach nochmal"),
        ("", "", "von vorne", "von Anfang an", "richtig", "bitte"),
    ),
}
_CUE_SHORT = {
    "en": ("again", "take two", "one more time", "once more", "from the top", "let me redo that"),
    "de": ("nochmal", "zweiter Versuch", "noch einmal", "von vorne", "neuer Anlauf"),
}


def cue(rng: Rng, language: str) -> str:
    if rng.random() < 0.25:
        return pick(rng, _CUE_SHORT[language])
    opener, lead, action, tail = (pick(rng, p) for p in _CUE_PARTS[language])
    if language == "de":
        verb = "an" if lead == "ich fang" else "sagen" if lead == "lass mich das" else ""
        body = f"{lead} {action} {tail} {verb}" if verb else f"{lead} {action} {tail}"
    else:
        body = f"{lead} {action} {tail}"
    text = f"{opener}, {body}" if rng.random() < 0.8 else body
    return " ".join(text.split())


def filler(rng: Rng, language: str) -> str:
    return pick(rng, FILLERS[language])
