"""The index schema and how a case becomes a search document."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

from ..cases.fields import BODY_TEXT_FIELDS, LIST, search_body_fields
from ..cases.models import Case
from ..taxonomy.reference import current_area_slugs
from ..core.timezones import local_date, today_in_stockholm
from .analysis import swedish_analyzer, word_analyzer, written_words

# The text fields a word is looked for in, with their weights (BM25F boosts in queries).
TEXT_FIELDS = (("title", 3.0), ("summary", 2.0), ("body", 1.0))

# Long fields, in the order the snippet prefers them after the summary.
BODY_FIELDS = BODY_TEXT_FIELDS

# Facet name (as in the API and URLs) → index field.
FACET_FIELDS = {
    "priority_areas": "area",
    "district": "district",
    "evidence_level": "evidence",
    "year": "year",
    "organisation": "organisation",
    "partners": "partners",
    "adopted": "adopted",
    "measured": "measured",
}

# URL parameter → facet name, shared by the search page, the API, saved searches and feeds.
URL_FACETS = {
    "area": "priority_areas",
    "district": "district",
    "evidence": "evidence_level",
    "year": "year",
    "organisation": "organisation",
    "partner": "partners",
    "adopted": "adopted",
    "measured": "measured",
}


def make_schema() -> Schema:
    analyzer = swedish_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=analyzer, field_boost=3.0),
        summary=TEXT(analyzer=analyzer, field_boost=2.0),
        body=TEXT(analyzer=analyzer),
        # Unstemmed words: the vocabulary that "Menade du …?" draws from.
        words=TEXT(analyzer=word_analyzer(), phrase=False),
        area=KEYWORD(lowercase=False, scorable=True),
        district=ID,
        evidence=ID,
        year=KEYWORD(lowercase=False),
        organisation=KEYWORD(commas=True, lowercase=False),
        partners=KEYWORD(commas=True, lowercase=False),
        published=NUMERIC(int, bits=64, sortable=True, signed=False),
        # "ja" when another district has reported trying the case; "reuse" counts them.
        adopted=ID,
        reuse=NUMERIC(int, bits=32, sortable=True, signed=False),
        # "ja" when the case has an indicator with a follow-up (knowledge.indicators).
        measured=ID,
    )


_MARKDOWN_NOISE = re.compile(r"[*_`#>|]+|^\s*[-+]\s+", re.MULTILINE)


def plain_text(markdown: str) -> str:
    """Case text without Markdown punctuation, for snippets."""
    return _MARKDOWN_NOISE.sub("", markdown or "")


def active_years(case: Case, today: date | None = None) -> list[str]:
    """Every year the work was going on; an open-ended case runs until this year."""
    if not case.start_date:
        anchor = case.published_at or case.created_at
        # The year in Stockholm: published at 00:30 on New Year's Day is the new year.
        return [str(local_date(anchor).year)] if anchor else []
    end = case.end_date or today or today_in_stockholm()
    last = max(case.start_date.year, end.year)
    return [str(year) for year in range(case.start_date.year, last + 1)]


def _keywords(values) -> str:
    # commas=True keywords: commas separate values, so commas inside a value are dropped.
    return ",".join(v.replace(",", " ").strip() for v in values if v and v.strip())


def case_document(case: Case, adoptions: int = 0) -> dict:
    # The case fields the registry sends to the body, in its order (organisation and
    # partners first, then the long texts).
    body = " \n".join(" ".join(getattr(case, field.name) or []) if field.kind == LIST
                      else getattr(case, field.name) or ""
                      for field in search_body_fields())
    # words holds the written words of all three texts, as the list its analyser would
    # give (Whoosh indexes a list as it is: no analyser, no token objects).
    words = written_words(" \n".join([case.title, case.summary, body]))
    published = case.published_at or case.updated_at
    return {
        "id": str(case.id),
        "title": case.title,
        "summary": case.summary,
        "body": body,
        "words": words,
        "area": " ".join(current_area_slugs(case.areas)),
        "district": case.home_district.slug,
        "evidence": case.evidence_level or "ej-angivet",
        "year": " ".join(active_years(case)),
        "organisation": _keywords([case.organisation]),
        "partners": _keywords(case.partners or []),
        # Microseconds, so that cases published in the same second still sort apart.
        "published": int(published.replace(tzinfo=timezone.utc).timestamp() * 1_000_000)
        if isinstance(published, datetime) else 0,
        "adopted": "ja" if adoptions else "nej",
        "reuse": adoptions,
        "measured": "ja" if any(i.followups for i in getattr(case, "indicators", [])) else "nej",
    }
