"""Experience exchange and curation: questions and answers on cases, adoption reports
("Vi har provat detta"), follows and notifications (in-app and e-mail digests), Atom feeds,
curated collections (teman), stale-case review and bookmarks.

Like knowledge/cases/lifecycle.py, every action takes a Session and the acting User, checks
permission first, then validates, then writes. Nothing here imports Flask.
"""
from __future__ import annotations

