"""Adoption reports in search: "Provat på annat håll" filter and "Mest återanvända" sort."""
from __future__ import annotations

from knowledge.exchange.adoptions import report_adoption
from knowledge.search import SearchRequest, search_cases


def test_adopted_elsewhere_filter_and_most_reused_sort(app, client, auth, db, users,
        published_case):
    index = app.extensions["search_index"]
    once = published_case("Läxhjälp i Husby")
    twice = published_case("Läxhjälp i Tensta")
    never = published_case("Läxhjälp i Kista")
    for case, districts in ((once, ["Farsta"]), (twice, ["Farsta", "Skärholmen"])):
        for district in districts:
            report_adoption(db, users["coordinator"], case,
                            {"district": district, "context": "Vi provade", "status": "pågår"})
    db.commit()  # the test is the caller: the reports reach the index after the commit
    adopted = search_cases(index, db, SearchRequest(text="läxhjälp",
                                                    filters={"adopted": ["ja"]}))
    assert {f.case.id for f in adopted.results} == {once.id, twice.id}
    assert adopted.facets["adopted"] == {"ja": 2, "nej": 1}
    reused = search_cases(index, db, SearchRequest(text="läxhjälp", sort="reused"))
    assert [f.case.id for f in reused.results] == [twice.id, once.id, never.id]

    auth.login("coordinator")
    page = client.get("/cases?q=l%C3%A4xhj%C3%A4lp&adopted=ja&sort=reused").text
    assert "Provat på annat håll" in page and "Mest återanvända" in page
    assert page.index("Läxhjälp i Tensta") < page.index("Läxhjälp i Husby")
    assert "Läxhjälp i Kista</a>" not in page
