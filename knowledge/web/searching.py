"""Reading search parameters from a request (shared by the search page and the API)."""
from __future__ import annotations

import hashlib
from urllib.parse import urlencode
import re
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from ..search import SORTS, URL_FACETS, SearchRequest, SearchResult, parse_filters
from ..taxonomy.reference import Taxonomy
from ..cases.validation import strip_control

FACET_PARAMS = {facet: param for param, facet in URL_FACETS.items()}
# The sort menu's labels, in its order; also how a search export names its order.
SORT_LABELS = {
    "relevance": "Mest relevant",
    "newest": "Senast publicerade",
    "reused": "Mest återanvända",
    "measured": "Mätta resultat först",
}


def search_request(args: MultiDict, taxonomy: Taxonomy, *, page: int, per_page: int
                   ) -> tuple[SearchRequest, list[tuple[str, str]]]:
    raw = {facet: args.getlist(param) for param, facet in URL_FACETS.items()}
    filters, unknown = parse_filters(taxonomy, raw)
    sort = args.get("sort", "") or "relevance"
    if sort not in SORTS:
        unknown.append(("sort", strip_control(sort)))  # the API refuses it, a page ignores it
    request = SearchRequest(text=strip_control(args.get("q", ""))[:500], filters=filters,
                            sort=sort if sort in SORTS else "relevance",
                            page=page, per_page=per_page,
                            exact=args.get("exact", "") in ("1", "ja", "true"))
    return request, unknown


@dataclass
class SearchNotices:
    """Links for what the search did: search only the typed words, or the suggestion."""

    exact_url: str
    suggestion_url: str
    broad_url: str


def search_notices(base_url: str, args: MultiDict, result: SearchResult) -> SearchNotices:
    def url(**changes: str) -> str:
        kept = [(k, strip_control(v)) for k, v in args.items(multi=True)
                if k not in changes and k != "page"]
        kept += [(k, v) for k, v in changes.items() if v]
        return f"{base_url}?{urlencode(kept)}"

    return SearchNotices(
        exact_url=url(q=result.corrected_from or result.request.text, exact="1"),
        suggestion_url=url(q=result.suggestion or "", exact=""),
        broad_url=url(q=result.request.text, exact=""))


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool

    @property
    def dom_id(self) -> str:
        """Stable across swaps (htmx gives focus back to the element with the same id), and
        unique even for free-text values such as organisations."""
        readable = re.sub(r"[^a-z0-9]+", "-", self.value.lower()).strip("-")[:40]
        return f"{readable}-{hashlib.sha1(self.value.encode()).hexdigest()[:6]}"


@dataclass
class FacetGroup:
    name: str
    param: str
    legend: str
    options: list[FacetOption]


LEGENDS = {
    "priority_areas": "Prioriterat samverkansområde",
    "district": "Stadsdelsområde",
    "evidence_level": "Kunskapsläge",
    "year": "År (pågående)",
    "organisation": "Organisation",
    "partners": "Samverkanspart",
    "adopted": "Provat på annat håll",
    "measured": "Har mätta resultat",
}
TOP_VALUES = 10  # organisations and partners are free text: show the most common


def facet_groups(result: SearchResult, taxonomy: Taxonomy) -> list[FacetGroup]:
    """Facets as the page shows them: taxonomy order for areas and districts, every value
    that has hits (or is ticked), with Swedish labels."""
    labels = {
        "priority_areas": {a.slug: a.name for a in taxonomy.areas},
        "district": {d.slug: d.name for d in taxonomy.districts},
        "evidence_level": {**{e.slug: e.name for e in taxonomy.evidence_levels},
                           "ej-angivet": "Ej angivet"},
        "adopted": {"ja": "Ja, i andra stadsdelsområden", "nej": "Inte ännu"},
        "measured": {"ja": "Ja, med uppföljda indikatorer", "nej": "Nej"},
    }
    groups = []
    for name, legend in LEGENDS.items():
        counts = result.facets.get(name, {})
        chosen = set(result.request.filters.get(name, []))
        if name in labels:
            order = list(labels[name])
        elif name == "year":
            order = sorted(set(counts) | chosen, reverse=True)
        else:
            order = sorted(counts, key=lambda v: (-counts[v], v))[:TOP_VALUES]
            order += sorted(chosen - set(order))
        options = [FacetOption(value=v, label=labels.get(name, {}).get(v, v),
                               count=counts.get(v, 0), selected=v in chosen)
                   for v in order if counts.get(v) or v in chosen]
        if options:
            groups.append(FacetGroup(name=name, param=FACET_PARAMS[name], legend=legend,
                                     options=options))
    return groups


def query_string_without_page(args: MultiDict) -> str:
    """The search as it stands, for following it: clean values, no page number."""
    return urlencode([(key, strip_control(value)) for key, value in args.items(multi=True)
                      if key != "page"])
