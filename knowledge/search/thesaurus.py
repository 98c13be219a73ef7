"""The vocabulary as query analysis uses it: entries keyed by the index's stems, compiled
once per process and again whenever an editor changes the table."""
from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from typing import Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..taxonomy.models import District
from .models import SearchTerm
from .analysis import KNOWN_SWEDISH, hyphen_key, hyphen_keys, is_acronym, stems, swedish_stem, zipf_swedish

_LETTER_HYPHEN = re.compile(r"(?:^|\W)\w-\w", re.UNICODE)
# Endings of a noun's or a verb's common forms: enough to tell whether an acronym's letters,
# lower-cased, are also an ordinary word's stem (STAD: staden, ÖPP: öppen, KAST: kasta).
_FORMS = ("", "a", "an", "ar", "arna", "e", "en", "er", "erna", "et", "na", "or", "s", "t")


@functools.lru_cache(maxsize=65536)
def _stems_of(text: str) -> tuple[str, ...]:
    # A synonym group of k words adds k·(k−1) pairs, each analysing both texts: with the
    # starter vocabulary that was 33 000 analyses (2 s) for some 8 000 distinct texts.
    return tuple(stems(text))


@functools.lru_cache(maxsize=65536)
def is_ordinary_word(acronym: str) -> bool:
    """Does the acronym, lower-cased, stem as a common Swedish word does? The index cannot
    tell "STAD" from "staden" (both are "stad" there), so such an acronym is a key only when
    typed in capitals, and never an expansion."""
    lower = acronym.lower()
    stem = swedish_stem(lower)
    return any(form != lower and swedish_stem(form) == stem
               and zipf_swedish(form) >= KNOWN_SWEDISH
               for form in (stem + ending for ending in _FORMS))


@dataclass(frozen=True)
class Expansion:
    """Something a matched vocabulary key adds to the search."""

    text: str                       # as shown: "butiksstöld"
    kind: str
    stems: tuple[str, ...] = ()     # as the index has them
    district: Optional[str] = None  # place entries: the district slug


@dataclass
class Vocabulary:
    """Keys are stem sequences, as the index analyses text: "snatterier" meets "snatteri",
    "stölder i butiker" meets "stöld i butik", and an acronym that is also a stop word only
    counts when typed in capitals ("VAR" is a key, "var" is no word at all)."""

    entries: dict[tuple[str, ...], list[Expansion]] = field(default_factory=dict)
    # Acronyms that are ordinary words in lower case, as typed in capitals: "STAD".
    capitals: dict[str, list[Expansion]] = field(default_factory=dict)
    # Words of a letter and a hyphen, by analysis.hyphen_key: "t-ban" (t-bana, t-banan).
    hyphened: dict[str, list[Expansion]] = field(default_factory=dict)
    # A narrower term → its broader terms (the broader rows read backwards), for a word no
    # case uses: "högerextremism" → "extremism".
    upward: dict[tuple[str, ...], list[Expansion]] = field(default_factory=dict)
    longest: int = 1
    # One-word terms as written (lower-cased): spelling corrections may lead to them.
    words: set[str] = field(default_factory=set)
    _spelling: tuple[str, ...] = ()

    def add(self, key_text: str, text: str, kind: str, district: Optional[str] = None) -> None:
        if district is None and _LETTER_HYPHEN.search(text):
            return  # "t-bana" is "t" + "bana" to the index: it would find every "bana"
        if _LETTER_HYPHEN.search(key_text):
            # Never a key by its stems (that would be "bana"), but looked up whole when typed.
            whole = hyphen_key(key_text)
            expansion_stems = _stems_of(text)
            if whole and (expansion_stems or district is not None):
                found = self.hyphened.setdefault(whole, [])
                added = Expansion(text, kind, expansion_stems if district is None else (),
                                  district)
                if added not in found:
                    found.append(added)
            return
        if is_acronym(text) and is_ordinary_word(text):
            return  # "STAD" would find every "staden"
        key = _stems_of(key_text)
        expansion_stems = _stems_of(text)
        if not key or (not expansion_stems and district is None) or (
                expansion_stems == key and district is None):
            return
        expansion = Expansion(text, kind, expansion_stems if district is None else (),
                              district)
        if is_acronym(key_text) and is_ordinary_word(key_text):
            found = self.capitals.setdefault(key_text.strip(), [])
            if expansion not in found:
                found.append(expansion)
            return
        found = self.entries.setdefault(key, [])
        if expansion not in found:
            found.append(expansion)
        self.longest = max(self.longest, len(key))
        if len(key) == 1 and key_text.isalpha():
            self.words.add(key_text.lower())

    @property
    def spelling_words(self) -> tuple[str, ...]:
        if len(self._spelling) != len(self.words):
            self._spelling = tuple(sorted(self.words))
        return self._spelling

    def lookup(self, key: tuple[str, ...]) -> list[Expansion]:
        return self.entries.get(key, [])

    def lookup_capitals(self, typed: str) -> list[Expansion]:
        return self.capitals.get(typed, [])

    def add_upward(self, narrower: str, broader: str) -> None:
        if _LETTER_HYPHEN.search(narrower) or _LETTER_HYPHEN.search(broader):
            return
        key, broader_stems = _stems_of(narrower), _stems_of(broader)
        if key and broader_stems and key != broader_stems:
            found = self.upward.setdefault(key, [])
            expansion = Expansion(broader, "upward", broader_stems)
            if expansion not in found:
                found.append(expansion)

    def lookup_upward(self, key: tuple[str, ...]) -> list[Expansion]:
        return self.upward.get(key, [])

    def lookup_hyphened(self, typed: str) -> list[Expansion]:
        for key in hyphen_keys(typed):
            if key in self.hyphened:
                return self.hyphened[key]
        return []

    def knows(self, stem: str) -> bool:
        """Is this stem a one-word term with expansions other than places?"""
        return any(not e.district for e in self.entries.get((stem,), ()))


# A broader row whose note says "en väg" (bara åt ena hållet) maps everyday words or an
# abbreviation to the words cases use ("slå" → misshandel, "LSS" → personlig assistans): it
# is read one way only, never as "misshandel is a kind of slå" by a search going up.
ONE_WAY_NOTE = "en väg"


def is_one_way(note: Optional[str]) -> bool:
    return ONE_WAY_NOTE in (note or "").lower()


def compile_vocabulary(rows: Iterable[SearchTerm], districts: dict[str, str],
                       merged: Optional[dict[str, str]] = None) -> Vocabulary:
    """districts: slug → name of the active districts, so that district names themselves
    work as places; merged: an old district's slug → the slug of the district it is part of
    now, so that a place filed under Rinkeby-Kista finds Järva's cases after the merge."""
    merged = merged or {}
    vocabulary = Vocabulary()
    for row in rows:
        words = [row.term] + list(row.expansions or [])
        if row.kind in ("synonym", "abbreviation"):
            for word in words:            # every member finds every other
                for other in words:
                    if other is not word:
                        vocabulary.add(word, other, row.kind)
        elif row.kind in ("broader", "english"):
            for other in row.expansions or []:  # one way: the term finds the narrower words
                vocabulary.add(row.term, other, row.kind)
                if row.kind == "broader" and not is_one_way(row.note):
                    vocabulary.add_upward(other, row.term)
        elif row.kind == "place" and row.district_slug:
            slug = merged.get(row.district_slug, row.district_slug)
            if slug not in districts:
                continue
            for word in words:
                vocabulary.add(word, districts[slug], "place", slug)
                for other in words:
                    if other is not word:
                        vocabulary.add(word, other, "place")
    for slug, name in districts.items():
        vocabulary.add(name, name, "place", slug)
    return vocabulary


class VocabularyCache:
    """The compiled vocabulary of one process, recompiled when the table changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: Optional[tuple] = None
        self._vocabulary = Vocabulary()

    def current(self, session: Session) -> Vocabulary:
        stamp = tuple(session.execute(select(func.count(SearchTerm.id),
                                             func.max(SearchTerm.updated_at),
                                             func.max(SearchTerm.id))).one())
        # A merge changes which districts are active and where old ones point.
        stamp += tuple(session.execute(select(func.count(District.id),
                                              func.max(District.id),
                                              func.sum(District.merged_into_id),
                                              func.count(District.id).filter(District.active))
                                       ).one())
        with self._lock:
            if stamp != self._stamp:
                every = {d.id: d for d in session.scalars(select(District))}
                districts = {d.slug: d.name for d in every.values() if d.active}
                merged = {d.slug: _current(d, every).slug for d in every.values()
                          if not d.active}
                self._vocabulary = compile_vocabulary(session.scalars(select(SearchTerm)),
                                                      districts, merged)
                self._stamp = stamp
            return self._vocabulary


def _current(district: District, every: dict[int, District]) -> District:
    seen = set()
    while district.merged_into_id and district.merged_into_id in every \
            and district.id not in seen:
        seen.add(district.id)
        district = every[district.merged_into_id]
    return district
