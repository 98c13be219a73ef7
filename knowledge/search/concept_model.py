"""What a query asks for: concepts and the alternative ways a case can match each one.

Plain data, built by knowledge.search.concepts and read by the ranking (scoring.py), which
therefore needs nothing else of the query analysis.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

COMPOUND_WEIGHT = 0.6     # a compound found through one of its parts weighs less


@dataclass(frozen=True)
class Alternative:
    stems: tuple[str, ...] = ()     # every stem must occur (in any text field)
    weight: float = 1.0
    phrase: bool = False            # a quoted phrase: positions are checked
    district: Optional[str] = None  # a place: the cases of this district
    compound: bool = False          # a compound that contains the typed word
    # For several stems (an expansion like "situationell prevention", a split compound):
    # each stem with the compounds it is part of, any of which will do.
    variants: tuple[tuple[str, ...], ...] = ()
    loose: bool = False             # only the last part of a typed compound: an approximation
    near: bool = False              # the parts of a typed compound: close to each other


@dataclass
class Concept:
    label: str                      # as typed
    alternatives: list[Alternative]
    added: list[tuple[str, str]] = field(default_factory=list)  # (shown text, kind)
    docs: frozenset[int] = frozenset()
    strict_docs: frozenset[int] = frozenset()   # without loose alternatives
    optional: bool = False          # a very common word: ranks, but is not required
    weight: float = 1.0             # idf, for ranking partial matches
    acronym: bool = False           # typed in capitals: it stands for its full name's words
    # A quoted phrase: field → the documents where it stands (set once positions are checked).
    phrase_docs: dict[str, frozenset[int]] = field(default_factory=dict)

    @property
    def stems(self) -> set[str]:
        return {s for a in self.alternatives for s in a.stems}
