"""Search that speaks the practitioners' language: what a coordinator types is not always
what the case says. Each test publishes cases the way staff write them and searches the way
coordinators type."""
from __future__ import annotations

import pytest

from knowledge.cases import fields as case_fields
from knowledge.cases import lifecycle as cases
from knowledge.search.models import SearchTerm
from knowledge.search import SearchRequest, search_cases
from knowledge.search.analysis import parse_query, swedish_stem, word_analyzer, written_words
from knowledge.search.concepts import MAX_CONCEPTS, build_concepts, weigh
from tests.conftest import case_data

# Every text the search body holds, emptied (read from the registry, so a field added later
# is emptied too): what a search finds then comes only from the words a test wrote.
EMPTY = {f.name: [] if f.kind == case_fields.LIST else "" for f in case_fields.search_body_fields()}


@pytest.fixture
def publish(published_case):
    """publish(title, summary, **fields): a published case whose other texts are empty, so
    that what a search finds comes from the words the test wrote."""
    return lambda title, summary, **fields: published_case(
        title, summary=summary, **{**EMPTY, **fields})


@pytest.fixture
def index(app):
    return app.extensions["search_index"]


def search(index, db, text, **options):
    return search_cases(index, db, SearchRequest(text=text, per_page=50, **options))


def titles(result):
    return [f.case.title for f in result.results]


def add_term(db, kind, term, expansions, district=None):
    """As an editor would set it (the starter vocabulary may already have the word)."""
    db.query(SearchTerm).filter_by(kind=kind, term=term).delete()
    db.add(SearchTerm(kind=kind, term=term, expansions=expansions, district_slug=district,
                      note=""))
    db.commit()


@pytest.mark.parametrize("forms", [
    ("fönster", "fönstren", "fönstret"),
    ("vinter", "vintrar", "vintern"),
    ("syster", "systrar"),
    ("cykel", "cyklar", "cykeln"),
    ("exempel", "exemplet", "exemplen"),
    ("klotter", "klottret"),
])
def test_stems_that_drop_an_e_meet(forms):
    assert len({swedish_stem(form) for form in forms}) == 1, forms


@pytest.mark.parametrize("forms", [
    ("mörker", "mörkret", "mörkrets"),
    ("våld", "våldet", "våldets"),
    ("tunnelbana", "tunnelbanan", "tunnelbanans"),
    ("fönster", "fönstret", "fönstrets"),
    ("skolgård", "skolgården", "skolgårdens"),
    ("centrum", "centrumet", "centrumets"),
    ("hus", "huset", "husets"),
    ("nät", "nätet", "nätets"),
    ("hot", "hotet", "hotets"),
    ("gata", "gatan", "gatans"),
])
def test_the_genitive_of_a_definite_form_meets_the_word(forms):
    # "mörkrets" (the darkness's) is "mörkret" with a genitive -s, and means "mörker".
    assert len({swedish_stem(form) for form in forms}) == 1, \
        {form: swedish_stem(form) for form in forms}


@pytest.mark.parametrize("forms", [
    ("handlingsplan", "handlingsplanen", "handlingsplaner", "handlingsplanens"),
    ("polisman", "polismannen"),
    ("budget", "budgeten", "budgetar"),
    ("komet", "kometen"),
    ("internet", "internets"),
])
def test_a_word_that_only_ends_like_a_definite_form_keeps_its_ending(forms):
    # "handlingsplan" is no definite form of "handlingspla": cut so, it missed the
    # "handlingsplanen" of the cases. (And "internet" is not "intern".)
    assert len({swedish_stem(form) for form in forms}) == 1, \
        {form: swedish_stem(form) for form in forms}
    assert swedish_stem("internet") != swedish_stem("intern")


@pytest.mark.parametrize("forms", [
    ("kriminalitet", "kriminaliteten", "kriminalitetens"),
    ("aktivitet", "aktiviteten", "aktiviteter", "aktiviteterna"),
    ("identitet", "identiteten", "identiteter"),
])
def test_the_forms_of_an_itet_noun_meet(forms):
    # Snowball cuts "-et" from the bare noun, but "-en" or "-er" from its other forms.
    assert len({swedish_stem(form) for form in forms}) == 1, \
        {form: swedish_stem(form) for form in forms}


@pytest.mark.parametrize("text", [
    "Och **Ungdomar** i Årsta: VAR-projektet, BID och var; 3.5 procent (e-post: a.b@c.se)",
    "I en by är det_ tyst \n- cykeln, fönstren & exemplet\t2024-05-01 ÅÄÖ åäö é ß",
    "",
])
def test_the_written_words_indexed_are_what_the_analyser_gives(text):
    # The words field is fed this list instead of analysing the text again.
    assert written_words(text) == [t.text for t in word_analyzer()(text)]


def test_a_word_finds_its_forms_with_a_dropped_e_and_in_compounds(index, db, users, publish):
    publish("Krossade fönstren lagades samma dag",
            "Fastighetsägaren bytte fönstren i trapphusen inom ett dygn.")
    publish("Källarfönstren låstes", "Vi satte galler på källarfönstren.")
    publish("Aktiviteter under vintrarna", "Fotboll i hallen när det är kallt.")
    assert set(titles(search(index, db, "fönster"))) == {
        "Krossade fönstren lagades samma dag", "Källarfönstren låstes"}
    assert titles(search(index, db, "vinter")) == ["Aktiviteter under vintrarna"]


def test_a_synonym_from_the_vocabulary_finds_the_case_and_says_so(index, db, users, publish):
    add_term(db, "synonym", "snatteri", ["butiksstöld", "stöld i butik"])
    publish("Butiksstölder i Skärholmen centrum",
            "Handlarna och polisen samarbetade mot butiksstölder.")
    result = search(index, db, "snatteri")
    assert titles(result) == ["Butiksstölder i Skärholmen centrum"]
    assert result.expansions and "butiksstöld" in result.expansions[0]["added"]
    assert not result.broadened and result.corrected_from is None
    # "Search only for what I typed": no expansion, no hit.
    assert search(index, db, "snatteri", exact=True).total == 0


def test_a_word_with_a_letter_and_a_hyphen_finds_its_synonyms(index, db, users, publish):
    # "t-bana" is "bana" to the index, so it is looked up whole in the vocabulary instead.
    add_term(db, "synonym", "tunnelbana", ["t-bana", "tunnelbanestation"])
    publish("Trygghetsvärdar vid tunnelbanestationen", "Värdar på perrongen kvällstid.")
    publish("Ny bana för motocross", "En bana utanför bostadsområdet.")
    for typed in ("t-banan", "T-bana", "vid t-banorna"):
        result = search(index, db, typed)
        assert titles(result) == ["Trygghetsvärdar vid tunnelbanestationen"], typed
        assert "tunnelbana" in result.expansions[0]["added"], typed
        assert result.expansions[0]["term"].lower().startswith("t-ban"), typed


def test_a_narrower_word_no_case_uses_finds_its_broader_topic_and_says_so(index, db, users,
                                                                          publish):
    # The cases speak of extremism in general; someone types a kind of it. Finding nothing
    # would help no one: the search goes up to the broader term, weighs it little, shows
    # it, and says that it broadened.
    add_term(db, "broader", "extremism", ["högerextremism", "vänsterextremism"])
    add_term(db, "synonym", "högerextremism", ["nazism", "nazister"])
    publish("Förebyggande arbete mot extremism", "Utbildning för skolpersonal.")
    publish("Nattvandring i centrum", "Vuxna ute på kvällarna.")
    result = search(index, db, "nazism")
    assert titles(result) == ["Förebyggande arbete mot extremism"]
    assert result.broadened
    shown = result.expansions[0]
    assert "extremism" in shown["added"] and "överordnat begrepp" in shown["reasons"]
    # A one-way row (everyday words to the words of the cases) is no hierarchy: the search
    # never goes up from "misshandel" to "slå".
    db.query(SearchTerm).filter_by(kind="broader", term="slå").delete()
    db.add(SearchTerm(kind="broader", term="slå", expansions=["misshandel"], district_slug=None,
                      note="vardagligt verb: en väg bara åt ena hållet"))
    db.commit()
    publish("Slå larm i tid", "Personalen lär sig slå larm.")
    assert search(index, db, "misshandel").total == 0
    # When a case does use the word, nothing broader is added.
    publish("Nazistisk propaganda på skolan", "Nazister delade ut flygblad; vi samtalade om nazism.")
    result = search(index, db, "nazism")
    assert titles(result) == ["Nazistisk propaganda på skolan"]
    assert not result.broadened


def test_the_typed_word_ranks_above_its_synonym(index, db, users, publish):
    add_term(db, "synonym", "mobbning", ["kränkande behandling"])
    publish("Arbete mot kränkande behandling i skolan",
            "Elevhälsan och fritidsgården samarbetade.")
    publish("Mobbning på nätet", "Föräldramöten om mobbning.")
    assert titles(search(index, db, "mobbning")) == [
        "Mobbning på nätet", "Arbete mot kränkande behandling i skolan"]


def test_a_neighbourhood_finds_the_cases_of_its_district(index, db, users, publish):
    add_term(db, "place", "Hagsätra", [], "enskede-arsta-vantor")
    in_district = publish("Fritidsgård med längre öppettider",
                          "Fler unga fick en plats på kvällarna.",
                          district="Enskede-Årsta-Vantör")
    publish("Fritidsgård i Tensta", "Öppet på helger.", district="Järva")
    result = search(index, db, "Hagsätra")
    assert titles(result) == [in_district.title]
    assert result.expansions[0]["added"] == ["Enskede-Årsta-Vantör"]


def test_a_typed_compound_finds_texts_that_write_it_apart(index, db, users, publish):
    publish("Medling vid konflikter i skolan",
            "Skolan utbildade elever till kamratmedlare.")
    publish("Konflikter i trapphuset", "Grannar medlade.")
    result = search(index, db, "skolkonflikter")
    assert titles(result)[0] == "Medling vid konflikter i skolan"
    assert result.corrected_from is None  # never "corrected" into another word
    assert result.expansions and result.expansions[0]["term"] == "skolkonflikter"


def test_a_short_word_finds_the_compounds_it_ends_in(index, db, users, publish):
    publish("Färre butiksstölder", "Handlare och polis samverkade.")
    publish("Cykelstölderna minskade", "Nya cykelställ vid stationen.")
    assert set(titles(search(index, db, "stöld"))) == {"Färre butiksstölder",
                                                       "Cykelstölderna minskade"}


def test_a_word_finds_the_compounds_it_begins_as_typed_where_snowball_cuts_it_short(
        index, db, users, publish):
    # Snowball cuts "heder" to "hed"; the cases write "hedersrelaterat" and "hedersförtryck",
    # whose rest after "hed" ("ersrelaterat") is no word.
    publish("Stöd mot hedersrelaterat våld", "Skolan och socialtjänsten samverkar.")
    publish("Hedersförtryck i familjen", "Samtal med föräldrar.")
    publish("Hedvig börjar i skolan", "Hedersam lärare och hedervärda elever.")
    assert set(titles(search(index, db, "heder"))) == {"Stöd mot hedersrelaterat våld",
                                                        "Hedersförtryck i familjen"}


def test_a_compound_typed_without_its_linking_s_is_corrected_to_the_cases_word(
        index, db, users, publish):
    publish("Fritidsgården öppen på fredagar", "Fritidsgården i Rinkeby har kvällsöppet.")
    publish("Ny fritidsgård i Husby", "Fritidsgårdens personal möter unga.")
    publish("Grönare gård", "Fritid för alla på gården.")
    result = search(index, db, "fritidgård")
    assert result.corrected_from == "fritidgård"
    assert set(titles(result)) == {"Fritidsgården öppen på fredagar", "Ny fritidsgård i Husby"}
    # A compound found through its parts, with no slip that near, stays as typed.
    assert search(index, db, "fritidgrön").corrected_from is None


def test_a_compound_typed_with_its_first_part_in_the_plural_is_corrected_to_the_cases_word(
        index, db, users, publish):
    # "föräldrarstöd": the first part as its plural, the cases write "föräldrastöd". Split
    # into föräldrar + stöd, it found every case with parents and any support.
    publish("Föräldrastöd på nätet", "Föräldrastöd för föräldrar till tonåringar.")
    publish("ABC föräldrastöd", "Föräldrastödet ABC i Hässelby.")
    publish("Stöd till ledare", "Föräldrar och ledare i föreningen får stöd.")
    publish("Föräldrar vandrar", "Föräldrar ger varandra stöd på kvällarna.")
    result = search(index, db, "föräldrarstöd")
    assert result.corrected_from == "föräldrarstöd"
    assert set(titles(result)) == {"Föräldrastöd på nätet", "ABC föräldrastöd"}


def test_a_typed_compound_whose_parts_no_case_has_together_ranks_its_rarer_part_first(
        index, db, users, publish):
    # No case has skolgård and våld: the one on the school yard says more of
    # "skolgårdsvåld" than those on any kind of violence.
    publish("Våld i nära relationer", "Stöd till den som utsätts för våld i hemmet.")
    publish("Våld mot äldre", "Hemtjänsten lär sig se tecken på våld.")
    publish("Vuxna på skolgården", "Rastvakter och lekar på skolgården i Bandhagen.")
    publish("Skolan och fritidsgården", "Läxhjälp i skolan.")
    result = search(index, db, "skolgårdsvåld")
    assert titles(result)[0] == "Vuxna på skolgården"
    assert result.broadened   # no case has both: an approximation, and it says so
    added = [a for e in result.expansions for a in e["added"]]
    assert "skolgårds" in added and "första ordledet" in result.expansions[0]["reasons"]


def test_a_function_word_in_a_short_query_ranks_but_is_not_required(index, db, users,
                                                                     publish):
    # "bland" and "bättre" are no stop words, but no case needs them to be about the subject.
    publish("Unga som bär kniv", "Samtal med elever efter knivincidenter i skolan.")
    publish("Ljus i parkerna", "Ny belysning längs gångstråken i parken.")
    publish("Bättre samverkan bland föreningar", "Föreningarna träffas varje månad.")
    assert titles(search(index, db, "kniv bland unga")) == ["Unga som bär kniv"]
    assert titles(search(index, db, "bättre belysning i parken")) == ["Ljus i parkerna"]


def test_a_compound_on_generic_work_finds_what_its_first_part_is_about(index, db, users,
                                                                        publish):
    # "-arbete", "-insatser": the work is what the first part says, and that part may be
    # a vocabulary term that no case writes (kvinnofrid).
    add_term(db, "synonym", "kvinnofrid", ["våld mot kvinnor"])
    publish("Skyddat boende", "Stöd till kvinnor som utsätts för våld mot kvinnor.")
    publish("Trygghet vid busstorget", "Fler vakter och bättre ljus gav mer trygghet.")
    publish("Arbete med föreningar", "Insatser för föreningslivet.")
    assert titles(search(index, db, "kvinnofridsarbete")) == ["Skyddat boende"]
    assert titles(search(index, db, "trygghetsinsatser")) == ["Trygghet vid busstorget"]


def test_an_acronym_in_capitals_is_never_a_stop_word(index, db, users, publish):
    publish("Programmet VAR för föräldrar", "Föräldrar träffades varje vecka.")
    publish("Var finns de otrygga platserna?", "En kartläggning med boende.")
    assert titles(search(index, db, "VAR")) == ["Programmet VAR för föräldrar"]
    # Typed in lower case it is the ordinary stop word: every case, no filtering by it.
    assert search(index, db, "var").total == 2


def test_a_question_is_decided_by_its_rare_words(index, db, users, publish):
    publish("Trygghet i centrum", "Trygghet och trygghet på torget varje dag.")
    publish("Snabbare insatser mot langning vid skolor",
            "Fältassistenter och polis stoppade langning av narkotika till elever.")
    for n in range(30):
        publish(f"Trygghetsarbete nummer {n}", "Trygghet för alla boende.")
    result = search(index, db, "hur kan man få bort langning av narkotika nära skolorna "
                               "och öka tryggheten")
    assert titles(result)[0] == "Snabbare insatser mot langning vid skolor"


def test_a_query_with_no_answer_finds_nothing_or_says_it_broadened(index, db, users, publish):
    publish("Nattvandring i Farsta", "Vuxna vandrade på fredagskvällar.",
            district="Farsta")
    result = search(index, db, "kryptovalutabedrägerier mot pensionärer")
    assert result.total == 0 or result.broadened or result.corrected_from
    result = search(index, db, "nattvandring blockkedjeteknik")
    assert result.broadened and "blockkedjeteknik" in result.unmatched
    assert titles(result) == ["Nattvandring i Farsta"]


def test_the_api_says_what_the_search_did(client, db, users, index, publish):
    from knowledge.accounts.users import issue_token
    add_term(db, "synonym", "hemlöshet", ["bostadslöshet"])
    publish("Stöd vid bostadslöshet", "Boendestöd för unga vuxna.")
    token = issue_token(db, users["coordinator"])
    db.commit()
    body = client.get("/api/v1/cases?q=hemlöshet",
                      headers={"Authorization": f"Bearer {token}"}).json
    assert body["total"] == 1 and body["broadened"] is False
    assert body["corrected_from"] is None
    assert body["expansions"][0]["term"] == "hemlöshet"
    assert "bostadslöshet" in body["expansions"][0]["added"]


def test_a_page_filled_with_partial_matches_says_how_many_match_the_whole_search(
        client, auth, db, users, index, publish):
    from html import unescape
    from knowledge.accounts.users import issue_token
    for n in range(2):
        publish(f"Klotter på skolan {n}", "Klotter sanerades på skolan inom ett dygn.")
    for n in range(3):
        publish(f"Klotter i tunneln {n}", "Klotter på väggarna i gångtunneln.")
    publish("Läxhjälp", "Biblioteket hjälper elever med läxor.")
    token = issue_token(db, users["coordinator"])
    db.commit()
    body = client.get("/api/v1/cases?q=klotter skolan",
                      headers={"Authorization": f"Bearer {token}"}).json
    # Fewer than ten cases have both words: those with one follow, and the answer says so.
    assert body["total"] == 5 and body["complete"] == 2 and body["broadened"] is True
    assert [r["title"] for r in body["results"]][:2] == ["Klotter på skolan 1",
                                                         "Klotter på skolan 0"]
    auth.login("coordinator")
    html = unescape(client.get("/cases", query_string={"q": "klotter skolan"}).text)
    assert "5 exempel hittades för ”klotter skolan” (2 med alla orden)." in html
    assert "2 exempel matchar hela sökningen; efter dem visas exempel som matchar en del" in html
    assert "Inga exempel matchar hela sökningen" not in html


def test_a_long_pasted_text_is_bounded(index, db, users, publish):
    publish("Nattvandring i Farsta", "Vuxna vandrade på fredagskvällar.")
    text = " ".join(f"ord{n}x" for n in range(200))[:500]
    searcher, cache = index.searcher_and_cache()
    concepts = build_concepts(cache, parse_query(text), index.vocabulary.current(db))
    weigh(concepts, len(cache.live_docs()))
    assert len(concepts) <= 40
    assert len([c for c in concepts if not c.optional]) <= MAX_CONCEPTS
    assert search(index, db, text).total == 0


def test_a_removed_word_is_never_suggested(index, db, users, publish):
    """"Menade du …?" draws only on live text: a name an editor removed, or a word of an
    archived case, is never offered, although Whoosh keeps it in its lexicon for a while."""
    case = publish("Grannsamverkan i Bromma",
                   "Kontaktperson var Zyxwerbergsson på förvaltningen.", district="Bromma")
    other = publish("Sommarjobb för unga",
                    "Ungdomarna fick feriejobb hos Qwertyholmarna.")
    assert search(index, db, "zyxwerbergson").suggestion == "zyxwerbergsson"
    cases.update_case(db, users["editor"], case, {
        **case_data(title=case.title, summary="Kontaktperson fanns på förvaltningen.",
                    district="Bromma", **EMPTY)})
    db.commit()
    cases.archive_case(db, users["editor"], other)
    db.commit()
    for typed in ("zyxwerbergson", "zyxwerbergsson", "qwertyholmarna", "qwertyholmarn"):
        result = search(index, db, typed)
        assert result.total == 0
        assert result.suggestion is None, typed


def test_a_correction_is_never_a_stop_word(index, db, users, publish):
    publish("Och så vidare", "Och och och.")
    result = search(index, db, "ochh")
    assert result.suggestion != "och"


@pytest.mark.own_database  # init-db migrates on a connection of its own
def test_init_db_rebuilds_an_index_built_with_older_analysis(app, db, users, runner, index,
                                                             publish):
    """After an upgrade that changes the stemming, `init-db` (run at every deploy) rebuilds
    the index, so that old stems do not silently miss new queries."""
    from knowledge.search.analysis import ANALYSIS_VERSION
    publish("Aktiviteter under vintrarna", "Fotboll i hallen när det är kallt.")
    generation = index.root / index.current_generation()
    (generation / "analysis.txt").write_text("1")
    assert index.analysis_outdated()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "byggs om" in result.output
    assert not index.analysis_outdated()
    assert (index.root / index.current_generation() / "analysis.txt").read_text() \
        == ANALYSIS_VERSION
    assert titles(search(index, db, "vinter")) == ["Aktiviteter under vintrarna"]


def test_the_starter_vocabulary_is_loaded_once_and_editors_keep_their_changes(db, runner):
    from knowledge.search.vocabulary import load_starter_vocabulary
    assert db.query(SearchTerm).filter_by(kind="place", term="Rinkeby").one().district_slug \
        == "jarva"
    db.query(SearchTerm).filter_by(kind="place", term="Rinkeby").delete()
    db.commit()
    assert load_starter_vocabulary(db) == 0   # a maintained vocabulary is never overwritten
    assert db.query(SearchTerm).filter_by(kind="place", term="Rinkeby").count() == 0


def test_pages_with_partial_matches_neither_repeat_nor_skip_and_keep_their_total(
        index, db, users, publish):
    for n in range(6):   # more than a page have every word; more still have some
        publish(f"Klotter och sanering vid skola {n}", "Skolgården sanerades.",
                situation="Mobbning och rasism på skolgården.")
    for n in range(8):
        publish(f"Klotter nummer {n}", "Klotter på väggar " * (n + 1),
                situation="Klotter och mobbning.")
    for n in range(8):
        publish(f"Rasism i föreningen {n}", "Samtal om rasism.")
    seen, totals = [], set()
    for page in (1, 2, 3, 4, 5, 6):
        result = search_cases(index, db, SearchRequest(text="klotter mobbning rasism",
                                                       page=page, per_page=5))
        totals.add((result.total, result.broadened))
        seen += [f.case.id for f in result.results]
    assert len(totals) == 1                       # the same answer whichever page is asked
    assert len(seen) == len(set(seen))            # no case on two pages
    assert len(seen) == totals.pop()[0]           # and none left out


def test_a_quoted_phrase_that_matches_is_no_broadening(index, db, users, publish):
    publish("Vuxna på stan", "Vuxna på stan varje fredag.")
    result = search(index, db, '"vuxna på stan"')
    assert result.total == 1 and not result.broadened


def test_only_what_i_typed_keeps_every_typed_word(index, db, users, publish):
    publish("Metoder mot klotter", "Information om metoder mot klotter.")
    publish("Klotter i tunneln", "Sanering inom ett dygn.")
    # Four words make a question: "metoder" and "information" would be dropped as question
    # words, but not when the person asked for exactly what she typed.
    text = "metoder information om klotter"
    searcher, cache = index.searcher_and_cache()
    vocabulary = index.vocabulary.current(db)
    assert [c.label for c in build_concepts(cache, parse_query(text), vocabulary)] == \
        ["klotter"]
    assert [c.label for c in build_concepts(cache, parse_query(text), vocabulary,
                                            exact=True)] == ["metoder", "information",
                                                             "klotter"]
    assert titles(search(index, db, text, exact=True))[0] == "Metoder mot klotter"


def test_a_place_filed_under_a_merged_district_finds_the_district_it_is_part_of(
        index, db, users, publish):
    from knowledge.taxonomy import changes
    from knowledge.taxonomy.models import District
    add_term(db, "place", "Gubbängen", [], "farsta")
    farsta = db.query(District).filter_by(slug="farsta").one()
    skarpnack = db.query(District).filter_by(slug="skarpnack").one()
    merged = changes.merge_districts(db, users["editor"], [farsta, skarpnack],
                                     "Farsta-Skarpnäck")
    db.commit()
    case = publish("Fritidsgård med läxhjälp", "Unga fick hjälp.",
                   district=merged.name)
    result = search(index, db, "Gubbängen")
    assert titles(result) == [case.title]
    assert result.expansions[0]["added"] == ["Farsta-Skarpnäck"]


def test_a_word_is_not_split_into_a_stem_and_its_ending(index, db, users, publish):
    # "hemlösa" is hem + the ending -lösa, not the words "hem" and "lösa"; "nattvandring"
    # is not "nattvandr" + "ing". Split that way, a text that happens to say "lösa" near
    # "hemmet" would pass for a match.
    publish("Lösa hundar vid hemmet", "Hundägare i parken fick information.")
    publish("Hem för unga", "Boendet hade inga lösa regler.")
    for text in ("hemlösa", "hemlöshet"):
        result = search(index, db, text, exact=False)
        assert "Lösa hundar vid hemmet" not in titles(result), text
        assert not any(e.get("kinds") and "split" in e["kinds"] for e in result.expansions)


def test_a_query_typed_without_swedish_letters_gets_them_back_and_says_so(index, db, users,
                                                                         publish):
    publish("Våld i nära relationer", "Skyddat boende för kvinnor och barn.")
    publish("Grannar mot våld", "Huskurage i hyreshusen.")
    publish("Äldre och bedrägerier", "Seniorer lär sig känna igen bedragare.")
    publish("Vald metod", "Vi valde att samverka med föreningar.")
    result = search(index, db, "vald i nara relationer")
    assert titles(result)[0] == "Våld i nära relationer"
    assert result.corrected_from == "vald i nara relationer"
    assert result.suggestion == "våld i nära relationer"
    assert titles(search(index, db, "aldre bedragerier")) == ["Äldre och bedrägerier"]
    # Typed with å, ä or ö somewhere: the person can type them, so "vald" means vald.
    assert search(index, db, "vald metod för äldre").corrected_from is None
    # And "only what I typed" keeps it as typed.
    assert search(index, db, "vald i nara relationer", exact=True).corrected_from is None


def test_words_of_a_case_published_since_the_last_search_are_restored_and_corrected(
        index, db, users, publish):
    # The spelling words are kept per index segment; a publish adds a segment, whose words
    # must count at once, summed with the older ones.
    publish("Grannar mot våld", "Huskurage i hyreshusen.")
    publish("Våld på fritidsgården", "Fritidsledare ingriper mot våld.")
    assert titles(search(index, db, "vald")) == ["Våld på fritidsgården", "Grannar mot våld"]
    publish("Väktarronder i gallerian", "Väktarronderna gick även till garaget.")
    publish("Väktarronder vid stationen", "Fler väktarronder på kvällen.")
    result = search(index, db, "vaktarronder")
    assert result.corrected_from == "vaktarronder"
    assert set(titles(result)) == {"Väktarronder i gallerian", "Väktarronder vid stationen"}
    assert search(index, db, "vaktarroder").suggestion == "väktarronder"


def test_the_parts_of_a_typed_compound_bring_their_own_synonyms(index, db, users, publish):
    # "skolmobbning" is in no case and no vocabulary entry: it is split into skol + mobbning,
    # and the case says "kränkande behandling" in school. The part's synonym, near the other
    # part, finds it (weighing less than the parts themselves would).
    add_term(db, "synonym", "mobbning", ["kränkande behandling"])
    publish("Kränkande behandling i skolan",
            "Eleverna och skolan arbetade tillsammans mot kränkande behandling.")
    publish("Kränkande behandling på arbetsplatsen", "Chefer fick utbildning.")
    publish("Skolan fick nya lokaler", "Fler klassrum och en ny skolgård.")
    result = search(index, db, "skolmobbning")
    assert titles(result)[0] == "Kränkande behandling i skolan"
    assert "Skolan fick nya lokaler" not in titles(result)
    added = [text for e in result.expansions for text in e["added"]]
    assert any("kränkande behandling" in text for text in added), added


def test_a_compounds_first_part_may_be_a_linking_form_of_an_indexed_word(index, db, users,
                                                                         publish):
    # "föräldra-" is how "förälder" begins a compound; as written it is no word, but it
    # stems to the word the cases use ("föräldrar"), so föräldrakontakter is föräldra +
    # kontakter.
    publish("Skolan och föräldrarna", "Skolan tog kontakter med föräldrarna varje vecka.")
    publish("Kontakter med fastighetsägare", "Polisen tog kontakter med ägarna.")
    result = search(index, db, "föräldrakontakter")
    assert titles(result)[0] == "Skolan och föräldrarna"
    assert any("föräldra + kontakter" in e["added"] for e in result.expansions)


def test_a_compounds_last_part_may_be_a_form_the_cases_never_write(index, db, users, publish):
    # The cases say "vandring", never "vandringar": the typed plural still stems to it.
    publish("Grannar på vandring", "Grannarna gjorde en vandring i kvarteret varje vecka.")
    publish("Vandring i naturen", "Skolklasser på utflykt.")
    result = search(index, db, "grannvandringar")
    assert titles(result)[0] == "Grannar på vandring"
    assert any("grann + vandringar" in e["added"] for e in result.expansions)
    # A slip is no inflection: "vandrig" stems to "vandr", but is not vandr + an ending.
    assert not any("split" in e["kinds"] for e in search(index, db, "grannvandrig").expansions)


@pytest.mark.parametrize("typed, wanted", [
    ("rekryteringen", "Barn rekryteras av äldre"),
    ("vandringarna", "Föräldrar vandrar i centrum"),
    ("barnrekryteringen", "Barn rekryteras av äldre"),
    ("föräldravandringarna", "Föräldrar vandrar i centrum"),
])
def test_a_noun_in_ing_finds_its_verb_in_any_form_and_as_a_compounds_part(
        index, db, users, publish, typed, wanted):
    # The cases say "rekryteras" and "vandrar"; the typed noun in -ing is inflected, or the
    # last part of a compound the cases write apart.
    publish("Barn rekryteras av äldre", "Barn rekryteras till brott i området.")
    publish("Föräldrar vandrar i centrum", "Föräldrar vandrar på fredagskvällarna.")
    publish("Barn och föräldrar på biblioteket", "Läxhjälp och sagostund.")
    # The nouns themselves are in the cases too (a typed compound's parts must be words).
    publish("Vandring i naturen", "Skolklasser på vandring och rekrytering av ledare.")
    found = titles(search(index, db, typed))
    assert wanted in found and "Barn och föräldrar på biblioteket" not in found


def test_an_acronym_that_is_an_ordinary_word_in_lower_case_counts_only_in_capitals(
        index, db, users, publish):
    # STAD (the alcohol programme) in lower case is "stad", the stem of "staden"; ÖPP's is
    # "öpp", the stem of "öppen" and "öppna". Typed so, they are the ordinary words, and
    # "Sökte även på: Örebro preventionsprogram" for "öppen" was nonsense.
    add_term(db, "abbreviation", "STAD", ["Stockholm förebygger alkohol- och drogproblem"])
    add_term(db, "abbreviation", "ÖPP", ["Örebro preventionsprogram"])
    publish("Staden och polisen samverkar", "Ett öppet möte i stadsdelen.")
    alcohol = publish("Stockholm förebygger alkohol- och drogproblem på krogen",
                      "Krogpersonal utbildades.")
    parents = publish("Örebro preventionsprogram för föräldrar", "Föräldramöten i skolan.")
    for typed in ("staden", "öppet"):
        result = search(index, db, typed)
        assert titles(result) == ["Staden och polisen samverkar"], typed
        assert not result.expansions, typed
    # In capitals the programme comes first; the index, which lower-cases acronyms, cannot
    # tell "öpp" from the stem of "öppet", so the word's case may follow.
    assert titles(search(index, db, "STAD"))[:1] == [alcohol.title]
    assert titles(search(index, db, "ÖPP"))[:1] == [parents.title]


def test_an_abbreviation_finds_what_it_stands_for_not_every_case_on_its_wider_field(
        index, db, users, publish):
    # The starter vocabulary once led IOP on to "civilsamhället" and from there to its
    # synonym "föreningar": every case on any association came back for IOP.
    publish("Nattvandrare i ett idéburet offentligt partnerskap",
            "Staden och föreningen Nattvandrarna har ett IOP.")
    publish("Bluffakturor till föreningar", "Föreningar och småföretag får falska fakturor.")
    publish("Stöd till idrottsföreningar", "Föreningar som utsätts för påtryckningar.")
    assert titles(search(index, db, "IOP")) == [
        "Nattvandrare i ett idéburet offentligt partnerskap"]


def test_a_word_finds_the_compounds_it_begins_whose_rest_no_case_writes_alone(
        index, db, users, publish):
    # "lossning" stands alone in no case, but it is a Swedish word: skott|lossning.
    publish("Efter skottlossningen i Rinkeby", "Stöd till boende efter skottlossningar.")
    publish("Skotsk fotboll", "Ett utbyte med skotska klubbar.")
    assert titles(search(index, db, "skott")) == ["Efter skottlossningen i Rinkeby"]


def test_a_case_that_says_what_was_typed_outranks_one_with_a_longer_expansion(
        index, db, users, publish):
    # A three-word expansion used to score as three typed words: the case on honour
    # violence came before the one that says kvinnofrid.
    db.query(SearchTerm).delete()   # only these two rows: no other expansion adds a score
    add_term(db, "synonym", "kvinnofrid", ["våld mot kvinnor"])
    add_term(db, "broader", "kvinnofrid", ["hedersrelaterat våld och förtryck"])
    publish("Elevhälsan i Bromma", "Utbildning om hedersrelaterat våld och förtryck.")
    publish("Stöd i Hägersten", "Kvinnofrid: stöd och skyddat boende.")
    for n in range(4):
        publish(f"Fritidsgård {n}", "Öppet på kvällar.")
    assert titles(search(index, db, "kvinnofrid")) == ["Stöd i Hägersten", "Elevhälsan i Bromma"]
