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
from dataclasses import replace
from typing import Optional

from .analysis import ParsedQuery, QueryWord, is_acronym, swedish_stem, zipf_swedish
from .compounds import split_compound
from .concept_model import COMPOUND_WEIGHT, Alternative, Concept
from .matching import near_docs
from .thesaurus import Vocabulary
from .vocabulary import KIND_REASONS

SPLIT_WEIGHT = 0.8        # the parts of a typed compound, found apart
EXPANSION_WEIGHTS = {"synonym": 0.7, "abbreviation": 0.7, "english": 0.7, "broader": 0.6,
                     "place": 0.7}
DISTRICT_WEIGHT = 0.4     # a place: any case of its district
DERIVED_WEIGHT = 0.7      # the verb of a noun in -ning, and back
HEAD_WEIGHT = 0.35        # the last part of a typed compound, alone
UPWARD_WEIGHT = 0.4       # the broader term of a word that matched nothing
UPWARD_SHARE = 0.25       # ... unless it is in more than this share of the cases
PART_EXPANSIONS = 4       # a part's vocabulary expansions used in a split: the first few
PART_EXPANSION_WORDS = 3  # longer expansions hardly stand within a few words of a part
MAX_CONCEPTS = 10         # the rarest ten of a long pasted text carry its meaning
MAX_WORD = 40             # longer "words" are not split or corrected: the work would grow with n²
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




# Last parts of a compound that only say "work on" the first part (kvinnofrids|arbete,
# trygghets|insatser, våldsförebyggande|program): the first part is what it is about.
GENERIC_HEADS = frozenset(swedish_stem(w) for w in (
    "arbete", "arbetet", "insats", "insatser", "verksamhet", "verksamheten", "projekt",
    "projektet", "program", "programmet", "satsning", "satsningar", "åtgärder", "åtgärd",
    "initiativ", "frågor", "frågan", "metod", "metoder", "modell", "modellen"))

# Prepositions, quantifiers and vague adjectives that the stop word list lacks: in a query
# they say little of the subject ("knivvåld bland unga", "bättre parkbelysning"), so they
# rank but are never required, whatever the length of the query.
FUNCTION_WORDS = frozenset(swedish_stem(w) for w in (
    "bland", "kring", "runt", "hos", "inför", "genom", "via", "per", "enligt", "trots",
    "samt", "också", "även", "bättre", "sämre", "fler", "flera", "mer", "mera", "olika",
    "ny", "nya", "nytt", "bra", "många", "vissa", "hela", "helt", "stor", "stora", "större",
    "mindre", "mycket", "lite", "ofta", "alltid", "kanske", "redan", "bara", "just",
    "vanlig", "vanliga", "typ", "slags", "sorts"))


def build_concepts(cache, parsed: ParsedQuery, vocabulary: Vocabulary,
                   exact: bool = False) -> list[Concept]:
    """Concepts for the typed words and phrases; each knows its matching documents."""
    tokens = list(parsed.tokens)
    if parsed.typed_words >= 4 and not exact:
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
        concepts.append(_word_concept(cache, tokens[position], exact, vocabulary))
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
    if not exact:
        for concept in concepts:
            if not concept.docs:
                _go_up(cache, vocabulary, concept)
    return concepts


def _go_up(cache, vocabulary: Vocabulary, concept: Concept) -> None:
    """A word no case uses, nor any of its expansions, but a narrower term of the
    vocabulary ("nazism" through "högerextremism"): its broader terms, weighing little and
    loose, so that the answer says it broadened. A broader term that most cases have would
    only list everything, and is left out."""
    limit = max(5, UPWARD_SHARE * len(cache.live_docs()))   # a share means little in a few
    for alternative in list(concept.alternatives):
        if alternative.phrase or alternative.district or alternative.loose \
                or alternative.compound or not alternative.stems:
            continue
        for expansion in vocabulary.lookup_upward(alternative.stems):
            if expansion.text.lower() in {text.lower() for text, _kind in concept.added}:
                continue
            up = _with_variants(cache, Alternative(expansion.stems, weight=UPWARD_WEIGHT,
                                                   loose=True))
            docs = docs_of(cache, [up])
            if docs and len(docs) <= limit:
                concept.alternatives.append(up)
                concept.added.append((expansion.text, "upward"))
                concept.docs = concept.docs | docs


def _with_variants(cache, alternative: Alternative) -> Alternative:
    if len(alternative.stems) < 2 or alternative.near:
        return alternative
    variants = tuple((stem, *cache.compounds(stem)[:4]) for stem in alternative.stems)
    return replace(alternative, variants=variants)


def _vocabulary_match(vocabulary: Vocabulary, tokens: list[QueryWord], position: int):
    for length in range(min(vocabulary.longest, len(tokens) - position), 0, -1):
        typed = tokens[position].typed
        if length == 1 and is_acronym(typed) and vocabulary.lookup_capitals(typed):
            return 1, vocabulary.lookup_capitals(typed)   # STAD, not "staden"
        if length == 1 and vocabulary.lookup_hyphened(tokens[position].hyphened):
            return 1, vocabulary.lookup_hyphened(tokens[position].hyphened)  # t-bana
        key = tuple(t.stem for t in tokens[position:position + length])
        found = vocabulary.lookup(key)
        if found:
            return length, found
    return None


def _vocabulary_concept(cache, span: list[QueryWord], expansions,
                        vocabulary: Vocabulary) -> Concept:
    label = " ".join(t.hyphened or t.typed for t in span)
    if len(span) == 1 and vocabulary.lookup_hyphened(span[0].hyphened):
        # "t-bana" is not "bana": only what the vocabulary gives for the whole.
        alternatives, added = [], []
    elif len(span) == 1:
        concept = _word_concept(cache, span[0], exact=False, vocabulary=vocabulary)
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
    return Concept(label=label, alternatives=_unique(alternatives), added=added,
                   acronym=len(span) == 1 and is_acronym(span[0].typed))


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


def _word_concept(cache, token: QueryWord, exact: bool,
                  vocabulary: Optional[Vocabulary] = None) -> Concept:
    alternatives = [Alternative((token.stem,))]
    added: list[tuple[str, str]] = []
    if not exact:
        if cache.stem_frequency(token.stem) or zipf_swedish(token.word) > 1.5:
            # Only a word (in the cases or in Swedish) has compounds: "vlåd" is a slip for
            # "våld", not the end of "brevlåda".
            alternatives += _compound_alternatives(cache, token.stem, token.word)
        alternatives += [Alternative((stem,), weight=DERIVED_WEIGHT)
                         for stem in derived_stems(cache, token.word, token.stem)]
        if cache.stem_frequency(token.stem) < 2 and len(token.word) <= MAX_WORD:
            parts = split_compound(cache, token.word, in_vocabulary=vocabulary.knows
                                   if vocabulary is not None else None)
            if parts:
                alternatives.append(Alternative(tuple(s for _t, s in parts),
                                                weight=SPLIT_WEIGHT, near=True))
                added.append((" + ".join(t for t, _s in parts), "split"))
                for alternative, shown in _part_expansions(cache, vocabulary, parts):
                    alternatives.append(alternative)
                    if shown:
                        added.append((shown, "split"))
                if len(parts) == 2 and parts[-1][1] in GENERIC_HEADS:
                    # "kvinnofridsarbete", "trygghetsinsatser": the work is what the first
                    # part says; a case on it is a match without the generic word.
                    first = parts[:1]
                    alternatives.append(Alternative((first[0][1],), weight=SPLIT_WEIGHT))
                    added.append((first[0][0], "split"))
                    for alternative, shown in _part_expansions(cache, vocabulary, first):
                        alternatives.append(alternative)
                        if shown:
                            added.append((shown, "split"))
                    return Concept(label=token.typed, alternatives=alternatives, added=added)
                # The last part says what the thing is (barnrekrytering is a rekrytering):
                # alone it is a weak, loose alternative, reported as a broadening if it is
                # all that matched.
                alternatives.append(Alternative((parts[-1][1],), weight=HEAD_WEIGHT,
                                                loose=True))
                added.append((parts[-1][0], "head"))
                # So is the first part, if it is the rarer: where no case has both, a case
                # on skolgård says more of "skolgårdsvåld" than one on any våld.
                if len(parts) == 2 and 0 < cache.stem_frequency(parts[0][1]) \
                        < cache.stem_frequency(parts[-1][1]):
                    alternatives.append(Alternative((parts[0][1],), weight=HEAD_WEIGHT,
                                                    loose=True))
                    added.append((parts[0][0], "first"))
    return Concept(label=token.typed, alternatives=alternatives, added=added)


def _part_expansions(cache, vocabulary: Optional[Vocabulary], parts: list[tuple[str, str]]):
    """A typed compound's parts with one part replaced as a typed word would be expanded:
    "skolmobbning" is skol + mobbning, and also skol + "kränkande behandling" (the part's
    vocabulary expansions); "föräldravandringar" is also föräldra + vandra (the verb of a
    noun in -ing). Near each other, as the parts themselves, and weighing as a split times
    the expansion, so that the parts themselves rank first."""
    for position, (typed, stem) in enumerate(parts):
        before, after = parts[:position], parts[position + 1:]
        # The verb is not shown (as for a typed word): "föräldra + vandrar" is no news.
        replacements: list[tuple[tuple[str, ...], str, float]] = [
            ((derived,), "", DERIVED_WEIGHT) for derived in derived_stems(cache, typed, stem)]
        if vocabulary is not None:
            replacements += [(e.stems, e.text, EXPANSION_WEIGHTS[e.kind])
                             for e in vocabulary.lookup((stem,))
                             if not e.district and 0 < len(e.stems) <= PART_EXPANSION_WORDS
                             ][:PART_EXPANSIONS]
        for stems, text, weight in replacements:
            yield (Alternative(tuple(dict.fromkeys([s for _t, s in before] + list(stems)
                                                   + [s for _t, s in after])),
                               weight=SPLIT_WEIGHT * weight, near=True),
                   text and " + ".join([t for t, _s in before] + [text]
                                       + [t for t, _s in after]))


_VERB_ENDINGS = ("a", "ar", "ade", "ades", "at", "ats", "as", "er", "es", "ad", "ts")


def derived_stems(cache, word: str, stem: str) -> list[str]:
    """The verb behind a noun in -ning/-ing and back: mobbning ↔ mobbas, mobbade;
    övervakning ↔ övervakas; rekrytering ↔ rekryteras. Snowball leaves derivations alone,
    but case texts use the verb as often as the noun. Only stems the index has count."""
    found = []
    if stem.endswith("ing") and len(stem) >= 8:   # the stem: rekryteringen, vandringarna
        base = stem[:-4] if stem.endswith("ning") else stem[:-3]
        verb_stem = swedish_stem(base + "a")
        # Snowball may cut a whole -er- off a verb in -era (parkera → "park"), and the stem
        # left is another word's: parkering is not about parks.
        if len(verb_stem) >= len(base) - 1:
            found.append(verb_stem)
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


def weigh(concepts: list[Concept], live: int, exact: bool = False) -> None:
    """Idf weights; function words (FUNCTION_WORDS) and words in a large share of cases are
    not required (they still rank), unless the person asked for exactly what she typed."""
    for concept in concepts:
        df = len(concept.docs)
        concept.weight = math.log(1 + live / (1 + df)) if live else 1.0
    if exact:
        return
    content = [c for c in concepts if not _is_function_word(c)]
    if content and len(content) < len(concepts):
        for concept in concepts:
            concept.optional = concept not in content
    if live >= 30:
        specific = [c for c in content if 0 < len(c.docs) <= 0.35 * live]
        if specific:
            for concept in concepts:
                concept.optional = concept not in specific
    required = sorted((c for c in concepts if not c.optional), key=lambda c: len(c.docs))
    for concept in required[MAX_CONCEPTS:]:
        concept.optional = True


def _is_function_word(concept: Concept) -> bool:
    label = concept.label.lower()
    return " " not in label and not label.startswith('"') \
        and swedish_stem(label) in FUNCTION_WORDS


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


def _compound_alternatives(cache, stem: str, word: str = "") -> list[Alternative]:
    return [Alternative((compound,), weight=COMPOUND_WEIGHT, compound=True)
            for compound in cache.compounds(stem, word)]
