"""Ranking the matching documents: BM25F from cached per-term scores.

Whoosh scores a query by running a matcher over the postings of every term in it. A concept
here has many alternatives (the compounds a word is part of, the vocabulary's expansions),
each looked for in three fields, so a query easily has a few hundred terms; Whoosh's union
of that many matchers costs work per term for every document it visits, and a pasted
paragraph took seconds. Here each (field, term)'s BM25F scores are computed once per
searcher from its postings and kept (`TermScores`), and a query's score for a document is
their weighted sum, computed only for the documents that can be shown.

Each alternative scores as Whoosh scores the equivalent query (`Or` and `And` add the scores
of the parts that match, a `Term` is its BM25F score times its boost, a place's district is
a constant), with Whoosh's own BM25F formula, parameters and quantised field lengths; a
phrase scores as its words do in the fields where it stands. A concept scores by its best
alternative, plus a tenth of the others that match; concepts add up.
"""
from __future__ import annotations

import heapq
from typing import Iterable, Optional

from whoosh.scoring import bm25
from whoosh.searching import Searcher

from .concept_model import COMPOUND_WEIGHT, Alternative, Concept
from .documents import TEXT_FIELDS
from .postings import posting_blocks
from .segments import field_lengths

# Whoosh's BM25F defaults (the index is searched with them everywhere else too).
B, K1 = 0.75, 1.2
# What each alternative of a concept adds beyond the best one (see score_documents).
ALSO_MATCHED = 0.3
# A bound on the kept scores (entries over all terms): about 100 MB at its fullest.
MAX_KEPT_SCORES = 2_000_000


class TermScores:
    """(field, term) → {docnum: BM25F score} for one searcher, computed on first use."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self._scores: dict[tuple[str, str], dict[int, float]] = {}
        self._kept = 0

    def __call__(self, fieldname: str, term: str) -> dict[int, float]:
        key = (fieldname, term)
        scores = self._scores.get(key)
        if scores is None:
            scores = self._compute(fieldname, term)
            if self._kept + len(scores) > MAX_KEPT_SCORES:
                # A crude bound: the terms people search for come back quickly.
                self._scores, self._kept = {}, 0
            self._scores[key] = scores
            self._kept += len(scores)
        return scores

    def _compute(self, fieldname: str, term: str) -> dict[int, float]:
        searcher = self.searcher
        if (fieldname, term) not in searcher.reader():
            return {}
        idf = searcher.idf(fieldname, term)
        average_length = searcher.avg_field_length(fieldname) or 1
        scores: dict[int, float] = {}
        for subsearcher, offset in searcher.leaf_searchers():
            reader = subsearcher.reader()
            if (fieldname, term) not in reader:
                continue
            lengths = field_lengths(reader, fieldname)
            for ids, weights in posting_blocks(reader, fieldname, term):   # live documents
                for docnum, weight in zip(ids, weights):
                    scores[offset + docnum] = bm25(idf, weight, lengths[docnum],
                                                   average_length, B, K1)
        return scores


def score_documents(term_scores: TermScores, term_docs, concepts: Iterable[Concept],
                    docs: set[int]) -> dict[int, float]:
    """The score of each of `docs` that matches at least one concept; others are left out.

    `term_docs(field, term)` gives a term's documents (for a place's district)."""
    scores: dict[int, float] = {}
    for concept in concepts:
        if not concept.docs:
            continue
        scale = 0.5 if concept.optional else 1.0
        best: dict[int, float] = {}
        total: dict[int, float] = {}
        for alternative in concept.alternatives:
            found = _alternative_scores(term_scores, term_docs, concept, alternative,
                                        alternative.weight * scale, docs)
            for docnum, score in found.items():
                if score > best.get(docnum, 0.0):
                    best[docnum] = score
                total[docnum] = total.get(docnum, 0.0) + score
        # The alternatives are ways of saying one thing: a case scores by the best of them,
        # plus a little for each other one, so that a case matching many narrower terms
        # (heders-, våld, förtryck …) does not outrank the one that says what was typed.
        for docnum, score in best.items():
            scores[docnum] = scores.get(docnum, 0.0) + score \
                + ALSO_MATCHED * (total[docnum] - score)
    return scores


def top_documents(scores: dict[int, float], limit: int, newest_first) -> list[tuple[float, int]]:
    """The `limit` best (score, docnum), equal scores newest first (`newest_first(docnum)`
    is the sort key), the same way every time whatever the order of the index's segments."""
    if not scores:
        return []
    rounded = {docnum: round(score, 6) for docnum, score in scores.items()}
    if len(rounded) > limit:
        # Everything that ties with the last place is kept, so the order within a tie is
        # decided by date below, not by which of them the heap happened to keep.
        threshold = heapq.nlargest(limit, rounded.values())[-1]
        rounded = {d: s for d, s in rounded.items() if s >= threshold}
    ordered = sorted(rounded.items(), key=lambda item: (-item[1], newest_first(item[0])))
    return [(score, docnum) for docnum, score in ordered[:limit]]


def _alternative_scores(term_scores: TermScores, term_docs, concept: Concept,
                        alternative: Alternative, weight: float,
                        docs: set[int]) -> dict[int, float]:
    if alternative.district:
        return {d: weight for d in _within(term_docs("district", alternative.district), docs)}
    if alternative.phrase:
        # Scored in the fields where the phrase stands, as its words are.
        found: dict[int, float] = {}
        for fieldname, boost in TEXT_FIELDS:
            candidates = concept.phrase_docs.get(fieldname)
            if candidates:
                per_word = [term_scores(fieldname, stem) for stem in alternative.stems]
                _add(found, _all_of(per_word, docs & candidates, boost * weight))
        return found
    groups = alternative.variants or tuple((stem,) for stem in alternative.stems)
    per_group = []
    counted: set[str] = set()
    for group in groups:
        # Any form of the group in any field will do; the scores of all that occur add up.
        # The stem scores in full, a compound it is part of as COMPOUND_WEIGHT (as for a
        # typed word); a compound that holds two of the words ("platssamverkan" for
        # "samverkan på platsen") is the evidence for both, but is counted once.
        group_scores: dict[int, float] = {}
        for position, form in enumerate(group):
            factor = variant_factor(position, form, counted)
            counted.add(form)
            for fieldname, boost in TEXT_FIELDS:
                _add(group_scores, _within_scores(term_scores(fieldname, form), docs),
                     boost * weight * factor)
        if not group_scores:
            return {}
        per_group.append(group_scores)
    return _all_of(per_group, docs, stand_in_factor(concept, len(per_group)))


def stand_in_factor(concept: Concept, words: int) -> float:
    """An alternative of more words than were typed stands in for them, and weighs as
    they would: without this, "kvinnofrid" → "hedersrelaterat våld och förtryck" scored as
    three words and put the cases on honour violence above those that say kvinnofrid.
    Its sum of word scores is scaled by words typed / its words. An acronym is its full
    name's words in short (STAD: Stockholm förebygger alkohol- och drogproblem)."""
    if concept.acronym:
        return 1.0
    return min(1.0, len(concept.label.split()) / words)


def variant_factor(position: int, form: str, counted: set[str]) -> float:
    """What a form of a word in a multi-word alternative adds: the word itself (the first
    form of its group) in full, a compound it is part of as COMPOUND_WEIGHT, and a form that
    an earlier word of the alternative already counted nothing (it still matches)."""
    if form in counted:
        return 0.0
    return 1.0 if position == 0 else COMPOUND_WEIGHT


def _all_of(parts: list[dict[int, float]], docs: set[int], factor: float) -> dict[int, float]:
    """Documents in every part (an And): the sum of their scores, times factor."""
    if not parts:
        return {}
    smallest = min(parts, key=len)
    result = {}
    for docnum in smallest:
        if docnum in docs and all(docnum in part for part in parts):
            result[docnum] = factor * sum(part[docnum] for part in parts)
    return result


def _within(found: Iterable[int], docs: set[int]) -> Iterable[int]:
    return (d for d in found if d in docs)


def _within_scores(scores: dict[int, float], docs: set[int]) -> dict[int, float]:
    if len(scores) <= len(docs):
        return {d: s for d, s in scores.items() if d in docs}
    return {d: scores[d] for d in docs if d in scores}


def _add(into: dict[int, float], scores: dict[int, float], factor: Optional[float] = None) -> None:
    if factor is None:
        for docnum, score in scores.items():
            into[docnum] = into.get(docnum, 0.0) + score
    else:
        for docnum, score in scores.items():
            into[docnum] = into.get(docnum, 0.0) + score * factor
