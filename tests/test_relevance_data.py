"""The relevance benchmark's data (bench/relevance/) is well-formed and imports cleanly.

The figures themselves are `make relevance`; these checks only keep the corpus and the graded
queries consistent when someone edits them.
"""
from __future__ import annotations

import importlib.util
import itertools
import json
from collections import Counter
from pathlib import Path

import pytest

from knowledge.cases.privacy import scan_case_fields
from knowledge.taxonomy.reference import AREAS_2023, DISTRICTS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "relevance"


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]


@pytest.fixture(scope="module")
def kinds() -> tuple[str, ...]:
    spec = importlib.util.spec_from_file_location("relevance_bench", ROOT / "bench" / "relevance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.KINDS


CASES = load("cases.jsonl")
PARTS = ("tune", "holdout", "fresh", "blind", "final", "check", "late")
QUERIES = {part: load(f"queries_{part}.jsonl") for part in PARTS}
ALL_QUERIES = [query for part in PARTS for query in QUERIES[part]]


def test_corpus_covers_every_district_and_area():
    assert len(CASES) >= 160
    ids = [case["external_id"] for case in CASES]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("rel-") for i in ids)
    assert {case["district"] for case in CASES} == set(DISTRICTS)
    assert {a for case in CASES for a in case["priority_areas"]} == {s for s, _ in AREAS_2023}
    for case in CASES:
        assert case["status"] == "published"
        for field in ("title", "summary", "situation", "measures", "results", "lessons"):
            assert case.get(field, "").strip(), (case["external_id"], field)


def test_queries_are_graded_against_the_corpus(kinds):
    corpus = {case["external_id"] for case in CASES}
    assert len(ALL_QUERIES) >= 90
    ids = [q["id"] for q in ALL_QUERIES]
    assert len(ids) == len(set(ids)), "a query id is used twice"
    texts = {part: {q["query"].lower() for q in queries} for part, queries in QUERIES.items()}
    for first, second in itertools.combinations(PARTS, 2):
        assert not texts[first] & texts[second], f"a query is in both {first} and {second}"
    for q in ALL_QUERIES:
        assert set(q) - {"added"} == {"id", "kind", "query", "relevant"}, q["id"]  # "added": when written
        assert q["kind"] in kinds, q["id"]
        assert q["query"].strip(), q["id"]
        assert set(q["relevant"]) <= corpus, (q["id"], set(q["relevant"]) - corpus)
        assert set(q["relevant"].values()) <= {1, 2}, q["id"]
        if q["kind"] == "no_answer":
            assert not q["relevant"], q["id"]
        else:
            assert 2 in q["relevant"].values(), f"{q['id']} has no case graded 2"
        if q["kind"] == "long":
            assert 25 <= len(q["query"].split()) <= 60, q["id"]
    counts = Counter(q["kind"] for q in ALL_QUERIES)
    assert all(counts[k] >= 6 for k in kinds), counts
    for part in ("tune", "holdout"):
        assert {q["kind"] for q in QUERIES[part]} == set(kinds), f"every kind in {part}"


def test_corpus_imports_through_the_import_command(runner):
    """Every row passes the import's validation (all or nothing) and has no personal data, so
    it could be published. As drafts, to stay quick: `make relevance` imports them published,
    which also indexes them."""
    result = runner.invoke(args=["import", "--as-draft", str(DATA / "cases.jsonl")])
    assert result.exit_code == 0, result.output
    assert f"{len(CASES)} nya" in result.output
    findings = [(case["external_id"], f.field, f.text) for case in CASES
                for f in scan_case_fields({k: v for k, v in case.items() if k != "status"})]
    assert not findings
