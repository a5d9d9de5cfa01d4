"""One command makes every figure table in the docs, from committed metrics files.

No number in a docs table is typed by hand: each one is read from
`docs/figures/<example>.json`, a copy of the `metrics.json` that
`python examples/<example>.py` (seed 0) wrote, and `docs/figures/<example>.small.json`,
the same for `--small`. A docs page marks where a table goes:

    <!-- figures:digits_sequence -->
    (the table, rewritten by this script)
    <!-- /figures -->

`figures:<example>` is that example's table (full run and `--small` side by side),
`figures:results` the summary of the course examples on docs/examples.md.

    python -m examples.figures                     # rewrite the tables in docs/*.md
    python -m examples.figures --check             # exit 1 if a table is out of date (CI)
    python -m examples.figures --update melody examples/out/melody    # copy a run's metrics.json in
    python -m examples.figures --update melody OUT --small            # ... of a --small run
    python -m examples.figures --pictures          # which example draws each docs picture

After `--update`, run it once without arguments and commit docs/figures/ and docs/.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FIGURES = DOCS / "figures"
MISSING = "—"
REGION = re.compile(r"(<!-- figures:([\w-]+) -->\n)(.*?)(<!-- /figures -->)", re.DOTALL)


@dataclass
class Example:
    """How one example's figures read: `rows` are (label, template) pairs, a template
    being a `str.format` string over the flat metrics ("{accuracy:.2%}")."""

    title: str
    rows: list[tuple[str, str]]
    summary: str = ""                       # one line for the results table (full run)
    pictures: list[str] = field(default_factory=list)   # docs/img files it draws (--out docs/img)


EXAMPLES: dict[str, Example] = {
    "names_lm": Example(
        "language model and sampling",
        [("held-out loss (nats/char)", "{heldout_nll:.3f}"),
         ("add-one bigram model (nats/char)", "{bigram_nll:.3f}"),
         ("a held-out name beats its letters shuffled", "{real_beats_shuffled:.1%}"),
         ("sampled names not in the census list", "{novel_fraction:.0%}"),
         ("training steps", "{steps}"),
         ("wall time", "{seconds:.0f} s")],
        "held-out {heldout_nll:.2f} nats/char (bigram model: {bigram_nll:.2f}); a real name beats its "
        "letters shuffled {real_beats_shuffled:.0%} of the time",
        ["names_lm_loss.png", "names_lm_bptt.svg"]),
    "ner_tagging": Example(
        "many-to-many, bidirectional",
        [("F1, bidirectional", "{bidirectional_f1:.3f}"),
         ("precision / recall, bidirectional", "{bidirectional_precision:.3f} / {bidirectional_recall:.3f}"),
         ("F1, unidirectional", "{unidirectional_f1:.3f}"),
         ("precision / recall, unidirectional",
          "{unidirectional_precision:.3f} / {unidirectional_recall:.3f}"),
         ("the course's sentence, bidirectional", "{bidirectional_course_example}"),
         ("wall time", "{seconds:.0f} s")],
        "F1 {bidirectional_f1:.2f} bidirectional, {unidirectional_f1:.2f} unidirectional",
        ["ner_tagging.png"]),
    "digits_sequence": Example(
        "many-to-one, deep",
        [("held-out accuracy", "{accuracy:.2%}"),
         ("wrong", "{wrong} of {test_images}"),
         ("epochs", "{epochs}"),
         ("wall time", "{seconds:.0f} s")],
        "{accuracy:.2%} held-out accuracy",
        ["digits_sequence.png"]),
    "melody": Example(
        "one-to-many",
        [("notes in the seed's key", "{in_key:.1%}"),
         ("moves of ≤ 2 degrees", "{stepwise:.1%}"),
         ("start on the tonic", "{starts_on_tonic:.1%}"),
         ("end (`<END>`) on the tonic", "{ends_on_tonic:.1%}"),
         ("notes per melody", "{mean_length:.1f}"),
         ("wall time", "{seconds:.0f} s")],
        "{in_key:.1%} of notes in key, {ends_on_tonic:.1%} end on the tonic",
        ["melody.png"]),
    "word_embeddings": Example(
        "skip-gram with negative sampling, GloVe",
        [("skip-gram held-out loss", "{sgns_heldout_loss:.3f}"),
         ("unigram baseline", "{unigram_heldout_loss:.3f}"),
         ("GloVe final J / pair", "{glove_final_loss:.3f}"),
         ("analogies right, skip-gram", "{sgns_analogy_accuracy:.1%} of {sgns_analogy_questions}"),
         ("analogies right, GloVe", "{glove_analogy_accuracy:.1%} of {glove_analogy_questions}"),
         ("vocabulary", "{vocabulary}"),
         ("skip-gram words/s", "{words_per_second:.0f}"),
         ("wall time", "{seconds:.0f} s")],
        "held-out loss {sgns_heldout_loss:.3f} (unigram baseline {unigram_heldout_loss:.3f})",
        ["word_embeddings_pca.png"]),
    "sentiment": Example(
        "average and LSTM",
        [("average, random embeddings", "{acc_avg_random:.1%} ± {acc_avg_random_std:.1%}"),
         ("average, pre-trained", "{acc_avg_pretrained:.1%} ± {acc_avg_pretrained_std:.1%}"),
         ("LSTM, random embeddings", "{acc_lstm_random:.1%} ± {acc_lstm_random_std:.1%}"),
         ("LSTM, pre-trained", "{acc_lstm_pretrained:.1%} ± {acc_lstm_pretrained_std:.1%}"),
         ("labelled / held-out sentences", "{train_sentences} / {test_sentences}"),
         ("random splits", "{splits}"),
         ("review words in the pre-training vocabulary", "{word_coverage:.0%}"),
         ("wall time", "{seconds:.0f} s")],
        "average model {acc_avg_pretrained:.1%} pre-trained vs {acc_avg_random:.1%} random; "
        "LSTM {acc_lstm_pretrained:.1%} vs {acc_lstm_random:.1%}",
        ["sentiment.png"]),
    "debias": Example(
        "neutralize, equalize",
        [("mean \\|cos(e, g)\\| of occupation words, before", "{mean_abs_bias_before:.3f}"),
         ("… after neutralize", "{mean_abs_bias_after:.1e}"),
         ("largest \\|cos(e, g)\\| after", "{max_abs_bias_after:.1e}"),
         ("largest gap of a pair's distances to a neutral word, before",
          "{equalize_max_distance_gap_before:.2f}"),
         ("… after equalize", "{equalize_max_distance_gap:.1e}"),
         ("definitional pairs / occupation words", "{pairs} / {occupations}"),
         ("wall time", "{seconds:.0f} s")],
        "mean \\|cos\\| with g {mean_abs_bias_before:.3f} → {mean_abs_bias_after:.0e}",
        ["debias.png"]),
    "micrograd_demo": Example(
        "micrograd's moons demo",
        [("training accuracy", "{accuracy:.0%}"),
         ("final loss", "{loss:.4f}"),
         ("SGD steps", "{steps}")],
        "{accuracy:.0%} training accuracy",
        ["decision_boundary.png"]),
    "date_translation": Example(
        "attention, beam search",
        [("exact match, greedy", "{greedy_accuracy:.1%}"),
         ("exact match, beam", "{beam_accuracy:.1%}"),
         ("beam errors blamed on the search / the model", "{error_search} / {error_model}"),
         ("wall time", "{seconds:.0f} s")],
        "{greedy_accuracy:.1%} greedy, {beam_accuracy:.1%} beam",
        ["attention_map.png"]),
    "number_words": Example(
        "attention, BLEU",
        [("BLEU, greedy", "{bleu_greedy:.2f}"),
         ("BLEU, beam (α picked on the dev set)", "{bleu_beam:.2f} (α = {alpha})"),
         ("BLEU, beam with α = 0 / 0.7 / 1",
          "{bleu_beam_alpha_0_0:.2f} / {bleu_beam_alpha_0_7:.2f} / {bleu_beam_alpha_1_0:.2f}"),
         ("exact match, greedy / beam", "{exact_greedy:.1%} / {exact_beam:.1%}"),
         ("wall time", "{seconds:.0f} s")],
        "BLEU {bleu_greedy:.1f} greedy, {bleu_beam:.1f} beam",
        ["number_words.png"]),
    "speech_recognition": Example(
        "CTC",
        [("CER, greedy / beam", "{cer_greedy:.3f} / {cer_beam:.3f}"),
         ("WER, greedy / beam", "{wer_greedy:.3f} / {wer_beam:.3f}"),
         ("wall time", "{seconds:.0f} s")],
        "CER {cer_beam:.3f}, WER {wer_beam:.3f} (beam)",
        ["speech_recognition.png"]),
    "trigger_word": Example(
        "trigger-word detection",
        [("precision", "{precision:.3f}"),
         ("recall", "{recall:.3f}"),
         ("F1", "{f1:.3f}"),
         ("wall time", "{seconds:.0f} s")],
        "F1 {f1:.3f}",
        ["trigger_word.png"]),
}

# The summary table of docs/examples.md: the course's sequence models, in its order.
RESULTS = ["names_lm", "ner_tagging", "digits_sequence", "melody", "word_embeddings", "sentiment", "debias"]
RESULT_LINKS = {"names_lm": "#character-level-language-model-names_lmpy",
                "ner_tagging": "#named-entity-tagging-ner_taggingpy",
                "digits_sequence": "#many-to-one-digits_sequencepy", "melody": "#one-to-many-melodypy",
                "word_embeddings": "word-embeddings.md", "sentiment": "word-embeddings.md#sentiment-classification",
                "debias": "word-embeddings.md#debiasing"}


class _Missing(dict):
    def __missing__(self, key):
        raise KeyError(key)


def load(name: str, small: bool = False) -> dict | None:
    path = FIGURES / f"{name}{'.small' if small else ''}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def fill(template: str, metrics: dict | None) -> str:
    """The template with the metrics' values; MISSING where a key is absent or not a number."""
    if metrics is None:
        return MISSING
    try:
        # a key with a dot ("bleu_beam_alpha_0.7") is also there as "bleu_beam_alpha_0_7"
        text = string.Formatter().vformat(template, (), _Missing(
            {**{k.replace(".", "_"): v for k, v in metrics.items()}, **metrics}))
    except (KeyError, ValueError, TypeError):
        return MISSING
    return MISSING if "nan" in text.split() else text


def example_table(name: str) -> str:
    example = EXAMPLES[name]
    full, small = load(name), load(name, small=True)
    if full is None and small is None:
        raise SystemExit(f"docs/figures/{name}.json and {name}.small.json are both missing: run "
                         f"examples/{name}.py and `python -m examples.figures --update {name} OUT`")
    columns = [(heading, m) for heading, m in (("full run", full), ("`--small`", small)) if m is not None]
    lines = ["| figure | " + " | ".join(h for h, _ in columns) + " |", "| --- |" + " --- |" * len(columns)]
    for label, template in example.rows:
        lines.append(f"| {label} | " + " | ".join(fill(template, m) for _, m in columns) + " |")
    return "\n".join(lines) + "\n"


def results_table() -> str:
    lines = ["| example (the course's) | wall time | quality reached (full run) |", "| --- | --- | --- |"]
    for name in RESULTS:
        example, full = EXAMPLES[name], load(name)
        link = RESULT_LINKS[name]
        seconds = fill("{seconds:.0f} s", full)
        lines.append(f"| [`{name}.py`]({link}): {example.title} | {seconds} | {fill(example.summary, full)} |")
    return "\n".join(lines) + "\n"


def render(region: str) -> str:
    if region == "results":
        return results_table()
    if region not in EXAMPLES:
        raise SystemExit(f"unknown figures region {region!r}: use 'results' or one of {', '.join(EXAMPLES)}")
    return example_table(region)


def rewrite(text: str) -> str:
    return REGION.sub(lambda m: m.group(1) + render(m.group(2)) + m.group(4), text)


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "<!-- figures:" in p.read_text(encoding="utf-8"))


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def check() -> list[str]:
    """The pages whose tables differ from what the committed metrics give."""
    return [_shown(p) for p in pages() if rewrite(p.read_text(encoding="utf-8")) != p.read_text(encoding="utf-8")]


def update(name: str, out: str, small: bool) -> Path:
    if name not in EXAMPLES:
        raise SystemExit(f"unknown example {name!r}: one of {', '.join(EXAMPLES)}")
    source = Path(out) / "metrics.json"
    if not source.exists():
        raise SystemExit(f"no {source}: run python examples/{name}.py{' --small' if small else ''} --out {out}")
    metrics = json.loads(source.read_text(encoding="utf-8"))
    bad = [k for k, v in metrics.items() if isinstance(v, float) and not math.isfinite(v)]
    if bad:
        raise SystemExit(f"{source} has non-finite figures {bad}: not copied")
    target = FIGURES / f"{name}{'.small' if small else ''}.json"
    FIGURES.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="exit 1 if a docs table is out of date")
    p.add_argument("--update", nargs=2, metavar=("EXAMPLE", "OUT"), help="copy OUT/metrics.json in")
    p.add_argument("--small", action="store_true", help="with --update: the run was --small")
    p.add_argument("--pictures", action="store_true", help="list which example draws each docs picture")
    args = p.parse_args(argv)
    if args.update:
        print(f"wrote {update(*args.update, args.small).relative_to(ROOT)}")
        return 0
    if args.pictures:
        for name, example in EXAMPLES.items():
            small = " --small" if load(name) is None else ""      # the pages show the run they have figures of
            for picture in example.pictures:
                state = "" if (DOCS / "img" / picture).exists() else "  (missing)"
                print(f"docs/img/{picture:<26} python examples/{name}.py{small} --out OUT && "
                      f"cp OUT/{picture} docs/img/{state}")
        return 0
    if args.check:
        stale = check()
        if stale:
            print("figure tables out of date (run `python -m examples.figures`): " + ", ".join(stale))
            return 1
        print(f"figure tables up to date in {len(pages())} pages")
        return 0
    for page in pages():
        text = page.read_text(encoding="utf-8")
        new = rewrite(text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            print(f"rewrote {_shown(page)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
