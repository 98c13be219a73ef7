"""Spelling: "Menade du …?", and the corrections that are so likely right that they are
applied at once."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .analysis import KNOWN_SWEDISH, SWEDISH_STOP_WORDS, swedish_stem, zipf_swedish


_FOLD = str.maketrans("åäöÅÄÖ", "aaoAAO")
_SWEDISH_LETTERS = re.compile("[åäöÅÄÖ]")
_WORD = re.compile(r"\w+")


def fold(word: str) -> str:
    """The word as typed on a keyboard without å, ä and ö."""
    return word.translate(_FOLD)


def diacritic_words(words: list[str], freqs: list[int], known: tuple[str, ...] = ()
                    ) -> dict[str, tuple[str, int]]:
    """Folded form → (the commonest word written with å, ä or ö that folds to it, in how
    many documents): "vald" → ("våld", 40), "nara" → ("nära", 25). Stop words are in it too
    ("pa" → "på"), so that they are dropped once restored; so are the vocabulary's words."""
    found: dict[str, tuple[str, int]] = {}
    for word, freq in zip(words, freqs):
        if _SWEDISH_LETTERS.search(word):
            key = fold(word)
            if freq > found.get(key, ("", -1))[1]:
                found[key] = (word, freq)
    for word in (*known, *SWEDISH_STOP_WORDS):
        if _SWEDISH_LETTERS.search(word):
            found.setdefault(fold(word), (word, 2))
    return found


def restore_diacritics(cache, text: str, known: tuple[str, ...] = ()) -> Optional[str]:
    """A query typed with no å, ä or ö at all (a foreign keyboard, a phone, a habit), with
    them put back where the cases clearly use the word that way: "vald i nara relationer" →
    "våld i nära relationer". A word the cases use about as often as typed is kept ("vald"
    in a text about elections), and a query with any å, ä or ö was typed with them."""
    if _SWEDISH_LETTERS.search(text):
        return None
    restored = cache.diacritic_words(known)
    changed = False

    def restore(match: re.Match) -> str:
        nonlocal changed
        typed = match.group(0)
        found = restored.get(typed.lower())
        # An acronym in capitals (VAR) is meant as typed; so is a word of its own (var).
        if found is None or typed.isupper() and len(typed) > 1 \
                or typed.lower() in SWEDISH_STOP_WORDS:
            return typed
        word, documents = found
        as_typed = len(cache.term_docs("words", typed.lower()))
        if word not in SWEDISH_STOP_WORDS and documents < max(1, 2 * as_typed):
            return typed
        changed = True
        return word.capitalize() if typed[:1].isupper() else word

    result = _WORD.sub(restore, text)
    return result if changed else None


@dataclass
class Correction:
    word: str
    replacement: str
    confident: bool   # one edit to a common word: applied; otherwise only suggested


def correct_word(cache, word: str, known: tuple[str, ...] = ()) -> Optional[Correction]:
    """The closest word in live documents or in the vocabulary (`known`), never a stop word.

    Distances count a swap of two letters as one edit (optimal string alignment), since
    that is the commonest slip on a keyboard. Confident (applied at once) for one edit to a
    word found in several cases, or for two edits in a long word when no other word is as
    near; anything else is only suggested.
    """
    words, _freqs = cache.vocabulary()
    typed_frequency = zipf_swedish(word)
    if len(word) < 4 or len(word) > 40 or typed_frequency >= KNOWN_SWEDISH:
        return None   # a real Swedish word that the cases do not use is not a misspelling
    max_distance = 1 if len(word) <= 5 else 2
    common = 2 if len(cache.live_docs()) >= 100 else 1
    candidates = []
    for text, distance, _index in process.extract(word, words, scorer=OSA.distance,
                                                  score_cutoff=max_distance, limit=25):
        if text in SWEDISH_STOP_WORDS or text == word:
            continue
        if cache.term_docs("words", text):   # never a word from a removed text
            # How common the word is in any of its forms decides how sure we are.
            live = max(1, cache.stem_frequency(swedish_stem(text)))
            candidates.append((distance, -live, text))
    for text, distance, _index in process.extract(word, known, scorer=OSA.distance,
                                                  score_cutoff=max_distance, limit=10):
        # A practitioners' word from the vocabulary ("snatteri"): it finds cases through
        # its expansions; the caller checks that it does before applying it.
        if text != word and text not in SWEDISH_STOP_WORDS \
                and all(text != c[2] for c in candidates):
            candidates.append((distance, -common, text))
    if not candidates:
        return None
    distance, negative_live, text = min(candidates)
    alone = sum(1 for c in candidates if c[0] == distance) == 1
    # A rare written form of a much commoner word ("ungdommar") is a slip; a word about as
    # common as its neighbour may be meant as typed: only suggested.
    plausible = typed_frequency >= zipf_swedish(text) - 1.5 and typed_frequency > 0
    # Long words have few neighbours: one edit to the only word that near is very likely
    # what was meant, even if few cases use it ("klottersanring").
    confident = not plausible and (
        (distance == 1 and (-negative_live >= common or (len(word) >= 7 and alone)))
        or (distance == 2 and len(word) >= 8 and alone and -negative_live >= common))
    return Correction(word, text, confident)


# Letters that join the parts of a compound, or that a first part typed in its plural adds:
# fritid|s|gård, tunnelban|e|station, föräldra|r|stöd for föräldrastöd.
JOINT_LETTERS = "ser"


def mends_the_joint(word: str, correction: str) -> bool:
    """Is `correction` the typed compound with one linking letter put in or taken out
    inside it (fritidgård → fritidsgård, föräldrarstöd → föräldrastöd)?"""
    longer, shorter = (correction, word) if len(correction) > len(word) else (word, correction)
    return len(longer) == len(shorter) + 1 and any(
        longer[at] in JOINT_LETTERS and longer[:at] + longer[at + 1:] == shorter
        for at in range(3, len(longer) - 3))
