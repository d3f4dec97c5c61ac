"""Regenerate ``sokrat/perception/data/wordnet_labels.json`` from the WordNet 3.0 database.

    apt-get install wordnet-base          # Debian: /usr/share/wordnet (WordNet 3.0)
    .venv/bin/python scripts/wordnet_labels.py [--wordnet /usr/share/wordnet]

ImageNet-1k class ids (``n02123045``) are WordNet 3.0 noun offsets, so each class has
synonyms and hypernyms (tabby -> cat -> feline -> animal). The file keeps, for the 1000
classes, the CLIP vocabularies (``objects.txt``, ``places.txt``) and a short list of general
categories, every synset on their hypernym paths with its words, and a "plain word" per class:
the hypernym (up to three steps) whose word heads the class's name, so "Egyptian cat" is logged
as "cat", "mountain bike" as "bicycle" and "coffee mug" as "mug"; otherwise the class's short
display name (``imagenet_classes.txt``). A few classes are overridden by hand (below).

WordNet licence (WordNet 3.0, Princeton University; the file carries it too):
"Permission to use, copy, modify and distribute this software and database and its
documentation for any purpose and without fee or royalty is hereby granted, provided that
you agree to comply with the following copyright notice and statements, including the
disclaimer, and that the same appear on ALL copies of the software, database and
documentation, including modifications that you make for internal use or for distribution.
WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved."
(full text: /usr/share/doc/wordnet-base/copyright, https://wordnet.princeton.edu/license-and-commercial-use)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "sokrat" / "perception" / "data"
sys.path.insert(0, str(DATA.parents[2]))
from sokrat.perception.backends.colour import COLOUR_WORDS  # noqa: E402 - the package next to this script

LICENCE = (
    "WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. "
    "THIS SOFTWARE AND DATABASE IS PROVIDED \"AS IS\" AND PRINCETON UNIVERSITY MAKES NO "
    "REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED. Permission to use, copy, modify and "
    "distribute this software and database and its documentation for any purpose and without fee "
    "or royalty is hereby granted, provided that the copyright notice and statements, including "
    "the disclaimer, appear on ALL copies. The name of Princeton University or Princeton may not "
    "be used in advertising or publicity pertaining to distribution of the software and/or database."
)

# General categories a person would use ("an animal", "a vehicle"): (display word, offset).
CATEGORIES = [
    ("person", "00007846"), ("animal", "00015388"), ("bird", "01503061"),
    ("fish", "02512053"), ("insect", "02159955"), ("reptile", "01661091"), ("dog", "02084071"),
    ("vehicle", "04524313"), ("car", "02958343"), ("aircraft", "02686568"), ("boat", "04530566"),
    ("food", "07555863"), ("food", "00021265"), ("drink", "07881800"), ("fruit", "13134947"),
    ("vegetable", "07707451"), ("plant", "00017222"), ("flower", "11669921"),
    ("furniture", "03405725"), ("container", "03094503"), ("device", "03183080"),
    ("tool", "04451818"), ("musical instrument", "03800933"), ("clothing", "03051540"),
    ("building", "02913152"), ("weapon", "04565375"), ("sports equipment", "04285146"),
    ("toy", "03964744"), ("electronic equipment", "03278248"), ("kitchen utensil", "03621049"),
    ("computer", "03082979"),
]

# Classes whose plain word is poor (a too general head, "television" -> "system"):
# ImageNet display name -> the word to log.
OVERRIDES = {name: name for name in (
    "television", "traffic light", "manhole cover", "punching bag", "sandbar", "space bar",
    "meat loaf", "cash machine", "sewing machine", "slot machine", "vending machine", "thresher",
    "piggy bank", "grocery store", "hard disc", "water buffalo", "drilling platform", "sunglasses",
)} | {"hand-held computer": "computer", "ballplayer": "baseball player", "space shuttle": "spacecraft"}

MAX_UP = 3
"""How many hypernym steps above a class the plain word may be."""
TOO_GENERAL = {"00001740", "00001930", "00002684", "00003553", "00004258", "00004475", "00021939",
               "03575240", "03129123", "03183080", "00015388", "01861778", "04564698", "03294048",
               "00007846", "03051540", "04524313", "03094503", "07555863", "00021265", "13134947",
               "03405725", "04341686", "02913152"}
"""Synsets too general to be a plain word for a class (entity, object, artifact, device, animal,
mammal, equipment, person, clothing, vehicle, container, food, ...): categories, not names."""


def parse_data(path: Path) -> dict[str, dict]:
    synsets: dict[str, dict] = {}
    for line in path.read_text("latin-1").splitlines():
        if line.startswith(" "):
            continue  # licence header
        fields, _, gloss = line.partition(" | ")
        parts = fields.split()
        offset, lexfile, n = parts[0], parts[1], int(parts[3], 16)
        words = [(parts[4 + 2 * i], int(parts[5 + 2 * i], 16)) for i in range(n)]
        k = 4 + 2 * n
        n_ptr = int(parts[k])
        up, instance = [], False
        for j in range(n_ptr):
            sym, target, pos = parts[k + 1 + 4 * j], parts[k + 2 + 4 * j], parts[k + 3 + 4 * j]
            if sym in ("@", "@i") and pos == "n":
                up.append(target)
                instance = instance or sym == "@i"
        synsets[offset] = {"lexfile": lexfile, "words": words, "up": up, "gloss": gloss.strip(), "instance": instance}
    return synsets


PERSON = "00007846"
PERSON_DEPTH = 3
"""Levels of WordNet's hyponyms of person searched (4,797 synsets: woman, boy, skier,
student...; all levels would be 10,297 and double the file)."""


def below(root: str, depth: int, synsets: dict[str, dict]) -> set[str]:
    """``root`` and its hyponyms down to ``depth`` levels."""
    kids: dict[str, list[str]] = {}
    for off, s in synsets.items():
        for up in s["up"]:
            kids.setdefault(up, []).append(off)
    out, front = {root}, [root]
    for _ in range(depth):
        front = [k for f in front for k in kids.get(f, [])]
        out.update(front)
    return out


def hypernym_closure(roots: set[str], synsets: dict[str, dict]) -> set[str]:
    """``roots`` and every synset above them."""
    closure: set[str] = set()
    stack = list(roots)
    while stack:
        off = stack.pop()
        if off in closure:
            continue
        closure.add(off)
        stack.extend(synsets[off]["up"])
    return closure


def tagged_words(path: Path) -> set[str]:
    """Lemmas whose senses are ordered by counts from a tagged corpus (``tagsense_cnt`` > 0)."""
    out = set()
    for line in path.read_text("latin-1").splitlines():
        if line.startswith(" "):
            continue
        parts = line.split()
        n_ptr = int(parts[3])
        if int(parts[5 + n_ptr]) > 0:
            out.add(parts[0])
    return out


def parse_index(path: Path) -> dict[str, list[str]]:
    index = {}
    for line in path.read_text("latin-1").splitlines():
        if line.startswith(" "):
            continue
        parts = line.split()
        lemma, n_synsets, n_ptr = parts[0], int(parts[2]), int(parts[3])
        index[lemma] = parts[6 + n_ptr: 6 + n_ptr + n_synsets]
    return index


def head_word(off: str, name: str, synsets: dict[str, dict]) -> str | None:
    """The word of a hypernym (up to ``MAX_UP`` steps) that heads the class's own name:
    "tabby cat" -> cat, "mountain bike" -> bicycle (its synonym "bike"), "coffee mug" -> mug."""
    heads = {w.lower().replace("-", " ").split()[-1] for w in [name, *(pretty(w) for w, _ in synsets[off]["words"])]}
    frontier = synsets[off]["up"]
    for _step in range(MAX_UP):
        for cand in frontier:
            if cand in TOO_GENERAL:
                continue
            words = [pretty(w) for w, _ in synsets[cand]["words"]]
            if any(w.lower() in heads for w in words):
                return words[0]
        frontier = [u for cand in frontier for u in synsets[cand]["up"]]
    return None


def pretty(word: str) -> str:
    return word.replace("_", " ")


def read_coco(index: dict[str, list[str]]) -> dict[str, str]:
    """``coco_labels.txt``: the detector's class word -> the WordNet offset of its sense."""
    out = {}
    for line in (DATA / "coco_labels.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        _id, word, sense = line.split("\t")
        if sense == "-":
            continue
        lemma, _, number = sense.rsplit(".", 2)
        out[word] = index[lemma][int(number) - 1]
    return out


def verb_data(wn: Path) -> dict[str, object]:
    """One-word verb lemmas (``index.verb``) and irregular forms (``verb.exc``: left -> leave),
    for reading a question's verb as a verb (sokrat/video/question.py)."""
    lemmas = sorted({line.split()[0] for line in (wn / "index.verb").read_text("latin-1").splitlines()
                     if not line.startswith(" ") and "_" not in line.split()[0]})
    known = set(lemmas)
    exc = {}
    for line in (wn / "verb.exc").read_text("latin-1").splitlines():
        inflected, *bases = line.split()
        if bases and bases[0] in known and "_" not in inflected:
            exc[inflected] = bases[0]
    return {"source": "WordNet 3.0 (Debian wordnet-base), generated by scripts/wordnet_labels.py",
            "licence": LICENCE, "verbs": lemmas, "exceptions": dict(sorted(exc.items()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    args = parser.parse_args()
    wn = args.wordnet
    synsets = parse_data(wn / "data.noun")
    index = parse_index(wn / "index.noun")

    wnids = [line.strip() for line in (DATA / "imagenet_wnids.txt").read_text().splitlines() if line.strip()]
    imagenet = [w[1:] for w in wnids]
    assert len(imagenet) == 1000 and all(o in synsets for o in imagenet)

    # Vocabulary words (CLIP prompts) -> their first noun sense.
    coco = read_coco(index)
    roots = set(imagenet) | {o for _, o in CATEGORIES} | set(coco.values())
    for name in ("objects.txt", "places.txt"):
        for word in (DATA / name).read_text().splitlines():
            key = word.strip().lower().replace(" ", "_")
            if key in index:
                roots.add(index[key][0])

    # The detector's one word for people is "person"; questions name people by their kind ("a
    # woman", "the boy", "a skier"). Keep the kinds of person WordNet files in its first levels
    # below it, so a question's word is read as a kind of person the "person" label may be.
    # Each with only the words it is the most frequent sense of: "cat" the spiteful gossip,
    # "chicken" the coward and the Fox people are left out, or a question about cats, chickens or
    # foxes would be one about people.
    # Named people (WordNet's instances: "Grey" is Zane Grey) are no kind of person, and a word
    # whose senses WordNet gives no frequencies for has no most frequent sense.
    # A word the labels' own synsets already use keeps its meaning ("speaker" stays the
    # loudspeaker, "boxer" the dog): the kinds of person only add words.
    tagged = tagged_words(wn / "index.noun")
    known = {w.lower().replace("_", " ") for o in hypernym_closure(roots, synsets) for w, _ in synsets[o]["words"]}
    known |= {w.replace(" ", "_") for w in known}
    people: dict[str, list[tuple[str, int]]] = {}
    for o in below(PERSON, PERSON_DEPTH, synsets):
        if o in roots or synsets[o]["instance"]:
            continue
        # nor is a word the colour namer writes in the log ("white" is first a person in WordNet)
        words = [(w, n) for w, n in synsets[o]["words"] if w.lower() not in COLOUR_WORDS | known
                 and index.get(w.lower(), [None])[0] == o and (w.lower() in tagged or len(index[w.lower()]) == 1)]
        if words:
            people[o] = words
    before = hypernym_closure(roots, synsets)
    roots |= set(people)
    closure = hypernym_closure(roots, synsets)
    for o in closure - before - set(people):  # the synsets between them and person: new words only
        people[o] = [(w, n) for w, n in synsets[o]["words"] if w.lower() not in known]

    names = [line.strip() for line in (DATA / "imagenet_classes.txt").read_text().splitlines() if line.strip()]
    plain: list[str] = []
    for off, name in zip(imagenet, names, strict=True):
        plain.append(OVERRIDES.get(name) or head_word(off, name, synsets) or name)

    exceptions = {}
    for line in (wn / "noun.exc").read_text("latin-1").splitlines():
        inflected, *bases = line.split()
        base = bases[0] if bases else ""
        if base in index and any(o in closure for o in index[base]):
            exceptions[pretty(inflected)] = pretty(base)

    # WordNet files "people" as a noun of its own (a body of persons); in a question ("how many
    # people?") it is the plural of person.
    exceptions["people"] = "person"
    # "Did I see anyone?": WordNet has someone and somebody as words for a person, not anyone
    # and anybody, which a question uses the same way.
    exceptions["anyone"], exceptions["anybody"] = "someone", "somebody"
    out = {
        "source": "WordNet 3.0 (Debian wordnet-base), generated by scripts/wordnet_labels.py",
        "licence": LICENCE,
        "synsets": {o: {"words": list(dict.fromkeys(pretty(w) for w, _ in people.get(o, synsets[o]["words"]))),
                        "up": [u for u in synsets[o]["up"] if u in closure]}
                    for o in sorted(closure)},
        "imagenet": imagenet,
        "plain": plain,
        "categories": [[name, off] for name, off in CATEGORIES],
        # The detector's words -> their sense. COCO's classes are "entry-level" categories by
        # design (Lin et al. 2014, after Ordonez et al. 2013): the words people name things
        # with, so they are also the basic level an ImageNet class is reported at.
        "coco": dict(sorted(coco.items())),
        "exceptions": dict(sorted(exceptions.items())),
    }
    target = DATA / "wordnet_labels.json"
    target.write_text(json.dumps(out, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"{target}: {len(closure)} synsets, {len(exceptions)} plural exceptions")
    verbs = verb_data(wn)
    (DATA / "wordnet_verbs.json").write_text(json.dumps(verbs, separators=(",", ":")) + "\n")
    print(f"wordnet_verbs.json: {len(verbs['verbs'])} verbs, {len(verbs['exceptions'])} irregular forms")


if __name__ == "__main__":
    main()
