"""The index writer: Whoosh's segment writer with the costs of writing a big segment taken
out (knowledge.search.index writes every segment, rebuild and sync alike, through it)."""
from __future__ import annotations

import sys

from whoosh.writing import PostingPool, SegmentWriter


class IndexWriter(SegmentWriter):
    """Whoosh's segment writer, with three costs of writing a big segment taken out (whoosh-
    reloaded 2.7.5; the segment written is the same, posting for posting).

    - Whoosh's posting pool spills sorted runs to disk once its estimate passes `limitmb`,
      as intended, but also at 1 000 000 postings, a count inherited from its base class
      (externalsort.SortingPool): at about 750 postings a case, a 2 000-case segment was
      already sorted externally (every posting pickled, read back and heap-merged).
    - It also sorts every posting as a (field, term, doc, …) tuple; `_TermPool` sorts
      only the distinct terms.
    - While it writes the postings, the field writer asks the new segment's length column
      for the document's field length once per posting (1.5 M reads for 2 000 cases, each
      a seek and a struct read). `per_document_reader` (used only there) hands it a reader
      that reads each field's lengths once.
    """

    def __init__(self, ix, limitmb: int = 128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _TermPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def per_document_reader(self):
        return _LengthsReadOnce(super().per_document_reader())


class _TermPool(PostingPool):
    """Whoosh's posting pool, with the postings grouped by term as they come.

    The field writer needs the postings in (field, term, doc) order. Whoosh keeps them as
    one list of tuples and sorts it; here each (field, term) gets its list of (doc, weight,
    value), in the order added, which is already document order: a writer numbers the
    documents it adds (and those of segments it merges in) upwards. Only the keys are
    sorted. Past `limitmb` (an estimate of the memory held) the pool is written out as a
    sorted run, and the runs are merged by Whoosh's own code, as before.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.maxsize = sys.maxsize      # spill by size only (limitmb)
        self._terms: dict[tuple[str, bytes], list] = {}

    def add(self, item):
        fieldname, tbytes, docnum, weight, vbytes = item
        postings = self._terms.get((fieldname, tbytes))
        if postings is None:
            postings = self._terms[(fieldname, tbytes)] = []
            self.fieldnames.add(fieldname)
            self.currentsize += 200 + len(tbytes)       # key, bytes, list, dict slot
        postings.append((docnum, weight, vbytes))
        self.currentsize += 160 + len(vbytes or b"")    # tuple, int, float, bytes, slot
        if self.currentsize > self.limit:
            self.save()

    def _sorted(self):
        terms = self._terms
        for key in sorted(terms):
            fieldname, tbytes = key
            postings = terms[key]
            # Always in document order already (see above); sorting a sorted list is one
            # pass, and it keeps the order right whatever a caller does.
            postings.sort(key=_first)
            for docnum, weight, vbytes in postings:
                yield fieldname, tbytes, docnum, weight, vbytes

    def save(self):
        self.current = list(self._sorted())
        self._terms = {}
        super().save()      # sorts (already in order: one pass) and writes the run

    def items(self, maxfiles=128):
        if not self.runs:
            return self._sorted()
        return super().items(maxfiles)      # save() the rest, then merge the runs


def _first(posting):
    return posting[0]


class _LengthsReadOnce:
    """A segment's per-document reader whose doc_field_length reads each field's lengths
    with one pass over the documents, then answers from a list."""

    def __init__(self, reader):
        self._reader = reader
        self._lengths: dict[tuple, list] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default=0):
        lengths = self._lengths.get((fieldname, default))
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = [read(doc, fieldname, default)
                       for doc in range(self._reader.doc_count_all())]
            self._lengths[(fieldname, default)] = lengths
        return lengths[docnum]

    def __getattr__(self, name):
        return getattr(self._reader, name)
