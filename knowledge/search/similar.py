""""Liknande exempel": cases that share areas and key terms with a given case."""
from __future__ import annotations

import math
from collections import Counter

from whoosh.searching import Searcher

from ..cases.models import Case
from ..taxonomy.reference import current_area_slugs
from .analysis import stems
from .documents import BODY_FIELDS
from .matching import SearcherCache

KEY_TERMS = 12
AREA_BOOST = 4.0      # a shared priority area says more than a shared word
SIMILAR_FIELDS = (("title", 2.0), ("summary", 1.5), ("body", 1.0))
# A word found in more than this share of a big bank's cases (and in more than COMMON_FLOOR of
# them) tells little about what a case is about, and each case page scores its key terms'
# postings afresh: at 50 000 cases such words made the case page's p50 about 0.3 s.
COMMON_SHARE = 0.01
COMMON_FLOOR = 50


def key_terms(searcher: Searcher, case: Case, count: int = KEY_TERMS) -> list[tuple[str, float]]:
    """The case's most distinctive stems: frequent in it, rare in the bank (tf·idf)."""
    text = " ".join([case.title, case.title, case.summary]
                    + [getattr(case, name) or "" for name in BODY_FIELDS])
    frequencies = Counter(stem for stem in stems(text) if len(stem) > 3 and not stem.isdigit())
    reader = searcher.reader()
    total = max(1, reader.doc_count())
    scored = []
    for stem, tf in frequencies.items():
        df = reader.doc_frequency("body", stem) + reader.doc_frequency("title", stem)
        if df == 0 or df > total * 0.5 or df > max(COMMON_FLOOR, total * COMMON_SHARE):
            continue  # unknown to the index, or too common to tell cases apart
        scored.append((stem, (1 + math.log(tf)) * math.log(1 + total / df)))
    scored.sort(key=lambda item: -item[1])
    return scored[:count]


def similar_case_ids(searcher: Searcher, cache: SearcherCache, case: Case,
                     limit: int = 5) -> list[int]:
    """The cases that score highest on the case's key terms (in title, summary and body) and
    its priority areas, as Whoosh would score `Or` of those terms, but summed from the
    per-searcher cached term scores (knowledge.search.scoring): Whoosh's union of some forty
    matchers walked every document that held any of them, which took most of the case page's
    time in a large bank (about 0.3 s at 10 000 cases)."""
    terms = key_terms(searcher, case)
    if not terms:
        return []
    top = terms[0][1]
    scores: dict[int, float] = {}
    words: dict[int, set[str]] = {}
    for stem, weight in terms:
        for field, boost in SIMILAR_FIELDS:
            factor = weight / top * boost
            for docnum, score in cache.term_scores(field, stem).items():
                scores[docnum] = scores.get(docnum, 0.0) + score * factor
                words.setdefault(docnum, set()).add(stem)
    in_area: set[int] = set()
    for slug in current_area_slugs(case.areas):
        area_scores = cache.term_scores("area", slug)   # kept for the searcher
        for docnum in words:   # an area alone never makes a case similar (see below)
            if docnum in area_scores:
                scores[docnum] += area_scores[docnum] * AREA_BOOST
                in_area.add(docnum)
    # One shared word is an accident; two, or one within a shared area, is a hint.
    hinted = [docnum for docnum, shared in words.items()
              if len(shared) >= 2 or docnum in in_area]
    ids = []
    for docnum in sorted(hinted, key=lambda d: (-scores[d], d)):
        case_id = int(searcher.stored_fields(docnum)["id"])
        if case_id != case.id:
            ids.append(case_id)
        if len(ids) == limit:
            break
    return ids
