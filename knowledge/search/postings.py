"""A term's postings read a block at a time, and quoted phrases checked from them.

Whoosh hands out postings one by one (`id()`, `weight()`, `next()`: four Python calls a
posting), which was a fifth of the work of a pasted paragraph at 10 000 cases. Its own
block reader (whoosh3's W3LeafMatcher) already holds each block's document numbers and
weights as arrays; here they are taken a block at a time. That reads attributes Whoosh
keeps private, so only for that class as pinned (whoosh-reloaded 2.7.5); any other matcher
(short postings kept inline, or a segment with deleted documents, whose matcher filters
them out) goes the ordinary way. tests/test_search_scoring.py compares the two, and the
phrase check with Whoosh's Phrase query.
"""
from __future__ import annotations

from bisect import bisect_left
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


def _values_of(reader, fieldname: str, term: str, wanted: list[int]) -> dict[int, bytes]:
    """Docnum → the term's posting value (its encoded positions), for the `wanted` docnums
    (sorted) of one segment's reader; blocks holding none of them are not read at all."""
    found: dict[int, bytes] = {}
    if not wanted or (fieldname, term) not in reader:
        return found
    matcher = reader.postings(fieldname, term)
    if type(matcher) is W3LeafMatcher:
        block_start = 0
        while matcher.is_active():
            # Any wanted docnum between the previous block's last and this one's?
            at = bisect_left(wanted, block_start)
            if at < len(wanted) and wanted[at] <= matcher._maxid:
                if matcher._ids is None:
                    matcher._read_ids()
                if matcher._values is None:
                    matcher._read_values()
                start = matcher._i
                for docnum, value in zip(matcher._ids[start:], matcher._values[start:]):
                    found[docnum] = value
            block_start = matcher._maxid + 1
            matcher._next_block()
        return {d: found[d] for d in wanted if d in found}
    wanted_set = set(wanted)
    while matcher.is_active():
        if matcher.id() in wanted_set:
            found[matcher.id()] = matcher.value()
        matcher.next()
    return found


def docs_with_phrase(reader, fieldname: str, stems: Sequence[str],
                     candidates: Sequence[int]) -> list[int]:
    """Of the candidate docnums (sorted) of one segment's reader, those where the stems
    stand one after the other in the field, as Whoosh's Phrase query (slop 1) finds them:
    its span matcher, visited candidate by candidate, was most of a quoted phrase's time."""
    decode = reader.schema[fieldname].format.decode_positions
    values = [_values_of(reader, fieldname, stem, list(candidates))
              for stem in dict.fromkeys(stems)]
    by_stem = dict(zip(dict.fromkeys(stems), values))
    found = []
    for docnum in candidates:
        if not all(docnum in v for v in values):
            continue
        starts = decode(by_stem[stems[0]][docnum])
        following = [set(decode(by_stem[stem][docnum])) for stem in stems[1:]]
        if any(all(start + n in positions for n, positions in enumerate(following, 1))
               for start in starts):
            found.append(docnum)
    return found
