"""Swedish text analysis for the index and for queries.

Lower-casing, the Snowball Swedish stemmer and Swedish stop words only (whoosh's
LanguageAnalyzer("sv") would also drop English stop words such as "by" and "is", which are
Swedish words). Å, ä and ö are never folded: våld is not vald, Årsta is not Arsta.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer
from whoosh.lang import stemmer_for_language, stopwords_for_language
from wordfreq import zipf_frequency

# whoosh-reloaded's default expression keeps '*', so Markdown's **Ungdomar** would be indexed
# as "**ungdomar**"; this expression is the classic Whoosh one.
TOKEN_PATTERN = r"\w+(\.?\w+)*"
SWEDISH_STOP_WORDS = frozenset(stopwords_for_language("sv"))


_snowball = stemmer_for_language("sv")

# Swedish word frequencies (wordfreq's "sv" list, Zipf scale: 3.5 is about once per 300 000
# words): a common Swedish word is meant as typed, even if no case uses it.
KNOWN_SWEDISH = 3.5


@lru_cache(maxsize=50_000)
def zipf_swedish(word: str) -> float:
    return zipf_frequency(word, "sv")

# Stored with every index generation; when the analysis below changes, `init-db` (run at every
# deploy) rebuilds the index, since old stems would no longer meet the new query stems.
ANALYSIS_VERSION = "4"  # short definite forms (huset, nätet, gatan) and their genitives

VOWELS = frozenset("aeiouyåäö")


@lru_cache(maxsize=200_000)
def swedish_stem(word: str) -> str:
    """Snowball Swedish, plus the definite singular it leaves alone, plus stems that drop
    an -e-.

    Snowball keeps -an and -et, so "tunnelbanan" would not meet "tunnelbana", nor "våldet"
    meet "våld". Words whose last syllable loses its -e- when inflected (fönster/fönstren,
    vinter/vintrar, syster/systrar, cykel/cyklar, exempel/exemplet) get two Snowball stems
    ("fönst" and "fönstr"); `_drop_e` brings both to one. The same rule runs on the index
    and on queries, so it only has to be consistent, not perfect Swedish morphology.
    """
    stem = _snowball(word)
    if len(word) >= 6 and word.endswith(("ets", "ans", "ens")) and stem == word[:-1]:
        # The genitive of a definite form (mörkrets, tunnelbanans): Snowball takes the -s
        # and leaves the -et or -an, so treat it as the definite form itself.
        word = stem
    # Five letters is enough (huset, nätet, rånet, gatan): the stem left has three, the
    # shortest a word of the cases has. A word that only ends like a definite form
    # (handlingsplan, polisman, KOMET, internet) keeps its ending.
    if stem == word and len(word) >= 5 and not _not_definite(word):
        if word.endswith("an"):
            stem = _snowball(word[:-1])
        elif word.endswith("et"):
            stem = word[:-2]
    if stem == word and len(word) >= 6 and word.endswith(("eln", "ern")):
        stem = word[:-1]                   # cykeln, fönstern: the definite -n
    if stem.endswith("itet"):
        # Snowball cuts -et from "aktivitet" but -er from "aktiviteter": one stem for both.
        stem = stem[:-2]
    return _drop_e(stem)


# Words in -an or -et that are no definite form, and compounds ending in them: cut as a
# definite form, "handlingsplan" would not meet "handlingsplanen" (Snowball's
# "handlingsplan"), and "internet" would be "intern".
_NOT_DEFINITE = ("plan", "organ", "orkan", "altan", "ocean", "vulkan", "roman", "sultan",
                 "tulpan", "komet", "paket", "raket", "staket", "budget", "planet", "magnet",
                 "internet", "konkret", "diskret", "sekret", "dekret")


def _not_definite(word: str) -> bool:
    # -man (polisman, talesman, ordningsman), but not a definite -mman (mamman).
    return word.endswith(_NOT_DEFINITE) or word.endswith("man") and not word.endswith("mman")


def _drop_e(stem: str) -> str:
    # cykel → cykl, exempel → exempl: the unstressed -e- before a final l/r/n goes, as it
    # does in cyklar and exemplet (only after a consonant, so "ren" and "hel" stay).
    if len(stem) >= 5 and stem[-1] in "lrn" and stem[-2] == "e" and stem[-3] not in VOWELS:
        stem = stem[:-2] + stem[-1]
    # fönstr → fönst, vintr → vint, systr → syst: after two consonants a final l/r/n is
    # what is left of the -e- syllable, which Snowball already cut from fönster and vinter.
    if len(stem) >= 4 and stem[-1] in "lrn" and stem[-2] not in VOWELS \
            and stem[-3] not in VOWELS and stem[-2] not in "lrn":
        stem = stem[:-1]
    return stem


def is_acronym(text: str) -> bool:
    """Typed in capitals (MVP, BID, SSPF, VAR): never a stop word, whatever it spells."""
    letters = [c for c in text if c.isalpha()]
    return 2 <= len(letters) <= 8 and all(c.isupper() for c in letters)


@lru_cache(maxsize=200_000)
def _kept_lower(text: str) -> str | None:
    """A token lower-cased, or None when it is a stop word (or one letter) not typed as an
    acronym. Cached per word: every case is analysed word by word at each index write, and
    the same few thousand words make up most of any text."""
    lower = text.lower()
    if (len(lower) < 2 or lower in SWEDISH_STOP_WORDS) and not is_acronym(text):
        return None
    return lower


class SwedishStopFilter(Filter):
    """Lower-cases and drops Swedish stop words, but keeps acronyms written in capitals:
    "VAR" (a programme) is not "var" (where). Positions are renumbered, as Whoosh's own
    StopFilter does, so phrases run over the removed words."""

    def __call__(self, tokens):
        position = None
        for token in tokens:
            kept = _kept_lower(token.text)
            if kept is None:
                continue
            token.text = kept
            if token.positions:
                position = token.pos if position is None else position + 1
                token.pos = position
            token.stopped = False
            yield token


class SwedishStemFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            if not token.stopped:
                token.text = swedish_stem(token.text)
            yield token


class ReverseFilter(Filter):
    """Reversed each token. No longer in the schema (compounds are found through the
    reversed text terms, see matching.py), but kept: Whoosh pickles the schema, and an
    index built before still names this class until `reindex` rebuilds it."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = token.text[::-1]
            yield token


def swedish_analyzer():
    return RegexTokenizer(TOKEN_PATTERN) | SwedishStopFilter() | SwedishStemFilter()


def word_analyzer():
    """Unstemmed words: the vocabulary that spelling suggestions are drawn from."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()


_ANALYZER = swedish_analyzer()
_WORDS = word_analyzer()
_TOKEN = re.compile(TOKEN_PATTERN)


def written_words(text: str) -> list[str]:
    """The terms `word_analyzer` gives for `text`, without its token objects: indexing
    feeds the words field this list (Whoosh then skips the analyser). Same tokens (the
    tokenizer's expression), lower-cased; positions are left out, which the field does not
    keep (phrase=False). tests/test_search_language.py checks the two stay equal."""
    return [match.group(0).lower() for match in _TOKEN.finditer(text)]


_QUOTED = re.compile(r'"([^"]*)"')


def stems(text: str) -> list[str]:
    return [token.text for token in _ANALYZER(text)]


def words(text: str) -> list[str]:
    return [token.text for token in _WORDS(text)]


_TYPED = RegexTokenizer(TOKEN_PATTERN)
MAX_QUERY_TOKENS = 40      # a pasted page is cut here: the work a query causes is bounded
MAX_PHRASES = 3


def query_tokens(text: str) -> list[str]:
    """The words of a text as typed (case kept, so acronyms can be told apart)."""
    return [token.text for token in _TYPED(text or "")]


def query_stem(typed: str) -> str:
    """The index stem of one typed word, or "" for a stop word (acronyms are never stop
    words)."""
    found = stems(typed)
    return found[0] if found else ""


@dataclass
class QueryWord:
    typed: str
    stem: str
    # "t-banan" when the word was typed after a letter and a hyphen ("banan" is what the
    # index sees): the vocabulary looks the whole up (t-bana → tunnelbana).
    hyphened: str = ""

    @property
    def word(self) -> str:
        return self.typed.lower()


@dataclass
class ParsedQuery:
    """What the person typed: loose words (stop words dropped) and quoted phrases."""

    tokens: list[QueryWord] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)       # stems of each phrase
    phrase_texts: list[str] = field(default_factory=list)
    typed_words: int = 0      # stop words included: "hur gör man …" is a question

    @property
    def words(self) -> list[tuple[str, str]]:
        return [(t.word, t.stem) for t in self.tokens]

    @property
    def is_empty(self) -> bool:
        return not self.tokens and not self.phrases


def parse_query(text: str) -> ParsedQuery:
    parsed = ParsedQuery()
    text = (text or "").strip()
    for phrase in _QUOTED.findall(text)[:MAX_PHRASES]:
        phrase_stems = stems(phrase)
        if len(phrase_stems) > 1:
            parsed.phrases.append(phrase_stems[:8])
            parsed.phrase_texts.append(phrase.strip())
        elif phrase_stems:
            parsed.tokens.append(QueryWord(phrase.strip(), phrase_stems[0]))
    rest = _QUOTED.sub(" ", text).replace('"', " ")
    seen = {t.stem for t in parsed.tokens}
    typed = query_tokens(rest)
    parsed.typed_words = len(typed)
    hyphened = {match.group(2).lower(): match.group(0)
                for match in _LETTER_HYPHENED.finditer(rest)}
    for word in typed[:MAX_QUERY_TOKENS]:
        stem = query_stem(word)
        if stem and stem not in seen:
            seen.add(stem)
            parsed.tokens.append(QueryWord(word, stem, hyphened.get(word.lower(), "")))
    return parsed


# A word after a single letter and a hyphen: t-bana, e-handel, T-centralen.
_LETTER_HYPHENED = re.compile(r"(?<![\w-])(\w)-(\w+)", re.UNICODE)


def hyphen_key(text: str) -> str:
    """How a letter-and-hyphen word is kept in the vocabulary: the letter, a hyphen and the
    stem of the rest (t-bana → "t-ban"); "" for any other text."""
    match = _LETTER_HYPHENED.fullmatch(text.strip())
    if match is None:
        return ""
    return f"{match.group(1).lower()}-{swedish_stem(match.group(2).lower())}"


def hyphen_keys(typed: str) -> list[str]:
    """The keys a typed letter-and-hyphen word may have: its own, and those of the word
    without a definite ending, which short words keep through stemming (t-banan is t-bana
    with -n, as "banan" alone is another word)."""
    key = hyphen_key(typed)
    if not key:
        return []
    keys = [key]
    for ending in ("n", "en", "et", "t"):
        if typed.lower().endswith(ending) and len(typed) > len(ending) + 3:
            shorter = hyphen_key(typed[:-len(ending)])
            if shorter and shorter not in keys:
                keys.append(shorter)
    return keys
