"""Saved searches: a /cases query string, kept in a normal form, run newest first.

The parameter names are the search page's (knowledge/web/searching.py, URL_FACETS); a test
checks that the two lists agree, so a new facet there is not silently ignored here.
"""
from __future__ import annotations

from typing import Callable, Optional
from urllib.parse import parse_qsl, urlencode

from sqlalchemy.orm import Session

from ..cases.models import Case
from ..search import SearchIndex, SearchRequest, parse_filters, search_cases
from ..taxonomy.reference import Taxonomy
from ..cases.validation import FieldError, ValidationError, strip_control

from ..search.documents import URL_FACETS
TEXT_PARAM = "q"
QUERY_MAX = 1000
LABEL = "Sökning"


def query_pairs(query: str) -> list[tuple[str, str]]:
    # People paste whole addresses ("https://…/cases?q=…#x") as readily as "q=…".
    query = query.strip().split("#", 1)[0]
    if "?" in query:
        query = query.split("?", 1)[1]
    pairs = []
    for key, value in parse_qsl(query, keep_blank_values=False):
        value = strip_control(value).strip()
        # page, sort and token describe a view of the results, not which cases match.
        if value and (key in URL_FACETS or key == TEXT_PARAM):
            pairs.append((key, value[:500]))
    return sorted(set(pairs))


def normalise_query(query: str, taxonomy: Taxonomy, field: str = "query") -> str:
    """The query in its normal form, or ValidationError naming what is wrong with it."""
    pairs = query_pairs(query or "")
    if not pairs:
        raise ValidationError([FieldError(field, f"{LABEL}: ange en sökning med sökord eller "
                                                 "filter, t.ex. en adress från söksidan "
                                                 "som /cases?q=trygghetsvandring&district=jarva.")])
    _, unknown = parse_filters(taxonomy, _raw_filters(pairs))
    if unknown:
        names = {"area": ", ".join(a.slug for a in taxonomy.areas),
                 "district": ", ".join(d.slug for d in taxonomy.districts)}
        raise ValidationError([FieldError(field, f"{LABEL}: okänt värde \"{value}\" för {param}. "
                                                 f"Giltiga värden: {names[param]}.")
                               for param, value in unknown])
    normal = urlencode(pairs)
    if len(normal) > QUERY_MAX:
        raise ValidationError([FieldError(field, f"{LABEL}: får vara högst {QUERY_MAX} tecken.")])
    return normal


def _raw_filters(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for key, value in pairs:
        if key in URL_FACETS:
            raw.setdefault(URL_FACETS[key], []).append(value)
    return raw


def search_request_for(query: str, taxonomy: Taxonomy, *, per_page: int) -> SearchRequest:
    """The search a saved query stands for, newest first (what feeds and followers want)."""
    pairs = query_pairs(query)
    filters, _unknown = parse_filters(taxonomy, _raw_filters(pairs))
    text = " ".join(value for key, value in pairs if key == TEXT_PARAM)
    return SearchRequest(text=text, filters=filters, sort="newest", page=1, per_page=per_page)


def run_saved_search(index: SearchIndex, session: Session, taxonomy: Taxonomy, query: str, *,
                     limit: int = 50) -> list[Case]:
    """The newest published cases the saved search finds."""
    result = search_cases(index, session,
                          search_request_for(query, taxonomy, per_page=limit))
    return [found.case for found in result.results]


def describe_query(query: str, taxonomy: Optional[Taxonomy]) -> str:
    """A saved search in words: ”trygghet” · Järva · Unga i riskzon …"""
    names: dict[str, dict[str, str]] = {}
    if taxonomy is not None:
        names = {"area": {a.slug: a.name for a in taxonomy.areas},
                 "district": {d.slug: d.name for d in taxonomy.districts},
                 "evidence": {e.slug: e.name for e in taxonomy.evidence_levels}}
    parts: list[str] = []
    for key, value in query_pairs(query):
        if key == TEXT_PARAM:
            parts.insert(0, f"”{value}”")
        else:
            parts.append(names.get(key, {}).get(value, value))
    return " · ".join(parts) or "alla exempel"


Matcher = Callable[[str, set[int]], set[int]]


def saved_search_matcher(index: SearchIndex, session: Session, taxonomy: Taxonomy,
                         window: int = 200) -> Matcher:
    """For collecting new cases: which of `case_ids` does the saved query find?

    New publications are the newest, so the first `window` hits newest-first hold them.
    """
    def match(query: str, case_ids: set[int]) -> set[int]:
        found = run_saved_search(index, session, taxonomy, query, limit=window)
        return case_ids & {case.id for case in found}
    return match
