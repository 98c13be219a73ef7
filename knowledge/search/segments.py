"""What is read once per index segment and kept while the segment lives: a segment never
changes once written (deletions do not change its lexicon, its field lengths or the
frequencies Whoosh reports), so after a publish only the new small segment is read."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable

from .compounds import term_text
from .documents import TEXT_FIELDS


# (segment id, what) → something read from that segment: its written words with their
# document frequencies (spelling), its text terms reversed and sorted (compounds), its field
# lengths (scoring). Each is read once; the oldest are let go.
_PER_SEGMENT: "OrderedDict[tuple[str, str], object]" = OrderedDict()
_PER_SEGMENT_KEPT = 128
_per_segment_lock = threading.Lock()


def _per_segment(reader, what: str, build: Callable):
    segment = reader.segment() if hasattr(reader, "segment") else None
    key = (segment.segment_id(), what) if segment is not None else None   # None: empty index
    if key is not None:
        with _per_segment_lock:
            found = _PER_SEGMENT.get(key)
            if found is not None:
                _PER_SEGMENT.move_to_end(key)
                return found
    built = build(reader)
    if key is not None:
        with _per_segment_lock:
            _PER_SEGMENT[key] = built
            while len(_PER_SEGMENT) > _PER_SEGMENT_KEPT:
                _PER_SEGMENT.popitem(last=False)
    return built


def segment_words(reader) -> dict[str, int]:
    def build(reader) -> dict[str, int]:
        words: dict[str, int] = {}
        for raw, info in reader.iter_field("words"):
            term = term_text(raw)
            if len(term) > 2 and not term.isdigit():
                words[term] = info.doc_frequency()
        return words
    return _per_segment(reader, "words", build)


def segment_reversed_terms(reader) -> list[str]:
    """The segment's title, summary and body terms, each reversed, sorted: the terms that
    end in a stem are then one range of the list. (The index once kept them as a field of
    their own, which cost a third of all postings to write and read only its lexicon.)"""
    def build(reader) -> list[str]:
        terms: set[str] = set()
        for fieldname, _boost in TEXT_FIELDS:
            if fieldname in reader.schema:
                terms.update(term_text(raw)[::-1] for raw in reader.lexicon(fieldname))
        return sorted(terms)
    return _per_segment(reader, "reversed", build)


def field_lengths(reader, fieldname: str) -> list[int]:
    """Each document's length of the field (as Whoosh stores it, quantised), by docnum:
    BM25 needs it for every posting it scores, and reading it from the column each time
    was a third of the work of scoring a pasted paragraph."""
    def build(reader) -> list[int]:
        return [reader.doc_field_length(docnum, fieldname, 1)
                for docnum in range(reader.doc_count_all())]
    return _per_segment(reader, "lengths:" + fieldname, build)
