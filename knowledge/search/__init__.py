"""Search over published cases: a Whoosh index with Swedish analysis, fed by the outbox.

The few functions here are what the rest of the app uses: `search_cases` and
`similar_cases` return cases read from the database, `SearchIndex.sync` applies the
outbox, `SearchIndex.rebuild` rebuilds everything.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Optional

from markupsafe import Markup
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from ..cases.models import Case
from ..taxonomy.reference import Taxonomy
from .documents import BODY_FIELDS, FACET_FIELDS, URL_FACETS, plain_text
from .index import (
    IndexUnavailable, ReuseCounts, SearchIndex, no_reuse, take_transaction_id_before_outbox_ids,
)
from .analysis import zipf_swedish
from .query import SORTS, SearchRequest, run_search, snippet
from .similar import similar_case_ids

log = logging.getLogger(__name__)

__all__ = ["SearchIndex", "SearchRequest", "SearchResult", "IndexUnavailable", "search_cases",
           "search_case_ids", "similar_cases", "sync_after_commit", "warm_search", "FACET_FIELDS",
           "URL_FACETS", "parse_filters", "ReuseCounts", "no_reuse", "SORTS"]


@dataclass
class FoundCase:
    case: Case
    score: Optional[float]
    snippet: Optional[Markup]


@dataclass
class SearchResult:
    request: SearchRequest
    total: int
    results: list[FoundCase]
    facets: dict[str, dict[str, int]]
    suggestion: Optional[str] = None
    corrected_from: Optional[str] = None
    broadened: bool = False
    lagging: bool = False
    expansions: list[dict] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    complete: int = 0   # of `total`, the cases that match the whole search

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))


MEASURED_VALUES = {"1": "ja", "true": "ja", "ja": "ja", "0": "nej", "false": "nej",
                   "nej": "nej"}


def parse_filters(taxonomy: Taxonomy, raw: dict[str, list[str]]) -> tuple[dict[str, list[str]],
                                                                          list[tuple[str, str]]]:
    """Facet filters from URL or API parameters: names or slugs in, slugs out.

    Returns the clean filters and a list of (parameter, unknown value) for error messages.
    """
    clean: dict[str, list[str]] = {}
    unknown: list[tuple[str, str]] = []
    # Old names and slugs (from before a revision or a merge) resolve to the current ones.
    lookups = (("priority_areas", "area", taxonomy.find_areas),
               ("district", "district",
                lambda v: [d] if (d := taxonomy.find_district(v)) else []))
    for name, parameter, find in lookups:
        for value in raw.get(name, []):
            found = find(value)
            if not found:
                unknown.append((parameter, value))
            for item in found:
                if item.slug not in clean.get(name, []):
                    clean.setdefault(name, []).append(item.slug)
    for name in ("evidence_level", "year", "organisation", "partners", "adopted"):
        values = [v for v in raw.get(name, []) if v.strip()]
        if values:
            clean[name] = values
    # measured=1 (the API's word) or ja/nej (the facet's values).
    measured = [MEASURED_VALUES.get(v.strip().lower(), v.strip())
                for v in raw.get("measured", []) if v.strip()]
    if measured:
        clean["measured"] = list(dict.fromkeys(measured))
    return clean, unknown


def search_cases(index: SearchIndex, session: Session, request: SearchRequest) -> SearchResult:
    """Search published cases; the hits come back as Case rows with highlighted snippets."""
    engine, lagging = _run(index, session, request)
    cases = _load_published(session, [hit.case_id for hit in engine.hits])
    results = []
    for hit in engine.hits:
        case = cases.get(hit.case_id)
        if case is None:
            continue  # unpublished since the index last heard; the next sync removes it
        results.append(FoundCase(case=case, score=hit.score,
                                 snippet=_snippet(case, engine.terms)))
    return SearchResult(request=request, total=engine.total, results=results,
                        facets=engine.facets, suggestion=engine.suggestion,
                        corrected_from=engine.corrected_from, broadened=engine.broadened,
                        lagging=lagging, expansions=engine.expansions,
                        unmatched=engine.unmatched, complete=engine.complete)


def search_case_ids(index: SearchIndex, session: Session, request: SearchRequest
                    ) -> tuple[list[int], int]:
    """The ids a search finds on the requested page, in order, and the total: for exports,
    which read the cases themselves and need no snippets."""
    engine, _lagging = _run(index, session, request)
    return [hit.case_id for hit in engine.hits], engine.total


def _run(index: SearchIndex, session: Session, request: SearchRequest):
    # Another process (or node) may have written to the outbox: catch up a little before
    # answering, never much and never waiting long; the answer then says it is catching up.
    lagging = index.catch_up()
    try:
        searcher, cache = index.searcher_and_cache()
    except IndexUnavailable:
        index.start_background(rebuild=True)  # outside the request; this one gets a 503
        raise
    return run_search(searcher, cache, request, index.vocabulary.current(session)), lagging


def warm_search(index: SearchIndex, session: Session,
                alive: Callable[[], None] = lambda: None) -> None:
    """What a worker's first search would otherwise build while someone waits (about 2 s
    at 10 000 cases): the searcher and its facet sets, the compiled vocabulary, the
    spelling vocabulary, the reversed terms that compounds are found by, the words that
    lost their Swedish letters, and Swedish word frequencies. Raises IndexUnavailable as a
    search would."""
    _searcher, cache = index.searcher_and_cache()
    for index_field in FACET_FIELDS.values():
        cache.facet_sets(index_field)
    alive()
    vocabulary = index.vocabulary.current(session)
    alive()
    cache.vocabulary()
    cache.reversed_terms()
    cache.diacritic_words(vocabulary.spelling_words)
    alive()
    zipf_swedish("och")   # loads wordfreq's Swedish list


def similar_cases(index: SearchIndex, session: Session, case: Case, limit: int = 5) -> list[Case]:
    """Published cases like this one; none (rather than an error page) if the index is down."""
    try:
        searcher, cache = index.searcher_and_cache()
    except IndexUnavailable:
        log.exception("Search index unavailable; showing the case without similar cases")
        return []
    ids = similar_case_ids(searcher, cache, case, limit)
    cases = _load_published(session, ids)
    return [cases[i] for i in ids if i in cases]


def _load_published(session: Session, ids: list[int]) -> dict[int, Case]:
    if not ids:
        return {}
    return {case.id: case for case in session.scalars(
        select(Case).where(Case.id.in_(ids), Case.status == "published")
        .options(selectinload(Case.areas)))}


def _snippet(case: Case, terms: frozenset[str]) -> Optional[Markup]:
    fields = [case.summary] + [plain_text(getattr(case, name)) for name in BODY_FIELDS]
    html = snippet(fields, terms)
    return Markup(html) if html else None  # whoosh's HtmlFormatter escapes the text


def sync_after_commit(sessions: sessionmaker[Session], index: SearchIndex) -> None:
    """After a commit that wrote outbox rows, apply them, so a publish is searchable at once.

    Bounded like a search's catch-up. If indexing fails, the commit stands and the rows wait
    in the outbox for the next sync.
    """
    take_transaction_id_before_outbox_ids(sessions)

    @event.listens_for(sessions, "after_commit")
    def _apply(session: Session) -> None:
        if session.get_nested_transaction() is not None:
            # A SAVEPOINT was released (the import's, say): SQLAlchemy calls after_commit for
            # that too, but its rows are not committed until the transaction around it is.
            return
        if session.info.pop("outbox_written", False):
            index.catch_up()  # logs and records its own failures

    @event.listens_for(sessions, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop("outbox_written", None)

