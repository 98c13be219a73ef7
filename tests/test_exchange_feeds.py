"""Atom feeds of searches, filtered views and themes, read back with feedparser."""
from __future__ import annotations

import feedparser

from knowledge.cases import lifecycle as cases
from knowledge.exchange import collections, feeds
from tests.conftest import case_data


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.bozo_exception  # well-formed Atom
    return parsed


def test_a_filtered_search_feed_lists_matching_published_cases_newest_first(client, db,
                                                                          users, published_case):
    older = published_case()
    newer = published_case(title="Trygghetsvandringar vid tunnelbanan i Tensta")
    published_case(title="Samma i Farsta", district="Farsta")
    cases.create_case(db, users["staff"], case_data(title="Ett utkast om tunnelbanan"))
    token = feeds.issue_feed_token(db, users["coordinator"])

    feed = read(client, f"/feeds/search?q=tunnelbanan&district=jarva&sort=relevance&page=2"
                        f"&token={token}")
    assert [e.title for e in feed.entries] == [newer.title, older.title]
    assert feed.feed.title == "Erfarenhetsbanken: ”tunnelbanan” · Järva"
    assert feed.feed.language == "sv"
    entry = feed.entries[0]
    assert entry.link == f"http://erfarenhetsbanken.test/cases/{newer.id}"
    assert entry.id == entry.link and entry.summary == newer.summary
    assert entry.author == "Järva"
    assert {t.term for t in entry.tags} == {"otrygga-platser"}
    assert entry.published_parsed is not None and entry.updated_parsed is not None
    links = {link.rel: link.href for link in feed.feed.links}
    # Neither the feed's id nor its links carry the token, so a shared feed file leaks none.
    assert token not in feed.feed.id and token not in str(links)
    assert links["alternate"] == ("http://erfarenhetsbanken.test/cases?"
                                  "district=jarva&q=tunnelbanan")


def test_the_unfiltered_feed_has_everything_published_and_bad_filters_are_named(
        client, auth, db, users, published_case):
    published_case()
    auth.login("staff2")  # a browser's login works as well as a token
    assert len(read(client, "/feeds/search").entries) == 1
    refused = client.get("/feeds/search?area=okant")
    assert refused.status_code == 400
    assert "okänt värde \"okant\" för area" in refused.text and "unga-i-riskzon" in refused.text


def test_a_theme_feed_keeps_the_editors_order_and_only_published_cases(client, db, users,
        published_case):
    first = published_case(title="Sommarjobb för unga")
    second = published_case(title="Fritidsgårdar öppna hela sommaren")
    theme = collections.create_collection(db, users["editor"], {
        "title": "Sommarlovet", "introduction": "Det som fungerade **förra sommaren**."})
    collections.add_case(db, users["editor"], theme, second.id)
    collections.add_case(db, users["editor"], theme, f"/cases/{first.id}")
    token = feeds.issue_feed_token(db, users["staff2"])
    feed = read(client, f"/feeds/teman/sommarlovet?token={token}")
    assert feed.feed.title == "Erfarenhetsbanken – tema: Sommarlovet"
    assert [e.title for e in feed.entries] == [second.title, first.title]
    cases.archive_case(db, users["editor"], second)
    feed = read(client, f"/feeds/teman/sommarlovet?token={token}")
    assert [e.title for e in feed.entries] == [first.title]
    assert client.get(f"/feeds/teman/finns-inte?token={token}").status_code == 404


def test_feed_links_with_the_token_are_shown_once_on_the_settings_page(client, auth, db,
                                                                      users):
    collections.create_collection(db, users["editor"], {"title": "Trygg i tunnelbanan"})
    auth.login("coordinator")
    client.post("/bevakningar", data={"kind": "area", "target": "unga-i-riskzon"})
    page = client.post("/installningar/flodesnyckel").text
    token = page.split("<code>", 1)[1].split("</code>", 1)[0]
    area_feed = f"http://erfarenhetsbanken.test/feeds/search?area=unga-i-riskzon&amp;token={token}"
    theme_feed = f"http://erfarenhetsbanken.test/feeds/teman/trygg-i-tunnelbanan?token={token}"
    assert area_feed in page and theme_feed in page
    anonymous = client.application.test_client()  # a feed reader: no login, just the token
    assert anonymous.get(area_feed.replace("&amp;", "&")).status_code == 200
    assert anonymous.get(theme_feed).status_code == 200


def test_the_feed_she_came_for_is_offered_ready_to_copy(client, auth, db, users):
    collections.create_collection(db, users["editor"], {"title": "Trygg i tunnelbanan"})
    auth.login("coordinator")
    asked = client.get("/installningar?flode=tema:trygg-i-tunnelbanan").text
    assert "Du vill läsa <strong>Tema: Trygg i tunnelbanan</strong>" in asked
    assert '<input type="hidden" name="flode" value="tema:trygg-i-tunnelbanan">' in asked
    page = client.post("/installningar/flodesnyckel",
                       data={"flode": "q=tunnelbanan&area=unga-i-riskzon"}).text
    token = page.split("<code>", 1)[1].split("</code>", 1)[0]
    first = page.split('<input id="feed-1" type="text" readonly value="', 1)[1].split('"')[0]
    assert first.startswith("http://erfarenhetsbanken.test/feeds/search?")
    assert first.endswith(f"&amp;token={token}")
    assert "q=tunnelbanan" in first and "area=unga-i-riskzon" in first
    # Nothing is offered for a search that names no real filter value.
    assert "Du vill läsa" not in client.get("/installningar?flode=area=okant").text
