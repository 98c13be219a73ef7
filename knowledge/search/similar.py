""""Liknande exempel": cases that share areas and key terms with a given case."""
from __future__ import annotations

import math
from collections import Counter

from whoosh.query import Or, Term
from whoosh.searching import Searcher

from ..cases.models import Case
from ..taxonomy.reference import current_area_slugs
from .analysis import stems
from .documents import BODY_FIELDS

KEY_TERMS = 12
AREA_BOOST = 4.0      # a shared priority area says more than a shared word


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
        if df == 0 or df > total * 0.5:
            continue  # unknown to the index, or too common to tell cases apart
        scored.append((stem, (1 + math.log(tf)) * math.log(1 + total / df)))
    scored.sort(key=lambda item: -item[1])
    return scored[:count]


def similar_case_ids(searcher: Searcher, case: Case, limit: int = 5) -> list[int]:
    terms = key_terms(searcher, case)
    if not terms:
        return []
    top = terms[0][1]
    clauses = [Term(field, stem, boost=weight / top * boost)
               for stem, weight in terms
               for field, boost in (("title", 2.0), ("summary", 1.5), ("body", 1.0))]
    clauses += [Term("area", slug, boost=AREA_BOOST)
                for slug in current_area_slugs(case.areas)]
    results = searcher.search(Or(clauses), limit=limit * 4, terms=True)
    ids = []
    for hit in results:
        if int(hit["id"]) == case.id:
            continue
        matched = hit.matched_terms()
        words = {term for fieldname, term in matched if fieldname != "area"}
        shares_area = any(fieldname == "area" for fieldname, _term in matched)
        # One shared word is an accident; two, or one within a shared area, is a hint.
        if len(words) >= 2 or (shares_area and words):
            ids.append(int(hit["id"]))
        if len(ids) == limit:
            break
    return ids
