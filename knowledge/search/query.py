"""Running a search on the index: query building, facets, suggestions, snippets.

Everything here works on docnums and index terms; turning hits into cases is done by the
caller (knowledge.search.search_cases), which reads them from the database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from whoosh import highlight
from whoosh.searching import Searcher

from .analysis import parse_query, swedish_analyzer, swedish_stem
from .concepts import Alternative, Concept, build_concepts, expansions_shown, weigh
from .compounds import compounds_of
from .documents import FACET_FIELDS, TEXT_FIELDS
from .matching import SearcherCache, phrase_docs_within
from .scoring import score_documents, top_documents
from .spelling import correct_word, mends_the_joint, restore_diacritics
from .thesaurus import Vocabulary

MIN_AND_HITS = 10         # fewer cases with every concept: add those that miss one (reported)
PARTIAL_SCORED = 60       # partial matches scored for ranking; the rest follow by coverage
SPELLED_CONCEPTS = 6      # a longer query (a pasted text) is not spell-checked word by word

__all__ = ["SearchRequest", "EngineResult", "SearcherCache", "run_search", "snippet",
           "compounds_of", "SORTS"]

# The orders a search can have, as the URL and the API name them: relevance (newest first
# without a query), newest, most reused, and measured results first (cases with an
# indicator that has a follow-up, then the rest, each group in the relevance order).
SORTS = ("relevance", "newest", "reused", "measured")


@dataclass
class SearchRequest:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet name → values
    sort: str = "relevance"        # one of SORTS
    page: int = 1
    per_page: int = 20
    exact: bool = False            # only the typed words: no vocabulary, compounds, spelling


@dataclass
class EngineHit:
    case_id: int
    score: Optional[float]


@dataclass
class EngineResult:
    total: int
    hits: list[EngineHit]
    facets: dict[str, dict[str, int]]
    terms: frozenset[str]          # stems to highlight
    suggestion: Optional[str] = None
    corrected_from: Optional[str] = None   # the query as typed, when we show a correction
    broadened: bool = False        # not every typed word matched: partial matches shown
    expansions: list[dict] = field(default_factory=list)  # what the vocabulary etc. added
    unmatched: list[str] = field(default_factory=list)     # typed words found nowhere
    complete: int = 0              # of `total`, the cases that match the whole search


# --- the search ---------------------------------------------------------------------------

def run_search(searcher: Searcher, cache: SearcherCache, request: SearchRequest,
               vocabulary: Optional[Vocabulary] = None) -> EngineResult:
    """Analyse the query, correct what is very likely misspelt, match, rank, count facets.

    What the search did beyond the typed words is part of the result: `expansions` (the
    vocabulary, compound parts), `corrected_from` (a spelling correction was applied),
    `suggestion` (a correction only offered), `broadened` (some typed words matched nothing,
    or too few cases matched them all, and cases matching fewer of them are shown), and
    `complete` (how many of the cases found match the whole search).
    """
    vocabulary = vocabulary or Vocabulary()
    text = request.text
    restored = None if request.exact else \
        restore_diacritics(cache, text, vocabulary.spelling_words)
    parsed = parse_query(restored or text)
    concepts = build_concepts(cache, parsed, vocabulary, exact=request.exact)
    suggestion, corrected = None, False
    if not request.exact and len(concepts) <= SPELLED_CONCEPTS:
        suggestion, corrected = _spelling(cache, parsed, concepts, vocabulary)
    if restored and not corrected:
        # Shown like a correction, with the way back to the query as typed.
        suggestion, corrected = restored, True
    result = _run(searcher, cache, request, concepts)
    result.expansions = expansions_shown(concepts)
    result.suggestion = suggestion
    if corrected:
        result.corrected_from = text
    return result


def _spelling(cache: SearcherCache, parsed, concepts: list[Concept],
              vocabulary: Vocabulary) -> tuple[Optional[str], bool]:
    """Words found nowhere (not as typed, not through the vocabulary or compound parts):
    a confident correction replaces the word's concept; otherwise it is only suggested."""
    replacements: dict[str, str] = {}
    applied = False
    for position, concept in enumerate(concepts):
        # Found through the typed word, its vocabulary or its parts: not misspelt. Found
        # only through the last part of a "compound" may well be a misspelling.
        if concept.label.startswith('"') or " " in concept.label:
            continue
        word = concept.label.lower()
        if concept.strict_docs and cache.stem_frequency(swedish_stem(word)):
            continue
        correction = correct_word(cache, word, vocabulary.spelling_words)
        if correction is None:
            continue
        if concept.strict_docs and not (correction.confident
                                        and mends_the_joint(word, correction.replacement)):
            # Found through its parts ("skolbråk": skol + bråk) and not a slip we are sure
            # of: as typed. A missing or extra linking letter ("fritidgård" for the cases'
            # "fritidsgård", "föräldrarstöd" for "föräldrastöd") is a slip, and the word
            # the cases write is what was meant.
            continue
        replacements[concept.label] = correction.replacement
        if correction.confident:
            fixed = build_concepts(cache, parse_query(correction.replacement), vocabulary)
            if fixed and fixed[0].strict_docs:
                concepts[position] = fixed[0]
                applied = True
    if not replacements:
        return None, False
    words = [replacements.get(t.typed, t.typed) for t in parsed.tokens]
    phrases = [f'"{p}"' for p in parsed.phrase_texts]
    return " ".join(words + phrases), applied


def _run(searcher: Searcher, cache: SearcherCache, request: SearchRequest,
         concepts: list[Concept]) -> EngineResult:
    terms: set[str] = set()
    selected = _selected_sets(cache, request.filters)
    allowed = _intersect(selected.values())
    domain = _counting_domain(selected)
    for concept in concepts:
        terms.update(concept.stems)
        if any(a.phrase for a in concept.alternatives):
            concept.phrase_docs = _phrase_docs(searcher, cache, concept.alternatives[0],
                                               domain)
            concept.docs = frozenset().union(*concept.phrase_docs.values())
            concept.strict_docs = concept.docs   # a phrase is exact: never a broadening
    live = cache.live_docs()
    weigh(concepts, len(live), exact=request.exact)
    known = [c for c in concepts if c.docs]
    unmatched = [c.label for c in concepts if not c.docs]
    required = [c for c in known if not c.optional]

    # Words found nowhere, or only through the last part of a typed compound: what is shown
    # is an approximation, and the answer says so.
    broadened = bool(known) and (bool(unmatched) or any(not c.strict_docs for c in required))
    coverage: dict[int, float] = {}      # partial matches: the idf of what they match
    complete = 0
    if not concepts:
        full = set(live)
    elif not known:
        full = set()
    else:
        full = set(_intersect(c.docs for c in required) or set())
        # A case that has a required concept only through a loose alternative (the last
        # part of a typed compound) is an approximation, even where other cases have the
        # concept itself: the answer says so for the cases it shows, not per concept.
        strict = _intersect(c.strict_docs for c in required) or set()
        if _count(full - strict, allowed):
            broadened = True
        complete = 0 if unmatched else _count(full & strict, allowed)
        # Fewer than a page of cases with every concept: also the cases that have some, to
        # fill it (they rank below, scaled by what they cover, and the page says how many
        # match the whole search). Measured with make relevance: 3 → 10 raised every part.
        wanted = MIN_AND_HITS if len(required) < 3 else max(MIN_AND_HITS, request.per_page)
        if len(required) > 1 and _count(full, allowed) < wanted:
            # Too few cases have every word: add those that have some, ordered by how much
            # of the query's meaning (idf) they cover, so that rare words decide the order.
            for concept in required:
                for docnum in concept.docs:
                    if docnum not in full:
                        coverage[docnum] = coverage.get(docnum, 0.0) + concept.weight
            if _count(set(coverage), allowed):
                broadened = True
    matching = full | set(coverage)

    facets = {}
    for name, index_field in FACET_FIELDS.items():
        # Counts for a facet ignore its own selection (any-of within a facet), but respect
        # the others (all-of across facets), so people see what ticking another box adds.
        others = _intersect(s for other, s in selected.items() if other != name)
        base = matching if others is None else matching & others
        facets[name] = {value: n for value, docs in cache.facet_sets(index_field).items()
                        if (n := len(base & docs)) > 0}

    total = _count(matching, allowed)
    hits = _rank(searcher, cache, request, concepts, full, coverage, allowed) if total else []
    return EngineResult(total=total, hits=hits, facets=facets, terms=frozenset(terms),
                        broadened=broadened, unmatched=unmatched,
                        complete=complete if broadened else total)


def _rank(searcher: Searcher, cache: SearcherCache, request: SearchRequest,
          concepts: list[Concept], full: set[int], coverage: dict[int, float],
          allowed: Optional[set[int]]) -> list[EngineHit]:
    start = (max(1, request.page) - 1) * request.per_page
    page_end = max(1, request.page) * request.per_page
    reader = searcher.reader()
    published = reader.column_reader("published")
    full = full if allowed is None else full & allowed
    partial = coverage if allowed is None else {d: c for d, c in coverage.items() if d in allowed}
    ranked: list[tuple[Optional[float], int]] = []
    measured_first = request.sort == "measured"
    # Measured results first: the whole matching set is put in order, then split, so that
    # each group keeps the order it has without the split, whichever page is asked for.
    wanted = len(full) + len(partial) if measured_first else page_end
    if request.sort in ("newest", "reused") or not concepts:
        # Orders by stored columns need no scoring at all: sort the matching set.
        reuse = reader.column_reader("reuse")
        key = (lambda d: (-reuse[d], -published[d])) if request.sort == "reused" \
            else (lambda d: -published[d])
        ranked = [(None, docnum) for docnum in sorted(full | set(partial), key=key)[:wanted]]
    else:
        if not partial:
            ranked = _scored(cache, concepts, full, wanted, published)
        else:
            # Few cases match everything: those and the partial matches that cover most of
            # the query's meaning are scored together, each score scaled by the share of the
            # query's idf the case covers. The scored set does not depend on the page asked
            # for, so pages never repeat or skip a case; beyond it, coverage decides.
            ordered = sorted(partial, key=lambda d: (-partial[d], -published[d]))
            scored_part = set(ordered[:PARTIAL_SCORED])
            whole = sum(c.weight for c in concepts if c.docs and not c.optional) or 1.0
            scored = _scored(cache, concepts, full | scored_part,
                             len(full) + len(scored_part), published)
            scaled = [(round((score or 0) * (1.0 if d in full else partial[d] / whole), 6), d)
                      for score, d in scored]
            scaled.sort(key=lambda item: (-item[0], -published[item[1]]))
            ranked = list(scaled)
            if wanted > len(ranked):
                ranked += [(None, d) for d in ordered[PARTIAL_SCORED:wanted]]
    if measured_first:
        measured = cache.facet_sets(FACET_FIELDS["measured"]).get("ja", frozenset())
        ranked = [hit for hit in ranked if hit[1] in measured] + \
            [hit for hit in ranked if hit[1] not in measured]
    return [EngineHit(case_id=int(searcher.stored_fields(docnum)["id"]), score=score)
            for score, docnum in ranked[start:page_end]]


def _scored(cache: SearcherCache, concepts: list[Concept], docs: set[int], limit: int,
            published) -> list[tuple[Optional[float], int]]:
    if not docs:
        return []
    scores = score_documents(cache.term_scores, cache.term_docs, concepts, docs)
    # Equal scores (near-identical texts) go newest first, the same way every time,
    # whatever order the documents happen to have in the index's segments.
    return [(score, docnum) for score, docnum in
            top_documents(scores, limit, lambda docnum: -published[docnum])]


def _phrase_docs(searcher: Searcher, cache: SearcherCache, alternative: Alternative,
                 domain: Optional[set[int]]) -> dict[str, frozenset[int]]:
    """Field → the documents with the phrase in it.

    Positions are the costly part: check them field by field, only in documents that
    have every word of the phrase in that field (and that can count at all)."""
    matched: dict[str, frozenset[int]] = {}
    phrase = list(alternative.stems)
    for fieldname, _boost in TEXT_FIELDS:
        candidates = _intersect(cache.term_docs(fieldname, stem) for stem in phrase) or set()
        if domain is not None:
            candidates &= domain
        if candidates:
            found = phrase_docs_within(searcher, fieldname, phrase, candidates)
            if found:
                matched[fieldname] = frozenset(found)
    return matched


def _count(docs: set[int], allowed: Optional[set[int]]) -> int:
    return len(docs if allowed is None else docs & allowed)


def _intersect(sets) -> Optional[set[int]]:
    result: Optional[set[int]] = None
    for docs in sets:
        result = set(docs) if result is None else result & docs
    return result


def _selected_sets(cache: SearcherCache, filters: dict[str, list[str]]) -> dict[str, set[int]]:
    selected = {}
    for name, values in filters.items():
        if not values or name not in FACET_FIELDS:
            continue
        sets = cache.facet_sets(FACET_FIELDS[name])
        union: set[int] = set()
        for value in values:
            union |= sets.get(value, frozenset())
        selected[name] = union
    return selected


def _counting_domain(selected: dict[str, set[int]]) -> Optional[set[int]]:
    """The documents that results and facet counts can look at, or None for all of them.

    Each facet's counts respect every selection but its own, so with two or more facets
    selected nothing outside the union of the selections is ever counted or shown.
    """
    if len(selected) < 2:
        return None
    # With two or more selections every intersection has a set to start from (never None).
    return set().union(*(found for name in selected
                         if (found := _intersect(s for other, s in selected.items()
                                                 if other != name)) is not None))


# --- snippets -----------------------------------------------------------------------------

_SNIPPET_ANALYZER = swedish_analyzer()


def snippet(fields: list[str], terms: frozenset[str]) -> Optional[str]:
    """HTML (escaped, with <mark>) from the field with most matches, or None."""
    if not terms:
        return None
    # Swedish stems are prefixes of the words they come from, so counting them as substrings
    # finds the best field without analysing every field of every hit on the page.
    best_text, best_count = None, 0
    for text in fields:
        if not text:
            continue
        lowered = text.lower()
        count = sum(lowered.count(term) for term in terms)
        if count > best_count:
            best_text, best_count = text, count
    if best_text is None:
        return None
    fragmenter = highlight.ContextFragmenter(maxchars=240, surround=70)
    formatter = highlight.HtmlFormatter(tagname="mark", between=" … ", classname="match")
    return highlight.highlight(best_text, terms, _SNIPPET_ANALYZER, fragmenter, formatter,
                               top=2) or None
