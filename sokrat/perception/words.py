"""Plain words for model labels, and what a word means (WordNet 3.0, shipped as data).

ImageNet-1k classes are WordNet noun synsets, so "Egyptian cat" and "tabby cat" are logged as
*cat* with the category *animal*, and a question about "a vehicle", "a bike" or "a kitty"
matches a shot labelled "moped", "bicycle" or "cat" through synonyms and hypernyms.
``data/wordnet_labels.json`` holds the synsets on the hypernym paths of the 1000 classes, the
CLIP vocabularies and a few general categories; ``scripts/wordnet_labels.py`` regenerates it
from Debian's ``wordnet-base`` (WordNet licence, quoted in the file and the script).

The log stores labels as text (``cat [animal], mug [container]``): :func:`format_labels` and
:func:`parse_labels` are the one place that format is written and read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

MAX_CATEGORIES = 2
"""Categories written after a label in the log (the nearest first)."""
MAX_BASIC_UP = 4
"""Hypernym steps from an ImageNet class up to the basic-level word it is reported as."""


@dataclass(frozen=True)
class Concept:
    """A label as a person would say it."""

    word: str
    """The plain word ("cat" for "Egyptian cat")."""
    synsets: tuple[str, ...] = ()
    """WordNet 3.0 noun offsets the word stands for (empty: a word WordNet data does not hold)."""
    categories: tuple[str, ...] = ()
    """General categories ("animal", "vehicle"), the nearest first."""
    specific: str = ""
    """The model's finer word when ``word`` is its basic level ("sports car" for "car")."""


@dataclass(frozen=True)
class Seen:
    """One label parsed back from a log entry's ``seen`` text."""

    word: str
    categories: tuple[str, ...] = ()
    kind: str = "object"
    """``object``, ``maybe``, ``place``, ``activity``, ``caption``, ``colour``, ``count``,
    ``where``, ``relation`` or ``looks`` (a thing's colour: "green car")."""
    specific: str = ""
    """The finer word written in brackets after it ("sports car")."""


class Lexicon:
    """Word <-> synset lookups over the shipped WordNet subset."""

    def __init__(self, data: dict) -> None:
        self._up: dict[str, tuple[str, ...]] = {o: tuple(s["up"]) for o, s in data["synsets"].items()}
        self._words: dict[str, tuple[str, ...]] = {o: tuple(s["words"]) for o, s in data["synsets"].items()}
        self._imagenet: list[str] = data["imagenet"]
        self._plain: list[str] = data["plain"]
        self._category_of: dict[str, str] = {off: name for name, off in data["categories"]}
        self._categories_named: dict[str, tuple[str, ...]] = {}
        for name, off in data["categories"]:
            self._categories_named[name] = (*self._categories_named.get(name, ()), off)
        self._exceptions: dict[str, str] = data["exceptions"]
        self._index: dict[str, list[str]] = {}
        for off, words in self._words.items():
            for w in words:
                self._index.setdefault(w.lower(), []).append(off)
        self._by_class_name: dict[str, int] = {}
        self._coco: dict[str, str] = data.get("coco", {})
        # COCO's classes are entry-level categories (the words people name things with): an
        # ImageNet class is reported as the nearest of them above it ("sports car" -> car).
        self._basic: dict[str, str] = {off: word for word, off in self._coco.items()}
        self.max_words = max(len(w.split()) for w in self._index)

    # --- words -> synsets ---------------------------------------------------------------------
    def base_form(self, word: str) -> str | None:
        """``word`` as the index holds it (plural -> singular), or None when unknown."""
        w = " ".join(word.lower().replace("-", " ").split()) if word.lower() not in self._index else word.lower()
        if w in self._exceptions:  # irregular plurals first: "people" is the plural of person
            return self._exceptions[w]
        if w in self._index:
            return w
        for suffix, repl in (("ies", "y"), ("ves", "f"), ("es", ""), ("s", ""), ("'s", "")):
            if w.endswith(suffix) and len(w) > len(suffix) + 2 and (w[: -len(suffix)] + repl) in self._index:
                return w[: -len(suffix)] + repl
        if w.endswith("men") and w[:-3] + "man" in self._index:  # WordNet's morphy: women, firemen
            return w[:-3] + "man"
        return None

    def synsets(self, word: str) -> tuple[str, ...]:
        """Synsets ``word`` names; when one of them has it as its first word, only those
        ("cat" is the cat, not also the big cat whose second name is "cat"). A detector word
        names its own sense ("mouse" from the detector is the computer mouse). A category word
        the log writes in brackets also names that category's synset: "boat" is the small boat
        and the watercraft a "schooner [boat]" is one of, as the log says."""
        if word in self._coco:
            return tuple(dict.fromkeys([self._coco[word], *self._categories_named.get(word, ())]))
        base = self.base_form(word)
        if base is None:
            return ()
        offs = self._index[base]
        first = [o for o in offs if self._words[o][0].lower() == base]
        return tuple(dict.fromkeys([*(first or offs), *self._categories_named.get(base, ())]))

    def closure(self, synsets: Iterable[str]) -> frozenset[str]:
        """The synsets and every hypernym above them."""
        return _closure(self, tuple(synsets))

    def _closure_uncached(self, synsets: tuple[str, ...]) -> frozenset[str]:
        seen: set[str] = set()
        stack = list(synsets)
        while stack:
            off = stack.pop()
            if off not in seen:
                seen.add(off)
                stack.extend(self._up.get(off, ()))
        return frozenset(seen)

    def synonyms(self, word: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for o in self.synsets(word) for w in self._words[o]))

    def is_a(self, word: str, query_synsets: Iterable[str]) -> bool:
        """Whether ``word`` (a label) is one of ``query_synsets`` or a kind of one."""
        mine = self.synsets(word)
        return bool(mine) and not self.closure(mine).isdisjoint(query_synsets)

    # --- model labels -> concepts -----------------------------------------------------------------
    def imagenet(self, index: int) -> Concept:
        """The plain concept for ImageNet-1k class ``index``, at its basic level when one is
        near above it ("car", specific "sports car"; "dog", specific "beagle")."""
        off = self._imagenet[index]
        word = self.basic_level(off) or self._plain[index]
        name = imagenet_classes()[index]
        specific = name if name.lower() != word.lower() else ""
        return Concept(word, (off,), self.categories((off,), exclude=word), specific=specific)

    def is_detector_word(self, word: str) -> bool:
        """A class of the COCO detector ("person", "dog", "car"): the finest word the log has
        for what it finds, so a finer one asked ("a woman", "a poodle") may be any of its boxes."""
        return word in self._coco

    def basic_level(self, off: str) -> str | None:
        """The nearest basic-level word at or above synset ``off`` (within ``MAX_BASIC_UP``)."""
        frontier = [off]
        for _step in range(MAX_BASIC_UP + 1):
            for cand in frontier:
                if cand in self._basic:
                    return self._basic[cand]
            frontier = [u for cand in frontier for u in self._up.get(cand, ())]
        return None

    def concept(self, label: str) -> Concept:
        """A model's label as a concept: a detector (COCO) word, an ImageNet class name, or any
        word WordNet data holds."""
        if label in self._coco:
            off = self._coco[label]
            return Concept(label, (off,), self.categories((off,), exclude=label))
        idx = _imagenet_index(label)
        if idx is not None:
            return self.imagenet(idx)
        offs = self.synsets(label)
        word = label.strip()
        return Concept(word, offs, self.categories(offs, exclude=word) if offs else ())

    def categories(self, synsets: Sequence[str], *, exclude: str = "") -> tuple[str, ...]:
        """General categories above ``synsets``, nearest first."""
        found: list[str] = []
        frontier = list(synsets)
        seen: set[str] = set()
        while frontier:
            nxt: list[str] = []
            for off in frontier:
                if off in seen:
                    continue
                seen.add(off)
                name = self._category_of.get(off)
                if name and name != exclude.lower() and name not in found:
                    found.append(name)
                nxt.extend(self._up.get(off, ()))
            frontier = nxt
        if "vehicle" in found and "container" in found:  # WordNet: a wheeled vehicle is also a container
            found.remove("container")
        return tuple(found)

    def concepts_in(self, text: str) -> list[Concept]:
        """Nouns WordNet data knows in free text (a caption), longest match first."""
        tokens = re.findall(r"[a-z][a-z'-]*", text.lower())
        out: list[Concept] = []
        i = 0
        while i < len(tokens):
            for n in range(min(self.max_words, len(tokens) - i), 0, -1):
                phrase = " ".join(tokens[i : i + n])
                if phrase in _STOP or (n == 1 and len(phrase) < 3):
                    continue
                if self.synsets(phrase):
                    out.append(self.concept(phrase))
                    i += n
                    break
            else:
                i += 1
        return out


_STOP = frozenset(["a", "an", "the", "this", "that", "there", "here", "it", "its", "is", "are", "was", "were", "be", "been", "of", "in", "on", "at", "to", "for", "with", "by", "and", "or", "as", "from", "up", "down", "out", "over", "under", "into", "onto", "off", "some", "any", "one", "two", "three", "few", "many", "much", "more", "most", "other", "such", "thing", "things", "something", "anything", "nothing", "someone", "anyone", "everyone", "video", "time", "times", "part", "parts", "side", "top", "bottom", "front", "back", "end", "beginning", "start", "first", "last", "second", "minute", "minutes", "seconds", "hour", "while", "before", "after", "between", "during", "see", "saw", "seen", "look", "show", "shown", "appear", "appeared", "visible", "hear", "heard", "say", "said", "tell", "told", "i", "me", "my", "mine", "you", "your", "we", "our", "he", "she", "him", "her", "his", "they", "them", "their", "what", "when", "where", "who", "which", "how", "why", "yes", "no", "not", "did", "do", "does", "done", "have", "has", "had", "can", "could", "will", "would", "should", "may", "might", "left", "right"])


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The shipped WordNet subset (loaded once per process)."""
    text = resources.files("sokrat.perception").joinpath("data/wordnet_labels.json").read_text("utf-8")
    return Lexicon(json.loads(text))


@lru_cache(maxsize=4096)
def _closure(lex: Lexicon, synsets: tuple[str, ...]) -> frozenset[str]:
    return lex._closure_uncached(synsets)


@lru_cache(maxsize=1)
def _verb_data() -> tuple[frozenset[str], dict[str, str]]:
    text = resources.files("sokrat.perception").joinpath("data/wordnet_verbs.json").read_text("utf-8")
    data = json.loads(text)
    return frozenset(data["verbs"]), data["exceptions"]


def verb_lemma(word: str) -> str | None:
    """``word`` as a WordNet verb lemma ("left" -> leave, "parked" -> park, "leaves" -> leave),
    or None when WordNet has no such verb. Irregular forms come from WordNet's ``verb.exc``;
    regular ones by its own detachment rules (the suffixes morphy strips for verbs)."""
    verbs, exceptions = _verb_data()
    w = word.lower()
    if w in exceptions:
        return exceptions[w]
    if w in verbs:
        return w
    for suffix, repl in (("ies", "y"), ("es", "e"), ("es", ""), ("s", ""), ("ied", "y"), ("ed", "e"), ("ed", ""),
                         ("ing", "e"), ("ing", "")):
        if w.endswith(suffix) and len(w) > len(suffix) + 1 and (w[: -len(suffix)] + repl) in verbs:
            return w[: -len(suffix)] + repl
    if len(w) > 4 and w[-3] == w[-4] and w.endswith(("ed", "ing")):  # stopped -> stop, sitting -> sit
        stem = w[:-3] if w.endswith("ed") else w[:-4]
        if stem in verbs:
            return stem
    return None


@lru_cache(maxsize=1)
def imagenet_classes() -> tuple[str, ...]:
    """The 1000 ImageNet-1k class display names, in class-index order."""
    text = resources.files("sokrat.perception").joinpath("data/imagenet_classes.txt").read_text("utf-8")
    names = tuple(line.strip() for line in text.splitlines() if line.strip())
    if len(names) != 1000:
        raise RuntimeError(f"imagenet_classes.txt has {len(names)} names, expected 1000")
    return names


@lru_cache(maxsize=1)
def _imagenet_names() -> dict[str, int]:
    return {name: i for i, name in enumerate(imagenet_classes())}


def _imagenet_index(label: str) -> int | None:
    return _imagenet_names().get(label)


# --- the log's label text ------------------------------------------------------------------------
def format_labels(concepts: Sequence[Concept]) -> str:
    """``car (sports car) [vehicle], mug [container]``: words, the finer word the model said
    in round brackets, and the nearest categories in square ones."""
    parts = []
    for c in concepts:
        cats = [x for x in c.categories if x != c.word][:MAX_CATEGORIES]
        word = f"{c.word} ({c.specific})" if c.specific and c.specific != c.word else c.word
        parts.append(f"{word} [{', '.join(cats)}]" if cats else word)
    return ", ".join(parts)


_ITEM = re.compile(r"\s*([^,\[\]();:]+?)\s*(?:\(([^)]*)\))?\s*(?:\[([^\]]*)\])?\s*(?:,|$)")
_KINDS = ("place", "activity", "caption", "colour", "maybe", "count", "where", "relation", "looks")


def parse_labels(seen: str) -> list[Seen]:
    """The labels of a ``seen`` text written by the indexer (objects, place, activity, colour;
    a caption is returned whole, as one item of kind ``caption``)."""
    out: list[Seen] = []
    for part in seen.split(";"):
        part = part.strip()
        if not part:
            continue
        kind = "object"
        head, sep, rest = part.partition(":")
        if sep and head.strip() in _KINDS:
            kind, part = head.strip(), rest.strip()
        if kind == "caption":
            out.append(Seen(part, (), "caption"))
            continue
        for m in _ITEM.finditer(part):
            word = m.group(1).strip()
            if word:
                cats = tuple(c.strip() for c in (m.group(3) or "").split(",") if c.strip())
                out.append(Seen(word, cats, kind, (m.group(2) or "").strip()))
    return out
