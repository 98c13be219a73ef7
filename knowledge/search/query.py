"""Running a search on the index: query building, facets, suggestions, snippets.

Everything here works on docnums and index terms; turning hits into cases is done by the
caller (knowledge.search.search_cases), which reads them from the database.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Optional

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh import highlight
from whoosh.query import And, Every, Or, Phrase, Query, Term
from whoosh.searching import Searcher
from whoosh.collectors import TopCollector

from .analysis import ParsedQuery, parse_query, swedish_analyzer
from .documents import FACET_FIELDS

TEXT_FIELDS = (("title", 3.0), ("summary", 2.0), ("body", 1.0))
MIN_AND_HITS = 3          # fewer AND hits than this: fall back to a ranked OR
COMPOUND_WEIGHT = 0.6     # a compound found through one of its parts weighs less
MAX_EXPANSIONS = 6       # the most common compounds; more cost scoring time, add little
MIN_PART = 3              # the shortest word part that counts in a compound


@dataclass
class SearchRequest:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet name → values
    sort: str = "relevance"        # or "newest", "reused"
    page: int = 1
    per_page: int = 20


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
    broadened: bool = False        # the AND found too little; results are a ranked OR


# --- per-searcher caches ------------------------------------------------------------------

class SearcherCache:
    """Facet value → set of docnums, and the spelling vocabulary, for one searcher.

    Built lazily and thrown away when the index changes (a new searcher is opened).
    """

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self._facets: dict[str, dict[str, frozenset[int]]] = {}
        self._vocabulary: Optional[tuple[list[str], list[int]]] = None
        self._term_docs: dict[tuple[str, str], frozenset[int]] = {}
        self._compounds: dict[str, list[str]] = {}
        self._live: Optional[frozenset[int]] = None

    def term_docs(self, fieldname: str, term: str) -> frozenset[int]:
        """The documents containing a term (Whoosh's postings already leave out deleted
        ones). Matching is done with these sets, so Whoosh's matchers only run once, for
        scoring the page."""
        key = (fieldname, term)
        docs = self._term_docs.get(key)
        if docs is None:
            reader = self.searcher.reader()
            docs = frozenset(reader.postings(fieldname, term).all_ids()) \
                if (fieldname, term) in reader else frozenset()
            if len(self._term_docs) > 20_000:
                self._term_docs.clear()  # a crude bound; the common terms come back quickly
            self._term_docs[key] = docs
        return docs

    def live_docs(self) -> frozenset[int]:
        if self._live is None:
            self._live = frozenset(self.searcher.reader().all_doc_ids())
        return self._live

    def compounds(self, stem: str) -> list[str]:
        if stem not in self._compounds:
            self._compounds[stem] = compounds_of(self.searcher.reader(), stem)
        return self._compounds[stem]

    def facet_sets(self, index_field: str) -> dict[str, frozenset[int]]:
        if index_field not in self._facets:
            reader = self.searcher.reader()
            sets = {}
            for term in reader.lexicon(index_field):
                value = term.decode("utf-8") if isinstance(term, bytes) else term
                sets[value] = frozenset(reader.postings(index_field, value).all_ids())
            self._facets[index_field] = sets
        return self._facets[index_field]

    def vocabulary(self) -> tuple[list[str], list[int]]:
        if self._vocabulary is None:
            reader = self.searcher.reader()
            words, freqs = [], []
            for raw, info in reader.iter_field("words"):
                term = _text(raw)
                if len(term) > 2 and not term.isdigit():
                    words.append(term)
                    freqs.append(info.doc_frequency())
            self._vocabulary = (words, freqs)
        return self._vocabulary


class DocSetTopCollector(TopCollector):
    """Scores only the documents already known to match (text and filters), by skipping the
    query's matcher from one of them to the next.

    Whoosh's own filter drops documents after scoring them; at 10k cases that meant scoring
    thousands of documents to keep a few dozen.
    """

    def __init__(self, docnums: set[int], limit: int):
        super().__init__(limit=limit, usequality=False)
        self._docnums = sorted(docnums)

    def collect_matches(self) -> None:
        for local in skip_through(self.matcher, self._docnums, self.offset,
                                  self.subsearcher.doc_count_all()):
            self.collect(local)


def skip_through(matcher, ordered: list[int], offset: int, doc_count: int):
    """Yield, of the sorted global docnums in one segment (offset, doc_count), the local
    docnums the matcher matches, skipping it straight from one candidate to the next."""
    first = bisect_left(ordered, offset)
    last = bisect_left(ordered, offset + doc_count)
    for global_docnum in ordered[first:last]:
        local = global_docnum - offset
        if not matcher.is_active():
            return
        if matcher.id() < local:
            matcher.skip_to(local)
            if not matcher.is_active():
                return
        if matcher.id() == local:
            yield local


# --- the search ---------------------------------------------------------------------------

def run_search(searcher: Searcher, cache: SearcherCache, request: SearchRequest) -> EngineResult:
    parsed = parse_query(request.text)
    result = _run(searcher, cache, request, parsed)
    suggestion = suggest(searcher, cache, parsed)
    if suggestion and result.total == 0:
        corrected = _run(searcher, cache, request, parse_query(suggestion))
        if corrected.total:
            corrected.corrected_from = request.text
            corrected.suggestion = suggestion
            return corrected
    result.suggestion = suggestion
    return result


def _run(searcher: Searcher, cache: SearcherCache, request: SearchRequest,
         parsed: ParsedQuery) -> EngineResult:
    terms: set[str] = set()
    selected = _selected_sets(cache, request.filters)
    allowed = _intersect(selected.values())
    parts = [] if parsed.is_empty else _text_parts(searcher, cache, parsed, terms,
                                                   _counting_domain(selected))
    queries = [query for query, _docs in parts]

    broadened = False
    if parts:
        query: Query = And(queries)
        matching = set(_intersect(docs for _query, docs in parts))
    else:
        query = Every()
        matching = set(cache.live_docs())
    if len(parts) > 1 and _count(matching, allowed) < MIN_AND_HITS:
        query = Or(queries, scale=0.9)
        matching = set().union(*(docs for _query, docs in parts))
        broadened = True

    facets = {}
    for name, index_field in FACET_FIELDS.items():
        # Counts for a facet ignore its own selection (any-of within a facet), but respect
        # the others (all-of across facets), so people see what ticking another box adds.
        others = _intersect(s for other, s in selected.items() if other != name)
        base = matching if others is None else matching & others
        facets[name] = {value: n for value, docs in cache.facet_sets(index_field).items()
                        if (n := len(base & docs)) > 0}

    final = matching if allowed is None else matching & allowed
    total = len(final)
    page_end = max(1, request.page) * request.per_page
    hits: list[EngineHit] = []
    if total:
        start = (max(1, request.page) - 1) * request.per_page
        reader = searcher.reader()
        published = reader.column_reader("published")
        if request.sort in ("newest", "reused") or not parts:
            # Orders by stored columns need no scoring at all: sort the matching set.
            reuse = reader.column_reader("reuse")
            key = (lambda d: (-reuse[d], -published[d])) if request.sort == "reused" \
                else (lambda d: -published[d])
            ranked = [(None, docnum) for docnum in sorted(final, key=key)[:page_end]]
        else:
            collector = DocSetTopCollector(final, limit=page_end + 20)
            searcher.search_with_collector(query, collector)
            # Equal scores (near-identical texts) go newest first, the same way every time,
            # whatever order the documents happen to have in the index's segments.
            ranked = sorted(((round(score, 6), -negated) for score, negated in collector.items),
                            key=lambda item: (-item[0], -published[item[1]]))
        hits = [EngineHit(case_id=int(searcher.stored_fields(docnum)["id"]), score=score)
                for score, docnum in ranked[start:page_end]]
    return EngineResult(total=total, hits=hits, facets=facets, terms=frozenset(terms),
                        broadened=broadened)


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
    return set().union(*(_intersect(s for other, s in selected.items() if other != name)
                         for name in selected))


def _text_parts(searcher: Searcher, cache: SearcherCache, parsed: ParsedQuery,
                terms: set[str], domain: Optional[set[int]] = None
                ) -> list[tuple[Query, frozenset[int]]]:
    """One (query, matching documents) per word or phrase.

    A word matches in title, summary or body; the compounds it is part of match in the body
    only (where they nearly always are too), which keeps the number of terms to score low.
    """
    parts: list[tuple[Query, frozenset[int]]] = []
    for _word, stem in parsed.words:
        clauses: list[Query] = [Term(f, stem, boost=b) for f, b in TEXT_FIELDS]
        docs = set().union(*(cache.term_docs(f, stem) for f, _b in TEXT_FIELDS))
        terms.add(stem)
        for compound in cache.compounds(stem):
            terms.add(compound)
            clauses.append(Term("body", compound, boost=COMPOUND_WEIGHT))
            docs |= cache.term_docs("body", compound)
        parts.append((Or(clauses), frozenset(docs)))
    for phrase in parsed.phrases:
        terms.update(phrase)
        query = Or([Phrase(f, phrase, boost=b) for f, b in TEXT_FIELDS])
        # Positions are the costly part: check them field by field, only in documents that
        # have every word of the phrase in that field (and that can count at all).
        matched: set[int] = set()
        for fieldname, _boost in TEXT_FIELDS:
            candidates = _intersect(cache.term_docs(fieldname, stem) for stem in phrase) or set()
            if domain is not None:
                candidates &= domain
            matched.update(_docs_within(searcher, Phrase(fieldname, phrase), candidates))
        parts.append((query, frozenset(matched)))
    return parts


def _docs_within(searcher: Searcher, query: Query, candidates: set[int]) -> list[int]:
    """The candidates that the query really matches, skipping the matcher between them."""
    ordered = sorted(candidates)
    return [offset + local for subsearcher, offset in searcher.leaf_searchers()
            for local in skip_through(query.matcher(subsearcher), ordered, offset,
                                      subsearcher.doc_count_all())]


def compounds_of(reader, stem: str) -> list[str]:
    """Indexed compounds that have `stem` as a part, judged by the index's own vocabulary.

    "vandring" finds "trygghetsvandring" (the head, found through the reversed-stem field)
    and "trygghet" finds "trygghetsvandring" (the first part), but only when the rest of
    the compound is itself a word in the index (allowing the linking -s), so "ring" does
    not find "vandring" unless "vand" were a word.
    """
    if len(stem) < MIN_PART:
        return []
    found: dict[str, int] = {}
    for reversed_term in reader.expand_prefix("rev", stem[::-1]):
        compound = _text(reversed_term)[::-1]
        if compound != stem and _is_word(reader, compound[:-len(stem)]):
            found[compound] = reader.doc_frequency("body", compound)
    for term in reader.expand_prefix("body", stem):
        compound = _text(term)
        if compound != stem and _is_word(reader, compound[len(stem):], leading_s=True):
            found[compound] = reader.doc_frequency("body", compound)
    ranked = sorted(found, key=lambda c: -found[c])
    return ranked[:MAX_EXPANSIONS]


def _is_word(reader, part: str, leading_s: bool = False) -> bool:
    """Is this part of a compound a word of its own in the index (after linking letters)?"""
    candidates = [part]
    if part.endswith("s"):
        candidates.append(part[:-1])       # the linking -s: trygghet|s|vandring
    if leading_s and part[:1] in ("s", "e"):
        candidates.append(part[1:])        # tunnelban|e|station, ungdom|s|gård
    # Exact words (as written) or exact stems only: stemming the part as well would let
    # "plan|e|ring" pass as a compound of "ring".
    return any(len(candidate) >= MIN_PART and (
        reader.doc_frequency("words", candidate) or reader.doc_frequency("body", candidate)
        or reader.doc_frequency("title", candidate)) for candidate in candidates)


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


# --- "Menade du …?" -----------------------------------------------------------------------

def suggest(searcher: Searcher, cache: SearcherCache, parsed: ParsedQuery) -> Optional[str]:
    """The query with unknown words replaced by the closest indexed word, or None."""
    if not parsed.words:
        return None
    reader = searcher.reader()
    changed = False
    corrected = []
    for word, stem in parsed.words:
        if reader.doc_frequency("words", word) or any(
                reader.doc_frequency(f, stem) for f, _boost in TEXT_FIELDS):
            corrected.append(word)
            continue
        replacement = closest_word(cache, word)
        if replacement:
            corrected.append(replacement)
            changed = True
        else:
            corrected.append(word)
    phrases = [f'"{p}"' for p in parsed.phrase_texts]
    return " ".join(corrected + phrases) if changed else None


def closest_word(cache: SearcherCache, word: str) -> Optional[str]:
    words, freqs = cache.vocabulary()
    if not words:
        return None
    max_distance = 1 if len(word) <= 4 else 2
    matches = process.extract(word, words, scorer=Levenshtein.distance,
                              score_cutoff=max_distance, limit=20)
    if not matches:
        return None
    # Nearest first; among equally near, the most common word.
    best = min(matches, key=lambda m: (m[1], -freqs[m[2]]))
    return best[0]


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
