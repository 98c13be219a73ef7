"""A term's postings read a block at a time.

Whoosh hands out postings one by one (`id()`, `weight()`, `next()`: four Python calls a
posting), which was a fifth of the work of a pasted paragraph at 10 000 cases. Its own
block reader (whoosh3's W3LeafMatcher) already holds each block's document numbers and
weights as arrays; here they are taken a block at a time. That reads attributes Whoosh
keeps private, so only for that class as pinned (whoosh-reloaded 2.7.5); any other matcher
(short postings kept inline, or a segment with deleted documents, whose matcher filters
them out) goes the ordinary way. tests/test_search_scoring.py compares the two.
"""
from __future__ import annotations

from typing import Iterator, Sequence

from whoosh.codec.whoosh3 import W3LeafMatcher


def posting_blocks(reader, fieldname: str, term: str
                   ) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """(docnums, weights) of the term in one segment's reader, a block at a time; deleted
    documents are left out, as Whoosh's own postings leave them out."""
    if (fieldname, term) not in reader:
        return
    matcher = reader.postings(fieldname, term)
    if type(matcher) is W3LeafMatcher:
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            start = matcher._i
            yield matcher._ids[start:], matcher._weights[start:]
            matcher._next_block()
        return
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    yield ids, weights


def posting_ids(reader, fieldname: str, term: str) -> list[int]:
    """The docnums of the term in one segment's reader (deleted documents left out)."""
    found: list[int] = []
    for ids, _weights in posting_blocks(reader, fieldname, term):
        found.extend(ids)
    return found
