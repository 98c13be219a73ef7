"""The search page offers to follow the search as it stands."""
from __future__ import annotations

from knowledge.exchange import follows


def test_following_the_current_search_from_the_search_page(client, auth, db, users):
    auth.login("coordinator")
    page = client.get("/cases?q=nattvandring&district=farsta").text
    assert 'name="target" value="q=nattvandring&amp;district=farsta"' in page
    response = client.post("/bevakningar", data={"kind": "search",
                                                 "target": "q=nattvandring&district=farsta"})
    assert response.status_code == 303
    kinds = [(f.follow.kind, f.follow.target)
             for f in follows.list_follows(db, users["coordinator"])]
    assert kinds and kinds[0][0] == "search" and "nattvandring" in kinds[0][1]
