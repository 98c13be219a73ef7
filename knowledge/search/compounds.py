"""Swedish compounds, judged by the index's own vocabulary: the compounds a word is part of,
and the parts of a compound that the cases write apart."""
from __future__ import annotations

import math
from typing import Callable, Optional

from .analysis import KNOWN_SWEDISH, SWEDISH_STOP_WORDS, VOWELS, swedish_stem, zipf_swedish
from .documents import TEXT_FIELDS

MAX_COMPOUNDS = 8         # the most common compounds of a word; more add cost, little recall
MIN_PART = 3              # the shortest word part that counts in a compound
NEAR_SLOP = 4             # the parts of a typed compound: at most this many words apart
KNOWN_PART = 3.0          # a part not in the cases must be at least this common in Swedish
SWEDISH_REST = 5          # a rest after a typed first part this long that no case writes
KNOWN_REST = 2.0          # ... is a word if it is at least this common in Swedish
LINKING_FORM = 6          # a part this long may be known by its stem alone (föräldra)
# Endings that make a word of a stem (skjut|ningar, nattvandr|ing, hem|lösa, bejak|ande):
# they are never the last part of a compound, whatever a word list says about them.
SUFFIXES = frozenset("""
    ing ingar ingen ingarna ning ningar ningen ningarna ande andet anden ende endet het heten
    heter else elser elsen skap skapet lig liga ligt ligen isk iska iskt are arna aren arens
    erna orna ism ismen ist ister ion ionen tion ell ella ellt era erar ering eringen
    lös lösa löst lösas löshet lösheten bar bara bart sam samma samt aktig aktiga
""".split())
# Neither is a first part: a stop word is a prefix or a particle (för|äldrar, under|lag,
# för|s|lag, över|fall), an ending makes a word of the stem before it (parker|ing|s|plats).
NOT_A_HEAD = SWEDISH_STOP_WORDS | SUFFIXES
# Snowball's consonant pairs, whose last letter it drops at the end of a long word only.
SNOWBALL_PAIRS = ("dd", "gd", "nn", "dt", "gt", "kt", "tt")
# What a noun's plural and definite forms add to its stem.
INFLECTIONS = frozenset("a ar arna arnas en ens er erna ernas et ets n na or orna s".split())


def compounds_of(cache, stem: str, word: str = "") -> list[str]:
    """Indexed compounds, in live documents, that have `stem` as their last or first part,
    judged by the index's own vocabulary.

    "stöld" finds "butiksstöld" (through the reversed terms, see matching.py) and
    "trygghet" finds "trygghetsvandring", but only when the rest of the compound is itself
    a word in the index (allowing a linking -s- or -e-), so "ring" does not find
    "vandring" unless "vand" were a word.
    """
    if len(stem) < MIN_PART or stem in SWEDISH_STOP_WORDS:
        return []
    reader = cache.searcher.reader()
    found: dict[str, int] = {}
    # Snowball drops the last of a consonant pair only where the word is long enough:
    # "vakt" and "brott" stay, "ordningsvakt" and "våldsbrott" become "…vak" and "…brot".
    endings = [stem] + ([stem[:-1]] if stem[-2:] in SNOWBALL_PAIRS else [])
    for ending in endings:
        for compound in cache.terms_ending_in(ending):
            head = compound[:-len(ending)]
            # A word of five letters or more at the end of a longer word is nearly always
            # its last part (butiks|stöld, källar|fönster); shorter ones need a head that is
            # a word, or a long one with a linking -s- (rålambshovs|park, ordnings|vakt),
            # which plain words seldom end in (vand|ring, föränd|ring).
            if compound != stem and len(head) >= MIN_PART and not _is_prefix(head) \
                    and (len(ending) >= 5 or _is_linked_head(head)
                         or _is_word(cache, head)):
                found[compound] = 0
    for prefix in _first_part_forms(stem, word):
        for fieldname, _boost in TEXT_FIELDS:
            for term in reader.expand_prefix(fieldname, prefix):
                compound = term_text(term)
                rest = compound[len(prefix):]
                # As its stem, the word begins any compound whose rest is a word (of the
                # index, or a longer one of Swedish: skott|lossning); as typed
                # or with its -e- back only one with a linking -s- (heder|s|våld), which
                # keeps "tunnel" away from "tunnelbana", a kind of bana.
                if compound != stem and compound not in found \
                        and (_is_linked_tail(prefix, rest) if prefix != stem
                             else _is_word(cache, rest, leading=True, stem=prefix)
                             or _is_swedish_rest(rest)):
                    found[compound] = 0
    for compound in found:
        found[compound] = cache.stem_frequency(compound)  # live documents only
    ranked = sorted((c for c in found if found[c]), key=lambda c: -found[c])
    return ranked[:MAX_COMPOUNDS]


def _first_part_forms(stem: str, word: str = "") -> list[str]:
    """How a word begins the compounds it is the first part of: as its stem, as typed
    (`word`: Snowball cuts "heder" to "hed", but the cases write hedersvåld), and with the
    -e- that the stem dropped put back (handel → "handl", but handelsområde), since the
    index keeps a compound's first part as written."""
    forms = [stem]
    if len(word) > len(stem) and word.isalpha():
        forms.append(word)
    if len(stem) >= 4 and stem[-1] in "lrn" and stem[-2] not in VOWELS:
        forms.append(stem[:-1] + "e" + stem[-1])
    return list(dict.fromkeys(forms))


def _is_linked_tail(word: str, rest: str) -> bool:
    """A word of five letters or more, then a linking -s- and a part of three letters or
    more: the word is the compound's first part (heder|s|relaterat, whose "relaterat" is no
    word of the index on its own)."""
    return len(word) >= 5 and rest[:1] == "s" and rest[1:2] != "s" and len(rest) > MIN_PART


def _is_swedish_rest(rest: str) -> bool:
    """A rest of five letters or more that is a Swedish word, though no case writes it
    alone: skott|lossning, kniv|skärning. (Shorter rests are too often an ending or a
    chance word: ung|domar.)"""
    return len(rest) >= SWEDISH_REST and rest not in SUFFIXES \
        and zipf_swedish(rest) >= KNOWN_REST


def _is_linked_head(head: str) -> bool:
    return len(head) >= LINKING_FORM and head.endswith("s") and head[-2] not in "s"


def _is_prefix(head: str) -> bool:
    """A stop word or an ending, perhaps with a linking -s- (för|s|lag, parker|ing|s|plats),
    is no first part of a compound."""
    return head in NOT_A_HEAD or head.endswith("s") and head[:-1] in NOT_A_HEAD


def _is_word(cache, part: str, leading: bool = False, stem: str = "") -> bool:
    """Is this part of a compound a word of its own in the index (after linking letters)?

    A first part is checked against the words as written (ungdom|s|rån, skol|gård with
    "skola", kvinno|jour with "kvinna"): checking stems would let "vand|ring" pass, since
    "vandra" stems to "vand". A last part is the end of a stem, so it is checked as a stem;
    `stem` is then the first part, as the index has it.
    """
    if leading:
        if part in SUFFIXES:
            return False                   # park|ering is parkera's noun, not park + ring
        candidates = [part]
        if part[:1] == "s":
            candidates.append(part[1:])    # ungdom|s|gård
        # A linking -e- stands for the first word's final vowel (tunnelbana → tunnelban|e|
        # station), so the first word must have had one: "park" has none.
        if part[:1] == "e" and (cache.is_written_word(stem + "a")
                                or cache.is_written_word(stem + "e")):
            candidates.append(part[1:])
        if part.startswith("hets"):
            candidates.append(part[4:])    # trygg|hets|vandring: the stem cut off -het
        return any(len(c) >= MIN_PART and c not in SWEDISH_STOP_WORDS
                   and cache.is_indexed_word(c) for c in candidates)
    candidates = [part, part + "a", part + "e"]
    if part.endswith("s"):
        candidates.append(part[:-1])       # the linking -s: trygghet|s|vandring
    if part[-1:] in ("o", "u", "e"):
        candidates.append(part[:-1] + "a")  # kvinno|jour, gatu|belysning, pojk|e
    return any(len(c) >= MIN_PART and cache.is_written_word(c) for c in candidates)


def split_compound(cache, word: str, depth: int = 0,
                   in_vocabulary: Optional[Callable[[str], bool]] = None,
                   ) -> Optional[list[tuple[str, str]]]:
    """A compound typed by the person, split into parts that the index knows, as (typed
    part, stem) pairs: "skolkonflikter" → skol + konflikter, "nattvandrare" → natt +
    vandrare. The split whose parts are most common wins (the geometric mean of their
    document frequencies), as in Koehn and Knight's compound splitter; parts shorter than
    three letters and stop words never count. A part the cases never use may still be a
    word of the search vocabulary (in_vocabulary(stem)): "skolmobbning" is skol + mobbning
    even where the cases only say "kränkande behandling", which the vocabulary adds."""
    if len(word) < 2 * MIN_PART + 1 or not word.isalpha():
        return None

    def frequency(stem: str) -> float:
        if cache.stem_frequency(stem):
            return cache.stem_frequency(stem)
        return 0.5 if in_vocabulary is not None and in_vocabulary(stem) else 0
    best: Optional[list[tuple[str, str]]] = None
    best_score: tuple[int, float] = (0, 0.0)
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        head, tail = word[:cut], word[cut:]
        if tail in SUFFIXES or _is_prefix(head):
            continue
        tail_stem = swedish_stem(tail)
        tail_df = frequency(tail_stem) if len(tail_stem) >= MIN_PART \
            and tail not in SWEDISH_STOP_WORDS else 0
        tail_parts = [(tail, tail_stem)]
        if not tail_df and depth == 0:
            deeper = split_compound(cache, tail, depth + 1, in_vocabulary)
            if deeper:
                tail_parts = deeper
                tail_df = min(frequency(s) for _t, s in deeper)
        if not tail_df or tail_parts[0][0] == tail and not _is_word_part(cache, tail) \
                and not _is_inflected_form(cache, tail, tail_stem):
            continue
        for head_form in _head_forms(head):
            if not _is_word_part(cache, head_form) \
                    and not _is_linking_form(cache, head, head_form) \
                    and not (in_vocabulary is not None and len(head_form) >= LINKING_FORM
                             and in_vocabulary(swedish_stem(head_form))):
                # (A long first part may be a vocabulary term no case writes: kvinnofrid.)
                continue
            head_stem = head_form if cache.stem_frequency(head_form) else swedish_stem(head_form)
            if len(head_stem) < MIN_PART or head_form in SWEDISH_STOP_WORDS:
                continue
            head_df = frequency(head_stem)
            if not head_df and len(head_form) >= 4 \
                    and zipf_swedish(head_form) >= KNOWN_SWEDISH - 0.5:
                head_df = 0.5   # a Swedish word the cases only use inside compounds (gäng)
            if head_df:
                # Fewer parts first (skolgård + våld, not skol + gård + våld: the more
                # common short parts would otherwise always win), then the commoner parts.
                score = (-len(tail_parts), math.sqrt(head_df * tail_df))
                if best is None or score > best_score:
                    best, best_score = [(head_form, head_stem)] + tail_parts, score
    return best


def _is_word_part(cache, form: str) -> bool:
    """A part must be a word: written so in the cases, or common Swedish, perhaps with the
    -a/-e a compound drops (skol|gård: skola, pojk|rån: pojke). A stem is not enough:
    "skjutn" is the stem of "skjutning" but no part of "skjutningar"."""
    return any(cache.is_written_word(f) or zipf_swedish(f) >= KNOWN_PART
               for f in (form, form + "a", form + "e"))


def _is_inflected_form(cache, part: str, stem: str) -> bool:
    """A last part the cases never write as typed, but an inflection of a stem they use:
    vandringar (vandring), kontakterna (kontakt). A slip (vandrig) is not."""
    return len(part) >= LINKING_FORM and part.startswith(stem) \
        and part[len(stem):] in INFLECTIONS and cache.stem_frequency(stem) > 0


def _is_linking_form(cache, head: str, form: str) -> bool:
    """A first part as compounds write it, which is no word of its own but stems to one the
    cases use: föräldra|kontakter (förälder, föräldrar). Long parts only, and only as typed
    (no linking letter taken off): a short stem is too easily another word's."""
    return form == head and len(head) >= LINKING_FORM \
        and cache.stem_frequency(swedish_stem(head)) > 0


def _head_forms(head: str) -> list[str]:
    forms = [head]
    if len(head) > MIN_PART and head[-1] == "s":
        forms.append(head[:-1])            # linking -s-: trygghets|vandring
    if len(head) > MIN_PART and head[-1] == "e":
        # A linking -e- replaces a final -a (tunnelbane|station: tunnelbana); after a word
        # with no vowel to replace it is no linking letter (park|e|ring is parkering).
        forms.append(head[:-1] + "a")
    if len(head) > MIN_PART and head[-1] in "aou":
        forms.append(head[:-1])            # kvinno|jour, gatu|belysning: the vowel changes
    return forms


def term_text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
