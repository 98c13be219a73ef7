"""Matching on the index: per-searcher caches of document sets, and the skip-through loop
that checks positions or scores only the documents already known to be candidates.

Everything here works on docnums and index terms, for one searcher at a time.
"""
from __future__ import annotations

from bisect import bisect_left
from typing import Optional

from whoosh.query import Query, Term
from whoosh.query.spans import SpanNear2
from whoosh.searching import Searcher

from .compounds import NEAR_SLOP, compounds_of
from .documents import TEXT_FIELDS
from .postings import docs_with_phrase, posting_ids
from .scoring import TermScores
from .segments import segment_reversed_terms, segment_words
from .spelling import diacritic_words


class SearcherCache:
    """Facet value → set of docnums, and the spelling vocabulary, for one searcher.

    Built lazily and thrown away when the index changes (a new searcher is opened).
    """

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self._facets: dict[str, dict[str, frozenset[int]]] = {}
        self._vocabulary: Optional[tuple[list[str], list[int]]] = None
        self._diacritics: Optional[tuple[tuple[str, ...], dict[str, tuple[str, int]]]] = None
        self._term_docs: dict[tuple[str, str], frozenset[int]] = {}
        self._compounds: dict[tuple[str, str], list[str]] = {}
        self._live: Optional[frozenset[int]] = None
        self.term_scores = TermScores(searcher)   # for ranking: see scoring.py

    def term_docs(self, fieldname: str, term: str) -> frozenset[int]:
        """The documents containing a term (Whoosh's postings already leave out deleted
        ones). Matching is done with these sets, so Whoosh's matchers only run once, for
        scoring the page."""
        key = (fieldname, term)
        docs = self._term_docs.get(key)
        if docs is None:
            docs = frozenset(offset + docnum
                             for subsearcher, offset in self.searcher.leaf_searchers()
                             for docnum in posting_ids(subsearcher.reader(), fieldname, term))
            if len(self._term_docs) > 20_000:
                self._term_docs.clear()  # a crude bound; the common terms come back quickly
            self._term_docs[key] = docs
        return docs

    def live_docs(self) -> frozenset[int]:
        if self._live is None:
            self._live = frozenset(self.searcher.reader().all_doc_ids())
        return self._live

    def stem_docs(self, stem: str) -> frozenset[int]:
        """Live documents with the stem in any text field."""
        key = ("*", stem)
        docs = self._term_docs.get(key)
        if docs is None:
            docs = frozenset().union(*(self.term_docs(f, stem) for f, _b in TEXT_FIELDS))
            self._term_docs[key] = docs
        return docs

    def stem_frequency(self, stem: str) -> int:
        return len(self.stem_docs(stem))

    def is_indexed_word(self, text: str) -> bool:
        """A word or stem the index has heard of (cheap: the lexicon, not the postings)."""
        reader = self.searcher.reader()
        return bool(reader.doc_frequency("words", text) or reader.doc_frequency("body", text)
                    or reader.doc_frequency("title", text))

    def reversed_terms(self) -> list[list[str]]:
        """Per segment, its text terms reversed and sorted (read once per segment)."""
        return [segment_reversed_terms(subsearcher.reader())
                for subsearcher, _offset in self.searcher.leaf_searchers()]

    def terms_ending_in(self, ending: str) -> list[str]:
        """Text terms (stems) of the index that end in `ending`, the ending itself included,
        in the order of their reversed text (as a lexicon of reversed terms would list them);
        terms of deleted documents too (callers count live documents)."""
        reversed_ending = ending[::-1]
        found: set[str] = set()
        for terms in self.reversed_terms():
            at = bisect_left(terms, reversed_ending)
            while at < len(terms) and terms[at].startswith(reversed_ending):
                found.add(terms[at])
                at += 1
        return [term[::-1] for term in sorted(found)]

    def is_written_word(self, text: str) -> bool:
        return bool(self.searcher.reader().doc_frequency("words", text))

    def compounds(self, stem: str, word: str = "") -> list[str]:
        """See compounds_of; `word` is the word as typed, when there is one."""
        key = (stem, word)
        found = self._compounds.get(key)   # a local: another thread may clear the cache
        if found is None:
            if len(self._compounds) > 20_000:
                self._compounds.clear()
            found = compounds_of(self, stem, word)
            self._compounds[key] = found
        return found

    def facet_sets(self, index_field: str) -> dict[str, frozenset[int]]:
        if index_field not in self._facets:
            reader = self.searcher.reader()
            sets = {}
            for term in reader.lexicon(index_field):
                value = term.decode("utf-8") if isinstance(term, bytes) else term
                sets[value] = frozenset(reader.postings(index_field, value).all_ids())
            self._facets[index_field] = sets
        return self._facets[index_field]

    def diacritic_words(self, known: tuple[str, ...] = ()) -> dict[str, tuple[str, int]]:
        """See spelling.restore_diacritics; rebuilt when the editable vocabulary changes."""
        built = self._diacritics   # a local: another thread may replace it
        if built is None or built[0] is not known:
            words, freqs = self.vocabulary()
            built = (known, diacritic_words(words, freqs, known))
            self._diacritics = built
        return built[1]

    def vocabulary(self) -> tuple[list[str], list[int]]:
        """The written words of the index and their document frequencies (spelling).

        Summed segment by segment, each segment's words read once for as long as it lives
        (segments.segment_words): after a publish only its new small segment is read. Reading the
        merged lexicon instead took 0.4 s in the first search after every publish at
        1 000 cases, and grew with the index."""
        if self._vocabulary is None:
            counts: dict[str, int] = {}
            for subsearcher, _offset in self.searcher.leaf_searchers():
                for term, frequency in segment_words(subsearcher.reader()).items():
                    counts[term] = counts.get(term, 0) + frequency
            words = sorted(counts)   # the lexicon's order, as before: ties go the same way
            self._vocabulary = (words, [counts[word] for word in words])
        return self._vocabulary


def _by_segment(searcher: Searcher, candidates: set[int]):
    """Yield, per segment with any of the candidate (global) docnums, its subsearcher, its
    offset and those candidates as the segment's own docnums, in order."""
    ordered = sorted(candidates)
    for subsearcher, offset in searcher.leaf_searchers():
        first = bisect_left(ordered, offset)
        last = bisect_left(ordered, offset + subsearcher.doc_count_all())
        if first < last:
            yield subsearcher, offset, [docnum - offset for docnum in ordered[first:last]]


def skip_through(matcher, local: list[int]):
    """Yield the docnums of `local` (sorted, one segment's) that the matcher matches,
    skipping it straight from one candidate to the next."""
    for docnum in local:
        if not matcher.is_active():
            return
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                return
        if matcher.id() == docnum:
            yield docnum


def docs_within(searcher: Searcher, query: Query, candidates: set[int]) -> list[int]:
    """The candidates that the query really matches, skipping the matcher between them."""
    return [offset + docnum for subsearcher, offset, local in _by_segment(searcher, candidates)
            for docnum in skip_through(query.matcher(subsearcher), local)]


def phrase_docs_within(searcher: Searcher, fieldname: str, stems: list[str],
                       candidates: set[int]) -> list[int]:
    """The candidates with the stems one after the other in the field (a quoted phrase),
    segment by segment (postings.docs_with_phrase)."""
    return [offset + docnum for subsearcher, offset, local in _by_segment(searcher, candidates)
            for docnum in docs_with_phrase(subsearcher.reader(), fieldname, stems, local)]


def near_docs(cache, stems: tuple[str, ...], candidates: set[int]) -> set[int]:
    """Of the candidates, those with the parts within a few words of each other in one
    field, in either order: "skolkonflikter" meets "konflikter i skolan", not a text that
    says "skolan" in one paragraph and "konflikter" in another."""
    found: set[int] = set()
    for fieldname, _boost in TEXT_FIELDS:
        in_field = set(candidates)
        for stem in stems:
            in_field &= cache.term_docs(fieldname, stem)
        if in_field:
            query = SpanNear2([Term(fieldname, stem) for stem in stems], slop=NEAR_SLOP,
                              ordered=False)
            found.update(docs_within(cache.searcher, query, in_field))
    return found
