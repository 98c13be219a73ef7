"""Indicators on a case: what was measured, from which source, in which unit, a baseline and
follow-ups, each with its period. The agreement asks results to be followed up with
indicators tied to the priority areas; these make "how much" visible and comparable.

The shape in JSONL, the API and revisions (knowledge.cases.lifecycle.case_fields):
    {"name", "source", "unit", "baseline": {"value", "from", "to"}, "followups": [{…}]}
"""
