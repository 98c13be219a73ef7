"""Swedish text analysis for the index and for queries.

Lower-casing, the Snowball Swedish stemmer and Swedish stop words only (whoosh's
LanguageAnalyzer("sv") would also drop English stop words such as "by" and "is", which are
Swedish words). Å, ä and ö are never folded: våld is not vald, Årsta is not Arsta.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang import stemmer_for_language, stopwords_for_language

# whoosh-reloaded's default expression keeps '*', so Markdown's **Ungdomar** would be indexed
# as "**ungdomar**"; this expression is the classic Whoosh one.
TOKEN_PATTERN = r"\w+(\.?\w+)*"
SWEDISH_STOP_WORDS = frozenset(stopwords_for_language("sv"))


_snowball = stemmer_for_language("sv")


@lru_cache(maxsize=200_000)
def swedish_stem(word: str) -> str:
    """Snowball Swedish, plus the definite singular it leaves alone.

    Snowball keeps -an and -et, so "tunnelbanan" would not meet "tunnelbana", nor "våldet"
    meet "våld". The same rule runs on the index and on queries, so it only has to be
    consistent, not perfect Swedish morphology ("budget" becomes "budg" on both sides).
    """
    stem = _snowball(word)
    if stem == word and len(word) >= 6:
        if word.endswith("an"):
            return _snowball(word[:-1])
        if word.endswith("et"):
            return word[:-2]
    return stem


class SwedishStemFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            if not token.stopped:
                token.text = swedish_stem(token.text)
            yield token


class ReverseFilter(Filter):
    """Reverses each token, so that compounds ending in a word can be found by prefix.

    A class at module level (not a lambda), because Whoosh pickles the schema.
    """

    def __call__(self, tokens):
        for token in tokens:
            token.text = token.text[::-1]
            yield token


def swedish_analyzer():
    return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
            | StopFilter(stoplist=SWEDISH_STOP_WORDS, minsize=2) | SwedishStemFilter())


def reversed_stem_analyzer():
    return swedish_analyzer() | ReverseFilter()


def word_analyzer():
    """Unstemmed words: the vocabulary that spelling suggestions are drawn from."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()


_ANALYZER = swedish_analyzer()
_WORDS = word_analyzer()
_QUOTED = re.compile(r'"([^"]*)"')


def stems(text: str) -> list[str]:
    return [token.text for token in _ANALYZER(text)]


def words(text: str) -> list[str]:
    return [token.text for token in _WORDS(text)]


@dataclass
class ParsedQuery:
    """What the person typed: loose words (each with its stem) and quoted phrases."""

    words: list[tuple[str, str]] = field(default_factory=list)   # (word as typed, stem)
    phrases: list[list[str]] = field(default_factory=list)       # stems of each phrase
    phrase_texts: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.phrases


def parse_query(text: str) -> ParsedQuery:
    parsed = ParsedQuery()
    text = (text or "").strip()
    for phrase in _QUOTED.findall(text):
        phrase_stems = stems(phrase)
        if len(phrase_stems) > 1:
            parsed.phrases.append(phrase_stems)
            parsed.phrase_texts.append(phrase.strip())
        elif phrase_stems:
            parsed.words.append((phrase.strip().lower(), phrase_stems[0]))
    rest = _QUOTED.sub(" ", text).replace('"', " ")
    seen = set()
    for word in words(rest):
        if word in SWEDISH_STOP_WORDS:
            continue
        stemmed = stems(word)
        if stemmed and stemmed[0] not in seen:
            seen.add(stemmed[0])
            parsed.words.append((word, stemmed[0]))
    return parsed
