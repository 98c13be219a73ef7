"""Query analysis: from what a person typed to the concepts a search has to match.

Each concept is one thing the person asked for ("snatteri", "Rinkeby", "skolkonflikter",
a quoted phrase). A document matches a concept if it matches any of its alternatives:

- the typed word itself (weight 1), and the indexed compounds it is a part of (0.6);
- the vocabulary's expansions: synonyms, narrower terms, full names of an abbreviation,
  the Swedish words for an English term (0.7, narrower terms 0.6);
- a place: the documents of its district (0.4), and other names of the place;
- a compound typed by the person that the texts write apart: its parts (0.8).

The search requires every concept (an AND), ranks with BM25F, and relaxes in known,
reported ways (see query.run_search). Everything here works on the index's own vocabulary,
read through the searcher's cache, and on the editable vocabulary.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Optional

from rapidfuzz import process
from wordfreq import zipf_frequency
from rapidfuzz.distance import OSA

from .analysis import SWEDISH_STOP_WORDS, ParsedQuery, QueryWord, swedish_stem
from .vocabulary import KIND_REASONS, Vocabulary

TEXT_FIELDS = (("title", 3.0), ("summary", 2.0), ("body", 1.0))
COMPOUND_WEIGHT = 0.6     # a compound found through one of its parts weighs less
SPLIT_WEIGHT = 0.8        # the parts of a typed compound, found apart
EXPANSION_WEIGHTS = {"synonym": 0.7, "abbreviation": 0.7, "english": 0.7, "broader": 0.6,
                     "place": 0.7}
DISTRICT_WEIGHT = 0.4     # a place: any case of its district
DERIVED_WEIGHT = 0.7      # the verb of a noun in -ning, and back
HEAD_WEIGHT = 0.35        # the last part of a typed compound, alone
NEAR_SLOP = 4             # the parts of a typed compound: at most this many words apart
KNOWN_SWEDISH = 3.5       # wordfreq's Zipf scale: about once per 300 000 words or more
MAX_COMPOUNDS = 8         # the most common compounds of a word; more add cost, little recall
MAX_CONCEPTS = 10         # the rarest ten of a long pasted text carry its meaning
MIN_PART = 3              # the shortest word part that counts in a compound
# Words that make a question a question ("finns det några exempel på …") but say nothing
# about the subject. Dropped only from queries of four or more words.
QUESTION_WORDS = frozenset(swedish_stem(w) for w in (
    "finns", "några", "något", "någon", "exempel", "tips", "jobbat", "arbetat", "gjort",
    "goda", "bra", "erfarenhet", "erfarenheter", "vilka", "vill", "söker", "letar",
    "information", "kunna", "kan", "hur", "man", "andra", "stadsdelar", "arbeta", "jobba",
    "fungerar", "fungerat", "fungera", "lyckats", "testat", "provat", "använt", "göra",
    "gör", "lära", "vet", "känner", "hittar", "hitta", "sätt", "metoder", "metod",
    "stoppa", "stoppar", "minska", "minskar", "förebygga", "förebygger", "motverka",
    "motverkar", "hantera", "hanterar", "förhindra", "förhindrar", "få", "får", "bort",
    "öka", "ökar", "förbättra", "skapa", "skapar", "bäst", "bästa", "vanligt", "vanliga",
    "lösa", "löser", "komma", "åt", "jobbar", "arbetar", "hjälpa", "hjälper", "ska",
    "borde", "behöver", "liknande", "annan", "annat", "stadsdel"))


@dataclass(frozen=True)
class Alternative:
    stems: tuple[str, ...] = ()     # every stem must occur (in any text field)
    weight: float = 1.0
    phrase: bool = False            # a quoted phrase: positions are checked
    district: Optional[str] = None  # a place: the cases of this district
    compound: bool = False          # a compound that contains the typed word
    # For several stems (an expansion like "situationell prevention", a split compound):
    # each stem with the compounds it is part of, any of which will do.
    variants: tuple[tuple[str, ...], ...] = ()
    loose: bool = False             # only the last part of a typed compound: an approximation
    near: bool = False              # the parts of a typed compound: close to each other


@dataclass
class Concept:
    label: str                      # as typed
    alternatives: list[Alternative]
    added: list[tuple[str, str]] = field(default_factory=list)  # (shown text, kind)
    docs: frozenset[int] = frozenset()
    strict_docs: frozenset[int] = frozenset()   # without loose alternatives
    optional: bool = False          # a very common word: ranks, but is not required
    weight: float = 1.0             # idf, for ranking partial matches

    @property
    def stems(self) -> set[str]:
        return {s for a in self.alternatives for s in a.stems}


def build_concepts(cache, parsed: ParsedQuery, vocabulary: Vocabulary,
                   exact: bool = False) -> list[Concept]:
    """Concepts for the typed words and phrases; each knows its matching documents."""
    tokens = list(parsed.tokens)
    if parsed.typed_words >= 4:
        kept = [t for t in tokens if t.stem not in QUESTION_WORDS]
        tokens = kept or tokens
    concepts: list[Concept] = []
    position = 0
    while position < len(tokens):
        matched = None if exact else _vocabulary_match(vocabulary, tokens, position)
        if matched is not None:
            length, expansions = matched
            span = tokens[position:position + length]
            concepts.append(_vocabulary_concept(cache, span, expansions, vocabulary))
            position += length
            continue
        concepts.append(_word_concept(cache, tokens[position], exact))
        position += 1
    for stems_, text in zip(parsed.phrases, parsed.phrase_texts):
        concepts.append(Concept(label=f'"{text}"',
                                alternatives=[Alternative(tuple(stems_), phrase=True)]))
    for concept in concepts:
        if not any(a.phrase for a in concept.alternatives):
            concept.alternatives = [_with_variants(cache, a) for a in concept.alternatives]
            concept.strict_docs = docs_of(cache, [a for a in concept.alternatives
                                                  if not a.loose])
            concept.docs = concept.strict_docs | docs_of(
                cache, [a for a in concept.alternatives if a.loose])
        else:
            concept.strict_docs = concept.docs
    return concepts


def _with_variants(cache, alternative: Alternative) -> Alternative:
    if len(alternative.stems) < 2 or alternative.near:
        return alternative
    variants = tuple((stem, *cache.compounds(stem)[:4]) for stem in alternative.stems)
    return replace(alternative, variants=variants)


def _vocabulary_match(vocabulary: Vocabulary, tokens: list[QueryWord], position: int):
    for length in range(min(vocabulary.longest, len(tokens) - position), 0, -1):
        key = tuple(t.stem for t in tokens[position:position + length])
        found = vocabulary.lookup(key)
        if found:
            return length, found
    return None


def _vocabulary_concept(cache, span: list[QueryWord], expansions,
                        vocabulary: Vocabulary) -> Concept:
    label = " ".join(t.typed for t in span)
    if len(span) == 1:
        concept = _word_concept(cache, span[0], exact=False)
        alternatives, added = concept.alternatives, concept.added
    else:
        alternatives, added = [Alternative(tuple(t.stem for t in span))], []
    own = tuple(t.stem for t in span)
    for expansion, weight in _with_their_expansions(vocabulary, expansions):
        if expansion.stems == own or expansion.text.lower() in {a.lower() for a, _k in added}:
            continue
        if expansion.district:
            alternatives.append(Alternative(district=expansion.district,
                                            weight=DISTRICT_WEIGHT))
        else:
            alternatives.append(Alternative(expansion.stems, weight=weight))
        added.append((expansion.text, expansion.kind))
    return Concept(label=label, alternatives=_unique(alternatives), added=added)


def _with_their_expansions(vocabulary: Vocabulary, expansions):
    """The matched entry's expansions, and one step further: CPTED → its full English name
    → the Swedish words for that. One step only, so that chains cannot wander off."""
    seen: set = set()
    for expansion in expansions:
        if expansion not in seen:
            seen.add(expansion)
            yield expansion, EXPANSION_WEIGHTS[expansion.kind]
    for expansion in expansions:
        if expansion.district:
            continue
        for further in vocabulary.lookup(expansion.stems):
            if further not in seen and not further.district:
                seen.add(further)
                yield further, EXPANSION_WEIGHTS[further.kind] * 0.85


def _word_concept(cache, token: QueryWord, exact: bool) -> Concept:
    alternatives = [Alternative((token.stem,))]
    added: list[tuple[str, str]] = []
    if not exact:
        if cache.stem_frequency(token.stem) or zipf_frequency(token.word, "sv") > 1.5:
            # Only a word (in the cases or in Swedish) has compounds: "vlåd" is a slip for
            # "våld", not the end of "brevlåda".
            alternatives += _compound_alternatives(cache, token.stem)
        alternatives += [Alternative((stem,), weight=DERIVED_WEIGHT)
                         for stem in derived_stems(cache, token.word, token.stem)]
        if cache.stem_frequency(token.stem) < 2:
            parts = split_compound(cache, token.word)
            if parts:
                alternatives.append(Alternative(tuple(s for _t, s in parts),
                                                weight=SPLIT_WEIGHT, near=True))
                added.append((" + ".join(t for t, _s in parts), "split"))
                # The last part says what the thing is (barnrekrytering is a rekrytering):
                # alone it is a weak, loose alternative, reported as a broadening if it is
                # all that matched.
                alternatives.append(Alternative((parts[-1][1],), weight=HEAD_WEIGHT,
                                                loose=True))
                added.append((parts[-1][0], "head"))
    return Concept(label=token.typed, alternatives=alternatives, added=added)


_VERB_ENDINGS = ("a", "ar", "ade", "ades", "at", "ats", "as", "er", "es", "ad", "ts")


def derived_stems(cache, word: str, stem: str) -> list[str]:
    """The verb behind a noun in -ning/-ing and back: mobbning ↔ mobbas, mobbade;
    övervakning ↔ övervakas; rekrytering ↔ rekryteras. Snowball leaves derivations alone,
    but case texts use the verb as often as the noun. Only stems the index has count."""
    found = []
    if word.endswith("ning") and len(word) >= 8:
        found.append(swedish_stem(word[:-4] + "a"))
    elif word.endswith("ing") and len(word) >= 8:
        found.append(swedish_stem(word[:-3] + "a"))
    elif len(stem) >= 4 and word.endswith(_VERB_ENDINGS):
        found += [stem + "ning", stem + "ing"]
    return [s for s in found if s != stem and len(s) >= 4 and cache.stem_frequency(s)]


def _unique(alternatives: list[Alternative]) -> list[Alternative]:
    seen, kept = set(), []
    for alternative in alternatives:
        key = (alternative.stems, alternative.district, alternative.phrase)
        if key not in seen:
            seen.add(key)
            kept.append(alternative)
    return kept


def docs_of(cache, alternatives: list[Alternative]) -> frozenset[int]:
    docs: set[int] = set()
    for alternative in alternatives:
        if alternative.district:
            docs |= cache.facet_sets("district").get(alternative.district, frozenset())
        elif alternative.stems:
            found: Optional[set[int]] = None
            for forms in alternative.variants or [(s,) for s in alternative.stems]:
                stem_docs = set().union(*(cache.stem_docs(form) for form in forms))
                found = stem_docs if found is None else found & stem_docs
                if not found:
                    break
            if found and alternative.near:
                found = near_docs(cache, alternative.stems, found)
            docs |= found or set()
    return frozenset(docs)


def near_docs(cache, stems: tuple[str, ...], candidates: set[int]) -> set[int]:
    """Of the candidates, those with the parts within a few words of each other in one
    field, in either order: "skolkonflikter" meets "konflikter i skolan", not a text that
    says "skolan" in one paragraph and "konflikter" in another."""
    from whoosh.query import Term
    from whoosh.query.spans import SpanNear2

    from .query import docs_within  # the same skip-through loop as phrases

    found: set[int] = set()
    for fieldname, _boost in TEXT_FIELDS:
        in_field = set(candidates)
        for stem in stems:
            in_field &= cache.term_docs(fieldname, stem)
        if in_field:
            query = SpanNear2([Term(fieldname, stem) for stem in stems], slop=NEAR_SLOP,
                              ordered=False)
            found.update(docs_within(cache.searcher, query, in_field))
    return found


def weigh(concepts: list[Concept], live: int) -> None:
    """Idf weights; words in a large share of cases are not required (they still rank)."""
    for concept in concepts:
        df = len(concept.docs)
        concept.weight = math.log(1 + live / (1 + df)) if live else 1.0
    if live >= 30:
        specific = [c for c in concepts if 0 < len(c.docs) <= 0.35 * live]
        if specific:
            for concept in concepts:
                concept.optional = concept not in specific
    required = sorted((c for c in concepts if not c.optional), key=lambda c: len(c.docs))
    for concept in required[MAX_CONCEPTS:]:
        concept.optional = True


def expansions_shown(concepts: list[Concept]) -> list[dict]:
    """What the search added beyond the typed words, for the page and the API."""
    shown = []
    for concept in concepts:
        if concept.added:
            shown.append({"term": concept.label,
                          "added": [text for text, _kind in concept.added],
                          "kinds": sorted({kind for _text, kind in concept.added}),
                          "reasons": sorted({KIND_REASONS.get(kind, "delar av ordet")
                                             for _text, kind in concept.added})})
    return shown


# --- compounds ----------------------------------------------------------------------------

def _compound_alternatives(cache, stem: str) -> list[Alternative]:
    return [Alternative((compound,), weight=COMPOUND_WEIGHT, compound=True)
            for compound in cache.compounds(stem)]


def compounds_of(cache, stem: str) -> list[str]:
    """Indexed compounds, in live documents, that have `stem` as their last or first part,
    judged by the index's own vocabulary.

    "stöld" finds "butiksstöld" (through the reversed-stem field) and "trygghet" finds
    "trygghetsvandring", but only when the rest of the compound is itself a word in the
    index (allowing a linking -s- or -e-), so "ring" does not find "vandring" unless "vand"
    were a word.
    """
    if len(stem) < MIN_PART or stem in SWEDISH_STOP_WORDS:
        return []
    reader = cache.searcher.reader()
    found: dict[str, int] = {}
    for reversed_term in reader.expand_prefix("rev", stem[::-1]):
        compound = _text(reversed_term)[::-1]
        head = compound[:-len(stem)]
        # A word of five letters or more at the end of a longer word is nearly always its
        # last part (butiks|stöld, källar|fönster); shorter ones need a head that is a word.
        if compound != stem and (len(stem) >= 5 and len(head) >= MIN_PART
                                 or _is_word(cache, head)):
            found[compound] = 0
    for fieldname, _boost in TEXT_FIELDS:
        for term in reader.expand_prefix(fieldname, stem):
            compound = _text(term)
            if compound != stem and compound not in found \
                    and _is_word(cache, compound[len(stem):], leading=True):
                found[compound] = 0
    for compound in found:
        found[compound] = cache.stem_frequency(compound)  # live documents only
    ranked = sorted((c for c in found if found[c]), key=lambda c: -found[c])
    return ranked[:MAX_COMPOUNDS]


def _is_word(cache, part: str, leading: bool = False) -> bool:
    """Is this part of a compound a word of its own in the index (after linking letters)?

    A first part is checked against the words as written (ungdom|s|rån, skol|gård with
    "skola", kvinno|jour with "kvinna"): checking stems would let "vand|ring" pass, since
    "vandra" stems to "vand". A last part is the end of a stem, so it is checked as a stem.
    """
    if leading:
        candidates = [part]
        if part[:1] in ("s", "e"):
            candidates.append(part[1:])    # tunnelban|e|station, ungdom|s|gård
        if part.startswith("hets"):
            candidates.append(part[4:])    # trygg|hets|vandring: the stem cut off -het
        return any(len(c) >= MIN_PART and cache.is_indexed_word(c) for c in candidates)
    candidates = [part, part + "a", part + "e"]
    if part.endswith("s"):
        candidates.append(part[:-1])       # the linking -s: trygghet|s|vandring
    if part[-1:] in ("o", "u", "e"):
        candidates.append(part[:-1] + "a")  # kvinno|jour, gatu|belysning, pojk|e
    return any(len(c) >= MIN_PART and cache.is_written_word(c) for c in candidates)


def split_compound(cache, word: str, depth: int = 0) -> Optional[list[tuple[str, str]]]:
    """A compound typed by the person, split into parts that the index knows, as (typed
    part, stem) pairs: "skolkonflikter" → skol + konflikter, "nattvandrare" → natt +
    vandrare. The split whose parts are most common wins (the geometric mean of their
    document frequencies), as in Koehn and Knight's compound splitter; parts shorter than
    three letters and stop words never count."""
    if len(word) < 2 * MIN_PART + 1 or not word.isalpha():
        return None
    best, best_score = None, 0.0
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        head, tail = word[:cut], word[cut:]
        tail_stem = swedish_stem(tail)
        tail_df = cache.stem_frequency(tail_stem) if len(tail_stem) >= MIN_PART \
            and tail not in SWEDISH_STOP_WORDS else 0
        tail_parts = [(tail, tail_stem)]
        if not tail_df and depth == 0:
            deeper = split_compound(cache, tail, depth + 1)
            if deeper:
                tail_parts = deeper
                tail_df = min(cache.stem_frequency(s) for _t, s in deeper)
        if not tail_df:
            continue
        for head_form in _head_forms(head):
            head_stem = head_form if cache.stem_frequency(head_form) else swedish_stem(head_form)
            if len(head_stem) < MIN_PART or head_form in SWEDISH_STOP_WORDS:
                continue
            head_df = cache.stem_frequency(head_stem)
            if not head_df and len(head_form) >= 4 \
                    and zipf_frequency(head_form, "sv") >= KNOWN_SWEDISH - 0.5:
                head_df = 0.5   # a Swedish word the cases only use inside compounds (gäng)
            if head_df:
                score = math.sqrt(head_df * tail_df)
                if score > best_score:
                    best, best_score = [(head_form, head_stem)] + tail_parts, score
    return best


def _head_forms(head: str) -> list[str]:
    forms = [head]
    if len(head) > MIN_PART and head[-1] in "se":
        forms.append(head[:-1])            # linking -s- and -e-: trygghets|, tunnelbane|
    if len(head) > MIN_PART and head[-1] in "aou":
        forms.append(head[:-1])            # kvinno|jour, gatu|belysning: the vowel changes
    return forms


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


# --- spelling -----------------------------------------------------------------------------

@dataclass
class Correction:
    word: str
    replacement: str
    confident: bool   # one edit to a common word: applied; otherwise only suggested


def correct_word(cache, word: str, known: tuple[str, ...] = ()) -> Optional[Correction]:
    """The closest word in live documents or in the vocabulary (`known`), never a stop word.

    Distances count a swap of two letters as one edit (optimal string alignment), since
    that is the commonest slip on a keyboard. Confident (applied at once) for one edit to a
    word found in several cases, or for two edits in a long word when no other word is as
    near; anything else is only suggested.
    """
    words, _freqs = cache.vocabulary()
    typed_frequency = zipf_frequency(word, "sv")
    if len(word) < 4 or typed_frequency >= KNOWN_SWEDISH:
        return None   # a real Swedish word that the cases do not use is not a misspelling
    max_distance = 1 if len(word) <= 5 else 2
    common = 2 if len(cache.live_docs()) >= 100 else 1
    candidates = []
    for text, distance, _index in process.extract(word, words, scorer=OSA.distance,
                                                  score_cutoff=max_distance, limit=25):
        if text in SWEDISH_STOP_WORDS or text == word:
            continue
        if cache.term_docs("words", text):   # never a word from a removed text
            # How common the word is in any of its forms decides how sure we are.
            live = max(1, cache.stem_frequency(swedish_stem(text)))
            candidates.append((distance, -live, text))
    for text, distance, _index in process.extract(word, known, scorer=OSA.distance,
                                                  score_cutoff=max_distance, limit=10):
        # A practitioners' word from the vocabulary ("snatteri"): it finds cases through
        # its expansions; the caller checks that it does before applying it.
        if text != word and text not in SWEDISH_STOP_WORDS \
                and all(text != c[2] for c in candidates):
            candidates.append((distance, -common, text))
    if not candidates:
        return None
    distance, negative_live, text = min(candidates)
    alone = sum(1 for c in candidates if c[0] == distance) == 1
    # A rare written form of a much commoner word ("ungdommar") is a slip; a word about as
    # common as its neighbour may be meant as typed: only suggested.
    plausible = typed_frequency >= zipf_frequency(text, "sv") - 1.5 and typed_frequency > 0
    # Long words have few neighbours: one edit to the only word that near is very likely
    # what was meant, even if few cases use it ("klottersanring").
    confident = not plausible and (
        (distance == 1 and (-negative_live >= common or (len(word) >= 7 and alone)))
        or (distance == 2 and len(word) >= 8 and alone and -negative_live >= common))
    return Correction(word, text, confident)
