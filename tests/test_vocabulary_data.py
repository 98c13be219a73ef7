"""Checks on the starter search vocabulary (knowledge/search/vocabulary.csv): data only, csv module only."""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from knowledge.taxonomy.reference import DISTRICTS as TAXONOMY_DISTRICTS, slugify

VOCABULARY = Path(__file__).resolve().parent.parent / "knowledge" / "search" / "vocabulary.csv"
HEADER = ["kind", "term", "expansions", "district", "note"]
KINDS = {"synonym", "broader", "abbreviation", "english", "place"}
# The districts init-db loads: a place under any other slug would be skipped at load.
DISTRICTS = {slugify(name) for name in TAXONOMY_DISTRICTS}
NEEDS_EXPANSIONS = {"synonym", "broader", "abbreviation", "english"}


def _lines() -> list[str]:
    return VOCABULARY.read_text(encoding="utf-8").splitlines()


def _rows() -> list[tuple[int, dict[str, str]]]:
    with VOCABULARY.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        # line numbers as in the file: the header is line 1
        return [(index + 2, row) for index, row in enumerate(reader)]


def _expansions(row: dict[str, str]) -> list[str]:
    return [part.strip() for part in (row["expansions"] or "").split(";") if part.strip()]


def test_header_is_exact():
    assert _lines()[0] == ",".join(HEADER)


def test_file_is_utf8_without_bom_or_blank_lines():
    raw = VOCABULARY.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    raw.decode("utf-8")
    assert all(line.strip() for line in _lines()), "blank line in the vocabulary"


def test_every_row_has_five_cells():
    with VOCABULARY.open(encoding="utf-8", newline="") as handle:
        for number, cells in enumerate(csv.reader(handle), start=1):
            assert len(cells) == 5, f"line {number}: {len(cells)} cells: {cells}"


def test_kinds_are_known():
    bad = [(number, row["kind"]) for number, row in _rows() if row["kind"] not in KINDS]
    assert not bad


def test_terms_are_not_empty():
    bad = [number for number, row in _rows() if not (row["term"] or "").strip()]
    assert not bad


def test_cells_have_no_stray_whitespace():
    bad = []
    for number, row in _rows():
        for key in ("kind", "term", "district"):
            value = row[key] or ""
            if value != value.strip():
                bad.append((number, key, value))
        if any(part != part.strip() or not part for part in (row["expansions"] or "").split(";")
               if row["expansions"]):
            bad.append((number, "expansions", row["expansions"]))
    assert not bad


def test_place_rows_have_a_valid_district_and_others_none():
    bad = []
    for number, row in _rows():
        district = row["district"] or ""
        if row["kind"] == "place":
            if district not in DISTRICTS:
                bad.append((number, row["term"], district))
        elif district:
            bad.append((number, row["term"], district))
    assert not bad


@pytest.mark.parametrize("kind", sorted(NEEDS_EXPANSIONS))
def test_rows_that_need_expansions_have_them(kind):
    bad = [(number, row["term"]) for number, row in _rows()
           if row["kind"] == kind and not _expansions(row)]
    assert not bad


def test_no_term_is_in_two_synonym_groups():
    groups: dict[str, list[int]] = defaultdict(list)
    for number, row in _rows():
        if row["kind"] != "synonym":
            continue
        words = {row["term"].strip().casefold(), *(e.casefold() for e in _expansions(row))}
        for word in words:
            groups[word].append(number)
    repeated = {word: numbers for word, numbers in groups.items() if len(numbers) > 1}
    assert not repeated


def test_no_expansion_repeats_its_own_term():
    bad = [(number, row["term"]) for number, row in _rows()
           if row["term"].strip().casefold() in {e.casefold() for e in _expansions(row)}]
    assert not bad


def test_no_duplicate_rows_per_kind_and_term():
    seen: dict[tuple[str, str], int] = {}
    bad = []
    for number, row in _rows():
        key = (row["kind"], row["term"].strip().casefold())
        if key in seen:
            bad.append((seen[key], number, row["kind"], row["term"]))
        seen[key] = number
    assert not bad


def test_each_place_is_in_one_district():
    districts: dict[str, set[str]] = defaultdict(set)
    for _, row in _rows():
        if row["kind"] == "place":
            for name in [row["term"], *_expansions(row)]:
                districts[name.casefold()].add(row["district"])
    conflicting = {name: found for name, found in districts.items() if len(found) > 1}
    assert not conflicting


def test_plain_terms_are_lower_case():
    """Synonym and broader terms are lower case unless an acronym or a proper name (capital first)."""
    bad = []
    for number, row in _rows():
        if row["kind"] not in {"synonym", "broader"}:
            continue
        term = row["term"]
        if term != term.lower() and not term[0].isupper():
            bad.append((number, term))
    assert not bad


def test_no_entry_has_a_one_letter_word():
    """The analysis drops one-letter words, so "Stockholm C" was the key "stockholm": every
    search for Stockholm became one for the central station's district. ("i" is a stop word
    and goes anyway; "S:t" is one word; in English names, "a" goes without harm.)"""
    bad = [(number, word) for number, row in _rows() if row["kind"] != "english"
           for word in [row["term"], *_expansions(row)]
           if any(len(part) == 1 and part.isalpha() and part != "i" for part in word.split())]
    assert not bad
