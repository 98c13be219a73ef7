"""Check a relevance query file: every line parses, ids unique, kinds known, grades 1/2, ids exist.

    python3 bench/relevance/check_queries.py bench/relevance/queries_fresh.jsonl
    python3 bench/relevance/check_queries.py bench/relevance/queries_fresh.jsonl --against queries_tune.jsonl queries_holdout.jsonl

The same rules as tests/test_relevance_data.py for one file (answerable queries have a case graded 2,
long queries have 25-60 words). --against also reports ids or query texts shared with other files
(without printing their other queries), for whoever may read those files.
"""
import json
import sys
from collections import Counter
from pathlib import Path

KINDS = {"inflection", "compound_query", "compound_part", "synonym", "abbreviation", "place",
         "english", "typo", "question", "long", "no_answer"}
here = Path(__file__).resolve().parent
cases = {json.loads(line)["external_id"]
         for line in (here / "cases.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}
args = sys.argv[1:]
others = args[args.index("--against") + 1:] if "--against" in args else []
args = args[:args.index("--against")] if "--against" in args else args
path = Path(args[0] if args else here / "queries_fresh.jsonl")
texts = {}
errors, ids, kinds = [], Counter(), Counter()
for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
    if not line.strip():
        continue
    try:
        q = json.loads(line)
    except ValueError as e:
        errors.append(f"line {n}: does not parse: {e}")
        continue
    if set(q) != {"id", "kind", "query", "relevant"}:
        errors.append(f"line {n}: keys {sorted(q)}")
    ids[q.get("id")] += 1
    texts[str(q.get("query", "")).strip().lower()] = q.get("id")
    kinds[q.get("kind")] += 1
    if q.get("kind") not in KINDS:
        errors.append(f"line {n}: unknown kind {q.get('kind')!r}")
    if not isinstance(q.get("query"), str) or not q["query"].strip():
        errors.append(f"line {n}: empty query")
    rel = q.get("relevant", {})
    for cid, g in rel.items():
        if cid not in cases:
            errors.append(f"line {n}: unknown case {cid}")
        if g not in (1, 2):
            errors.append(f"line {n}: grade {g!r} for {cid}")
    if q.get("kind") == "no_answer" and rel:
        errors.append(f"line {n}: a no_answer query has relevant cases")
    if q.get("kind") != "no_answer" and 2 not in rel.values():
        errors.append(f"line {n}: no case graded 2")
    if q.get("kind") == "long" and not 25 <= len(str(q.get("query", "")).split()) <= 60:
        errors.append(f"line {n}: a long query should have 25-60 words")
errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
for other in others:
    other_path = Path(other) if Path(other).exists() else here / other
    for line in other_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            o = json.loads(line)
            if o.get("id") in ids:
                errors.append(f"id {o['id']} is also in {other_path.name}")
            if str(o.get("query", "")).strip().lower() in texts:
                errors.append(f"query {texts[str(o['query']).strip().lower()]} is also in {other_path.name}")
print(f"{sum(ids.values())} queries, kinds: {dict(sorted(kinds.items()))}")
print("\n".join(errors) or "OK")
sys.exit(1 if errors else 0)
