"""Synthetic Swedish cases and search queries for the benchmarks, deterministic with a seed.

The text is a word-bigram walk over the demo cases (so sentences read like the real ones
and word frequencies follow the same Zipf-like curve), with content words now and then
swapped for a word drawn by Zipf's law from a larger vocabulary: the demo words plus
generated compounds ("trygghetsvandring", "ungdomsrånen", "nattvandrarna"), so that the
vocabulary keeps growing with the corpus the way a real one does.
"""
from __future__ import annotations

import bisect
import itertools
import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
DEMO_CASES = ROOT / "knowledge" / "demo_data" / "cases.jsonl"

# Field lengths in sentences, roughly those of the demo cases (about 2.7 kB of text a case).
LONG_FIELDS = {
    "target_group": (1, 2), "situation": (2, 4), "cause_analysis": (2, 3),
    "measures": (3, 5), "goals": (2, 3), "results": (2, 4), "lessons": (2, 3),
    "gender_analysis": (2, 3), "child_rights_analysis": (2, 3),
}
SWAP_PROBABILITY = 0.12      # a content word replaced by a Zipf-drawn word
COMPOUND_SHARE = 0.6         # of those, how many are generated compounds
ZIPF_EXPONENT = 1.07

DISTRICTS = {  # name → neighbourhoods, with a weight (some districts write more cases)
    "Järva": (9, ["Rinkeby", "Tensta", "Husby", "Akalla", "Hjulsta", "Kista"]),
    "Norra innerstaden": (6, ["Sergels torg", "Stureplan", "Vasastan", "Östermalm"]),
    "Hässelby-Vällingby": (5, ["Vällingby centrum", "Hässelby gård", "Råcksta", "Grimsta"]),
    "Bromma": (3, ["Brommaplan", "Alvik", "Riksby", "Nockeby"]),
    "Kungsholmen": (3, ["Fridhemsplan", "Kristineberg", "Stadshagen"]),
    "Södermalm": (5, ["Medborgarplatsen", "Skanstull", "Hornstull", "Slussen"]),
    "Enskede-Årsta-Vantör": (5, ["Rågsved", "Hagsätra", "Högdalen", "Årsta"]),
    "Skarpnäck": (3, ["Bagarmossen", "Skarpnäcks gård", "Hammarbyhöjden"]),
    "Farsta": (4, ["Farsta centrum", "Hökarängen", "Fagersjö", "Sköndal"]),
    "Hägersten-Älvsjö": (3, ["Liljeholmen", "Fruängen", "Västertorp", "Älvsjö"]),
    "Skärholmen": (5, ["Skärholmens centrum", "Bredäng", "Vårberg", "Sätra"]),
    "Stadsövergripande": (4, ["hela staden", "tunnelbanan", "Stockholms stad"]),
}
AREAS = {"unga-i-riskzon": 10, "otrygga-platser": 8, "kriminella-miljoer": 5,
         "utsatta-brottsoffer": 4, "systemhotande-brottslighet": 2}
EVIDENCE = {"uppfoljd": 9, "utvarderad-internt": 5, "utvarderad-externt": 3,
            "ej-utvarderad": 4, "": 2}

# Compound parts: first parts carry their linking letter; heads carry their inflections.
FIRST_PARTS = [
    "trygghets", "ungdoms", "natt", "brotts", "narkotika", "skol", "fritids", "fält",
    "föräldra", "grann", "våld", "polis", "kvälls", "helg", "sommar", "centrum", "torg",
    "park", "tunnelbane", "buss", "bostads", "kvarters", "mentors", "idrotts", "läx",
    "vapen", "rån", "klotter", "bilbrands", "gäng", "avhopps", "relations", "heders",
    "samverkans", "trafik", "belysnings", "kamera", "förorts", "stadsdels", "krog",
    "ordnings", "drog", "spel", "bedrägeri", "äldre", "kvinno", "barn", "elev", "kultur",
    "lägenhets", "entré", "trappuppgångs", "parkerings", "cykel", "medborgar", "festival",
]
HEADS = [
    ("vandring", ["", "en", "ar", "arna"]), ("vandrare", ["", "n", "na"]),
    ("rån", ["", "et", "en"]), ("gård", ["", "en", "ar", "arna"]),
    ("värd", ["", "en", "ar", "arna"]), ("grupp", ["", "en", "er", "erna"]),
    ("team", ["", "et", "en"]), ("möte", ["", "t", "n", "na"]),
    ("insats", ["", "en", "er", "erna"]), ("satsning", ["", "en", "ar", "arna"]),
    ("arbete", ["", "t", "n"]), ("skydd", ["", "et"]), ("plan", ["", "en", "er"]),
    ("analys", ["", "en", "er"]), ("samtal", ["", "et", "en"]),
    ("nätverk", ["", "et", "en"]), ("kartläggning", ["", "en", "ar"]),
    ("belysning", ["", "en"]), ("patrull", ["", "en", "er", "erna"]),
    ("dialog", ["", "en", "er"]), ("projekt", ["", "et", "en"]),
    ("utbildning", ["", "en", "ar"]), ("verksamhet", ["", "en", "er"]),
    ("brott", ["", "et", "en"]), ("miljö", ["", "n", "er", "erna"]),
    ("punkt", ["", "en", "er"]), ("råd", ["", "et", "en"]), ("forum", ["", "et"]),
    ("stöd", ["", "et"]), ("lots", ["", "en", "ar"]), ("coach", ["", "en", "er"]),
    ("mottagning", ["", "en", "ar"]), ("enhet", ["", "en", "er"]),
    ("promenad", ["", "en", "er"]), ("kväll", ["", "en", "ar"]),
    ("ledare", ["", "n", "na"]), ("samordnare", ["", "n", "na"]),
    ("förebyggare", ["", "n", "na"]), ("kontrakt", ["", "et", "en"]),
    ("rutin", ["", "en", "er"]), ("uppföljning", ["", "en", "ar"]),
    ("trakasserier", ["", "na"]), ("handel", ["", "n"]), ("försäljning", ["", "en"]),
]
FAMOUS = ["trygghetsvandring", "ungdomsrån", "nattvandrare", "grannsamverkan",
          "fältassistent", "trygghetsvandringar", "nattvandrarna", "ungdomsrånen",
          "föräldravandring", "trygghetsvärdar"]
NATURAL_QUESTIONS = [
    "hur kan man minska {a} i {place}",
    "vad fungerar mot {a} bland unga",
    "erfarenheter av {a} och {b}",
    "hur arbetar andra med {a} och {b} på kvällstid",
    "finns det exempel på {a} med {b}",
    "vilka insatser gav effekt på {a} och {b}",
    "goda exempel på {a} i samverkan med polisen",
    "hur följer man upp {a}",
]


def zipf_cum_weights(n: int, exponent: float = ZIPF_EXPONENT) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + 2.7) ** exponent for rank in range(n)))


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Language:
    """What the text generator learnt from the demo cases."""
    successors: dict[str, list[str]]   # lower-cased word → following tokens ("" ends)
    starts: list[str]
    vocabulary: list[str]              # Zipf-ranked words to swap in
    vocabulary_cum: list[float]
    partners: list[str]
    stop_words: frozenset[str]


_TOKEN = re.compile(r"\w+(?:[-–]\w+)*|[,;:]")


def learn_language(stop_words: frozenset[str], seed: int) -> Language:
    rows = [json.loads(line) for line in DEMO_CASES.read_text().splitlines() if line.strip()]
    successors: dict[str, list[str]] = {}
    starts: list[str] = []
    counts: dict[str, int] = {}
    for row in rows:
        for name in ["summary", *LONG_FIELDS]:
            text = re.sub(r"[*_`#>]+|^\s*[-+]\s+", "", row.get(name) or "", flags=re.M)
            for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
                tokens = _TOKEN.findall(sentence)
                if len(tokens) < 4:
                    continue
                starts.append(tokens[0])
                for here, after in zip(tokens, tokens[1:] + [""]):
                    successors.setdefault(here.lower(), []).append(after)
                    if here[0].isalpha():
                        counts[here.lower()] = counts.get(here.lower(), 0) + 1
    demo_words = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                  if w not in stop_words and len(w) > 3]
    compounds = [first + head + ending for first in FIRST_PARTS for head, endings in HEADS
                 for ending in endings if first.rstrip("s") != head]
    random.Random(seed).shuffle(compounds)
    # Interleave: the demo's own words keep their ranks, compounds fill the long tail.
    vocabulary, seen = [], set()
    for word in itertools.chain(FAMOUS, *itertools.zip_longest(demo_words, compounds)):
        if word and word not in seen:
            seen.add(word)
            vocabulary.append(word)
    partners = sorted({p for row in rows for p in row.get("partners", [])})
    return Language(successors, starts, vocabulary, zipf_cum_weights(len(vocabulary)),
                    partners, stop_words)


class CaseGenerator:
    def __init__(self, stop_words: frozenset[str], seed: int = 1):
        self.seed = seed
        self.language = learn_language(stop_words, seed)
        self._compounds = [first + head for first in FIRST_PARTS for head, _ in HEADS
                           if first.rstrip("s") != head]
        self._compound_cum = zipf_cum_weights(len(self._compounds), 0.9)
        random.Random(seed + 1).shuffle(self._compounds)

    # --- words and sentences ------------------------------------------------------------

    def zipf_word(self, rng: random.Random) -> str:
        lang = self.language
        return lang.vocabulary[bisect.bisect(lang.vocabulary_cum, rng.random()
                                             * lang.vocabulary_cum[-1])]

    def theme(self, rng: random.Random) -> list[str]:
        """A compound the case is about, in a few of its inflected forms."""
        compound = self._compounds[bisect.bisect(self._compound_cum, rng.random()
                                                 * self._compound_cum[-1])]
        endings = next(e for head, e in HEADS if compound.endswith(head))
        return [compound] + [compound + e for e in rng.sample(endings, min(2, len(endings)))]

    def sentence(self, rng: random.Random, themes: list[str], lo: int = 8, hi: int = 22) -> str:
        lang = self.language
        token = rng.choice(lang.starts)
        out = []
        while token and len(out) < hi:
            emitted = token
            if (token[0].isalpha() and token.lower() not in lang.stop_words and len(token) > 3
                    and rng.random() < SWAP_PROBABILITY):
                emitted = rng.choice(themes) if rng.random() < 0.3 else self.zipf_word(rng)
            out.append(emitted)
            following = lang.successors.get(token.lower())
            token = rng.choice(following) if following else ""
            if not token and len(out) < lo:
                token = rng.choice(lang.starts).lower()
        text = " ".join(out)
        text = re.sub(r" ([,;:])", r"\1", text).rstrip(",;: ")
        return text[:1].upper() + text[1:] + "."

    def paragraph(self, rng: random.Random, themes: list[str], lo: int, hi: int) -> str:
        return " ".join(self.sentence(rng, themes) for _ in range(rng.randint(lo, hi)))

    # --- cases --------------------------------------------------------------------------

    def case(self, number: int) -> dict:
        rng = random.Random(self.seed * 1_000_003 + number)
        district = rng.choices(list(DISTRICTS), weights=[w for w, _ in DISTRICTS.values()])[0]
        place = rng.choice(DISTRICTS[district][1])
        areas = [_weighted(rng, AREAS)]
        while rng.random() < 0.45 and len(areas) < 3:
            area = _weighted(rng, AREAS)
            if area not in areas:
                areas.append(area)
        themes = self.theme(rng) + [self.zipf_word(rng)]
        theme = themes[0]
        title_words = self.sentence(rng, themes, 4, 9).rstrip(".").split()
        title = rng.choice([
            f"{theme.capitalize()} i {place}",
            f"{theme.capitalize()} i {place}: {' '.join(title_words).lower()}",
            f"{' '.join(title_words)} i {place}",
            f"{' '.join(title_words)} – {theme} i {place}",
        ])[:200]
        row = {
            "external_id": f"bench-{number:06d}",
            "title": title,
            "summary": f"{self.sentence(rng, themes)} {self.paragraph(rng, themes, 0, 2)}".strip(),
            "district": district,
            "priority_areas": areas,
            "organisation": rng.choice([
                f"{district} stadsdelsförvaltning, {rng.choice(['trygghetsenheten', 'socialtjänsten', 'fritidsenheten', 'avdelningen för kultur och fritid'])}",
                f"Lokalpolisområde {place.split()[0]}",
                "Socialförvaltningen, Stockholms stad",
            ]),
            "partners": rng.sample(self.language.partners, rng.randint(2, 5)),
        }
        for name, (lo, hi) in LONG_FIELDS.items():
            if name == "measures":
                items = [self.sentence(rng, themes, 6, 16) for _ in range(rng.randint(lo, hi))]
                if items and rng.random() < 0.5:
                    head, _, rest = items[0].partition(" ")
                    items[0] = f"**{head}** {rest}"
                row[name] = self.sentence(rng, themes) + "\n\n" + "\n".join(f"- {i}" for i in items)
            elif name == "results":
                row[name] = (f"{self.paragraph(rng, themes, lo, hi)} Andelen minskade med "
                             f"{rng.randint(5, 60)} procent efter {rng.randint(1, 3)} år.")
            else:
                row[name] = self.paragraph(rng, themes, lo, hi)
        start = date(2015, 1, 1) + timedelta(days=rng.randrange(11 * 365))
        row["start_date"] = start.isoformat()
        if rng.random() < 0.6:
            row["end_date"] = (start + timedelta(days=rng.randint(90, 1100))).isoformat()
        row["evidence_level"] = _weighted(rng, EVIDENCE)
        row["contact_name"] = rng.choice(["Anna Lind", "Omar Hassan", "Sara Nilsson",
                                          "Johan Berg", "Leila Karimi", "Erik Holm"])
        row["contact_email"] = f"kontakt{number}@exempel.se"
        row["status"] = "published"
        return row

    def cases(self, count: int) -> list[dict]:
        return [self.case(number) for number in range(1, count + 1)]


# --- queries ------------------------------------------------------------------------------

@dataclass(frozen=True)
class BenchQuery:
    kind: str
    text: str
    area: str        # slug
    district: str    # slug


QUERY_KINDS = ("word", "inflected", "compound-part", "misspelled", "question", "phrase",
               "pasted")


def _content_words(text: str, stop_words: frozenset[str], min_len: int = 4) -> list[str]:
    return [w for w in re.findall(r"\w+", text.lower())
            if len(w) >= min_len and w not in stop_words and not any(c.isdigit() for c in w)]


_NOUNISH = re.compile(r"(ing|het|are|arna|erna|ar|er|en|et|ion|ism|skap)$")


def _inflect(word: str, rng: random.Random) -> str:
    for head, endings in HEADS:
        for ending in endings:
            if ending and word.endswith(head + ending):
                return word[:-len(ending)]
        if word.endswith(head):
            return word + rng.choice([e for e in endings if e] or ["en"])
    for suffix, replacement in (("arna", "ar"), ("erna", "er"), ("ar", "arna"),
                                ("er", "erna"), ("ing", "ingen"), ("het", "heten"),
                                ("en", ""), ("et", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[:-len(suffix)] + replacement
    return word + "en"


def _misspell(word: str, rng: random.Random) -> str:
    folded = word.replace("å", "a").replace("ä", "a").replace("ö", "o")
    if folded != word and rng.random() < 0.4:
        return folded                                   # typed without Swedish letters
    i = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("swap", "drop", "double", "replace"))
    if edit == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if edit == "drop":
        return word[:i] + word[i + 1:]
    if edit == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeioulnrst") + word[i + 1:]


def make_queries(rows: list[dict], count: int, stop_words: frozenset[str],
                 seed: int = 1) -> list[BenchQuery]:
    """Queries drawn from the corpus, each with the area and district of the case it came
    from, so that the two facet filters usually leave something to find."""
    from knowledge.taxonomy.reference import slugify

    rng = random.Random(seed * 7919)
    queries = []
    for n in range(count):
        kind = QUERY_KINDS[n % len(QUERY_KINDS)]
        row = rng.choice(rows)
        area, district = rng.choice(row["priority_areas"]), slugify(row["district"])
        head_words = _content_words(row["title"] + " " + row["summary"], stop_words)
        body_words = _content_words(" ".join(row[f] for f in LONG_FIELDS), stop_words)
        words = head_words or body_words
        if kind == "word":
            text = rng.choice(words)
        elif kind == "inflected":
            nouns = [w for w in words + body_words if len(w) >= 6 and _NOUNISH.search(w)]
            text = _inflect(rng.choice(nouns or words), rng)
        elif kind == "compound-part":
            compounds = [(w, first, head) for w in set(head_words + body_words)
                         for first in FIRST_PARTS for head, _ in HEADS
                         if w.startswith(first) and w[len(first):].startswith(head)]
            if compounds:
                word, first, head = rng.choice(compounds)
                text = head if rng.random() < 0.7 else first.rstrip("s")
            else:
                text = rng.choice(words)
        elif kind == "misspelled":
            longer = [w for w in words + body_words if len(w) >= 6]
            text = _misspell(rng.choice(longer or words), rng)
        elif kind == "question":
            place = next((p for p in DISTRICTS[row["district"]][1]), row["district"])
            template = rng.choice(NATURAL_QUESTIONS)
            text = template.format(a=rng.choice(words), b=rng.choice(body_words or words),
                                   place=place)
        elif kind == "pasted":
            # A paragraph pasted into the search box: the 500 characters the page accepts.
            text = " ".join(row[f] for f in ("summary", "situation", "measures", "results"))
            text = " ".join(text.split())[:500]
        else:
            sentences = [s for f in ("summary", "situation", "measures", "results")
                         for s in re.split(r"[.,;:\n]", row[f])]
            windows = [" ".join(window) for s in sentences
                       for run in [re.findall(r"[^\W\d_]+", s.lower())]
                       for size in (2, 3) for i in range(len(run) - size + 1)
                       for window in [run[i:i + size]]
                       if window[0] not in stop_words and window[-1] not in stop_words
                       and len(window[0]) > 2 and len(window[-1]) > 2]
            phrase = rng.choice(windows)
            extra = f" {rng.choice(words)}" if rng.random() < 0.4 else ""
            text = f'"{phrase}"{extra}'
        queries.append(BenchQuery(kind, text, area, district))
    return queries


def rows_with_lines(rows: list[dict]) -> Iterator[tuple[int, dict]]:
    """What knowledge.transfer.import_export.import_rows reads: (line number, row)."""
    yield from enumerate(rows, start=1)
