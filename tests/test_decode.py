"""nn.decode: greedy decoding, beam search, length normalisation, eos, error analysis.

The models here are hand-built: a table of next-word probabilities for every
prefix, so the best sentence is known by enumeration and the tests can say
exactly what each search must return.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
import nn
from nn.decode import (
    Hypothesis,
    beam_search,
    error_analysis,
    greedy_decode,
    length_normalised,
    map_state,
    sequence_log_prob,
)

BOS, EOS, A, B = 0, 1, 2, 3
VOCAB = 4
TINY = 1e-6  # the probability of words a table does not mention


class PrefixModel:
    """P(next word | prefix) from a dict prefix-tuple -> {word: probability}.

    The state is the prefix itself, an integer Tensor (batch, t) that beam search
    reorders like any model state. Unlisted prefixes end the sentence.
    """

    def __init__(self, table, backend, log_probs=True):
        self.table = table
        self.backend = backend
        self.log_probs = log_probs
        self.calls = 0

    def initial_state(self, batch):
        return mg.zeros((batch, 0), dtype="int64", backend=self.backend)

    def distribution(self, prefix):
        probs = np.full(VOCAB, TINY)
        for word, p in self.table.get(tuple(prefix), {EOS: 1.0}).items():
            probs[word] = p
        return probs / probs.sum()

    def step(self, tokens, state):
        self.calls += 1
        history = mg.cat([state, tokens.unsqueeze(1)], axis=1)
        rows = [self.distribution(row[1:]) for row in history.tolist()]  # drop bos; explicit host copy
        scores = np.log(rows)
        if not self.log_probs:  # unnormalised logits: the searches must normalise them
            scores = scores + 3.0
        return mg.tensor(scores, dtype="float64", backend=self.backend), history

    def log_prob(self, sentence, with_eos=True):
        words = list(sentence) + ([EOS] if with_eos else [])
        return sum(math.log(self.distribution(words[:i])[w]) for i, w in enumerate(words))


# Greedy takes A (0.5) then A (0.4): P(A A) = 0.2; the best sentence is B (0.4 * 0.9 = 0.36).
GREEDY_TRAP = {
    (): {A: 0.5, B: 0.4, EOS: 0.1},
    (A,): {A: 0.4, B: 0.3, EOS: 0.3},
    (B,): {EOS: 0.9, A: 0.05, B: 0.05},
}
# Unnormalised, the empty sentence wins (0.45 > 0.55 * 0.8 * 0.95 = 0.418);
# per word (alpha = 1), A A wins: log(0.418) / 3 > log(0.45) / 1.
SHORT_BIAS = {
    (): {EOS: 0.45, A: 0.55},
    (A,): {A: 0.8, EOS: 0.2},
    (A, A): {EOS: 0.95, A: 0.025, B: 0.025},
}


def all_sentences(model, max_len):
    """Every sentence of up to max_len words (eos included), with its log P and length."""
    for n in range(max_len):
        for words in itertools.product([A, B, BOS], repeat=n):
            yield list(words), model.log_prob(words), n + 1
    for words in itertools.product([A, B, BOS], repeat=max_len):  # cut at max_len, no eos
        yield list(words), model.log_prob(words, with_eos=False), max_len


# -- greedy ---------------------------------------------------------------------------------
def test_greedy_follows_the_most_likely_word(backend):
    model = PrefixModel(GREEDY_TRAP, backend)
    [hyp] = greedy_decode(model.step, model.initial_state(1), bos=BOS, eos=EOS, max_len=5)
    assert hyp.tokens == [A, A]
    assert hyp.finished
    assert hyp.log_prob == pytest.approx(model.log_prob([A, A]))
    assert model.calls == 3  # stopped at eos


def test_greedy_without_eos_stops_at_max_len(backend):
    table = {(): {A: 0.9}, (A,): {A: 0.9}, (A, A): {A: 0.9}, (A, A, A): {A: 0.9}}
    model = PrefixModel(table, backend)
    [hyp] = greedy_decode(model.step, model.initial_state(1), bos=BOS, eos=EOS, max_len=3)
    assert hyp.tokens == [A, A, A]
    assert not hyp.finished
    assert len(hyp) == 3
    assert hyp.log_prob == pytest.approx(model.log_prob([A, A, A], with_eos=False))


ENDS_AT_ONCE = {(): {EOS: 0.9, A: 0.1}}


class MixedModel:
    """Batch item i follows tables[which[i]]: items that behave differently in one batch."""

    def __init__(self, tables, backend):
        self.models = [PrefixModel(t, backend) for t in tables]

    def step(self, tokens, state):
        which, history = state
        scores = [self.models[w].step(tokens[i:i + 1], history[i:i + 1])[0]
                  for i, w in enumerate(which.tolist())]
        return mg.cat(scores, axis=0), (which, mg.cat([history, tokens.unsqueeze(1)], axis=1))

    @staticmethod
    def initial_state(which, backend):
        return (mg.tensor(which, backend=backend), mg.zeros((len(which), 0), dtype="int64", backend=backend))


def test_greedy_batch_with_different_ends(backend):
    """Rows end at different steps; nothing after a row's eos is kept."""
    model = MixedModel([GREEDY_TRAP, ENDS_AT_ONCE], backend)
    hyps = greedy_decode(model.step, MixedModel.initial_state([0, 1, 0], backend), bos=BOS, eos=EOS, max_len=6)
    assert [h.tokens for h in hyps] == [[A, A], [], [A, A]]
    assert all(h.finished for h in hyps)
    assert hyps[1].log_prob == pytest.approx(math.log(0.9), rel=1e-4)


# -- beam search ----------------------------------------------------------------------------
def test_beam_finds_the_best_sentence_greedy_misses(backend):
    model = PrefixModel(GREEDY_TRAP, backend)
    state = model.initial_state(1)
    [greedy] = greedy_decode(model.step, state, bos=BOS, eos=EOS, max_len=4)
    [[best]] = beam_search(model.step, state, bos=BOS, eos=EOS, max_len=4, beam_width=2, alpha=0.0)
    truth = max(all_sentences(model, 4), key=lambda s: s[1])
    assert greedy.tokens == [A, A]
    assert best.tokens == truth[0] == [B]
    assert best.finished
    assert best.log_prob == pytest.approx(math.log(0.36), rel=1e-4)
    assert best.log_prob > greedy.log_prob


@pytest.mark.parametrize("alpha", [0.0, 0.7, 1.0])
@pytest.mark.parametrize("table", [GREEDY_TRAP, SHORT_BIAS], ids=["trap", "short"])
def test_wide_beam_is_exhaustive(backend, alpha, table):
    """A beam as wide as every prefix finds the exact argmax of the normalised score."""
    model = PrefixModel(table, backend)
    max_len = 3
    [hyps] = beam_search(model.step, model.initial_state(1), bos=BOS, eos=EOS, max_len=max_len,
                         beam_width=64, alpha=alpha, n_best=5)
    ranked = sorted(all_sentences(model, max_len), key=lambda s: length_normalised(s[1], s[2], alpha),
                    reverse=True)
    assert [h.tokens for h in hyps][:2] == [s[0] for s in ranked[:2]]
    assert hyps[0].score == pytest.approx(length_normalised(ranked[0][1], ranked[0][2], alpha), rel=1e-6)
    assert [h.score for h in hyps] == sorted((h.score for h in hyps), reverse=True)


def test_length_normalisation_changes_the_winner(backend):
    model = PrefixModel(SHORT_BIAS, backend)
    state = model.initial_state(1)
    [[plain]] = beam_search(model.step, state, bos=BOS, eos=EOS, max_len=5, beam_width=2, alpha=0.0)
    [[per_word]] = beam_search(model.step, state, bos=BOS, eos=EOS, max_len=5, beam_width=2, alpha=1.0)
    assert plain.tokens == []
    assert per_word.tokens == [A, A]
    assert per_word.score == pytest.approx(per_word.log_prob / 3)
    assert plain.score == pytest.approx(math.log(0.45), rel=1e-4)


def test_length_normalised():
    assert length_normalised(-6.0, 3, 0.0) == -6.0
    assert length_normalised(-6.0, 3, 1.0) == -2.0
    assert length_normalised(-6.0, 4, 0.5) == -3.0
    assert Hypothesis([A, A], -6.0, -2.0, True).__len__() == 3


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("log_probs", [True, False], ids=["log_probs", "logits"])
def test_width_one_is_greedy(backend, seed, log_probs):
    """On random tables and a batch: beam_width=1 returns greedy's sentences and scores."""
    rng = np.random.default_rng(seed)
    table = {}
    for n in range(4):
        for prefix in itertools.product([A, B], repeat=n):
            p = rng.dirichlet(np.ones(3))
            table[prefix] = {EOS: p[0], A: p[1], B: p[2]}
    model = PrefixModel(table, backend, log_probs=log_probs)
    state = model.initial_state(3)
    greedy = greedy_decode(model.step, state, bos=BOS, eos=EOS, max_len=6)
    for alpha, early_stopping in [(0.0, False), (0.7, True), (0.0, True)]:
        beams = beam_search(model.step, state, bos=BOS, eos=EOS, max_len=6, beam_width=1,
                            alpha=alpha, early_stopping=early_stopping)
        for g, [b] in zip(greedy, beams):
            assert b.tokens == g.tokens
            assert b.finished == g.finished
            assert b.log_prob == pytest.approx(g.log_prob, abs=1e-9)


def test_beam_batch_equals_items_one_by_one(backend):
    """Items of a batch are searched independently."""
    tables = [GREEDY_TRAP, SHORT_BIAS, ENDS_AT_ONCE]
    which = [0, 1, 2, 0]
    model = MixedModel(tables, backend)
    batched = beam_search(model.step, MixedModel.initial_state(which, backend), bos=BOS, eos=EOS,
                          max_len=5, beam_width=2, alpha=1.0, n_best=2)
    for item, w in enumerate(which):
        single = PrefixModel(tables[w], backend)
        alone = beam_search(single.step, single.initial_state(1), bos=BOS, eos=EOS, max_len=5,
                            beam_width=2, alpha=1.0, n_best=2)[0]
        assert [h.tokens for h in batched[item]] == [h.tokens for h in alone]
        assert [h.score for h in batched[item]] == pytest.approx([h.score for h in alone])


def test_beam_eos_handling(backend):
    """Finished sentences are not extended; unfinished ones at max_len are marked so."""
    model = PrefixModel(GREEDY_TRAP, backend)
    [hyps] = beam_search(model.step, model.initial_state(1), bos=BOS, eos=EOS, max_len=4,
                         beam_width=3, alpha=0.0, n_best=3)
    for h in hyps:
        assert EOS not in h.tokens and BOS not in h.tokens
        assert h.finished
        assert h.log_prob == pytest.approx(model.log_prob(h.tokens), rel=1e-6)
    never_ends = {(): {A: 0.6, B: 0.4}, (A,): {A: 0.6, B: 0.4}, (B,): {A: 0.6, B: 0.4}}
    never_ends.update({p: {A: 0.6, B: 0.4} for p in itertools.product([A, B], repeat=2)})
    model = PrefixModel(never_ends, backend)
    [hyps] = beam_search(model.step, model.initial_state(1), bos=BOS, eos=EOS, max_len=2,
                         beam_width=2, alpha=0.0, n_best=2)
    assert [h.tokens for h in hyps] == [[A, A], [A, B]]
    assert not any(h.finished for h in hyps)
    assert hyps[0].log_prob == pytest.approx(model.log_prob([A, A], with_eos=False), rel=1e-6)


def test_state_structures_are_reordered(backend):
    """Tuples, named tuples, lists and dicts of Tensors all follow their beams."""
    model = PrefixModel(GREEDY_TRAP, backend)

    def step(tokens, state):
        scores, history = model.step(tokens, state["history"])
        assert isinstance(state["memory"], nn.AttentionMemory)
        # Every row's copy of the per-item memory must still belong to its own item.
        assert host(state["memory"].keys)[:, 0, 0].tolist() == host(state["item"]).tolist()
        return scores, {"history": history, "memory": state["memory"], "item": state["item"],
                        "extra": [state["extra"][0]], "label": "kept"}

    keys = mg.tensor(np.arange(2, dtype=np.float64).reshape(2, 1, 1) * np.ones((2, 3, 2)), backend=backend)
    state = {"history": model.initial_state(2), "memory": nn.AttentionMemory(keys, None, None, None),
             "item": mg.tensor([0.0, 1.0], backend=backend), "extra": [mg.zeros(2, 5, backend=backend)],
             "label": "kept"}
    results = beam_search(step, state, bos=BOS, eos=EOS, max_len=4, beam_width=3, alpha=0.0)
    assert [r[0].tokens for r in results] == [[B], [B]]


def test_map_state():
    memory = nn.AttentionMemory(mg.ones(2, 3, 1), None, mg.zeros(2, 3, 1), None)
    state = {"a": (mg.ones(2), [mg.zeros(2, 1), None]), "m": memory, "n": 7}
    doubled = map_state(lambda t: t * 2, state)
    assert host(doubled["a"][0]).tolist() == [2.0, 2.0]
    assert doubled["a"][1][1] is None and doubled["n"] == 7
    assert isinstance(doubled["m"], nn.AttentionMemory) and doubled["m"].projected_keys is None


# -- scoring and error analysis ---------------------------------------------------------------
def test_sequence_log_prob(backend):
    model = PrefixModel(GREEDY_TRAP, backend)
    sentences = [[A, A], [B], []]
    scores = sequence_log_prob(model.step, model.initial_state(3), sentences, bos=BOS, eos=EOS)
    assert_close(scores, [model.log_prob(s) for s in sentences], atol=1e-9)
    no_eos = sequence_log_prob(model.step, model.initial_state(3), sentences, bos=BOS, eos=EOS,
                               append_eos=[False, True, True])
    assert host(no_eos)[0] == pytest.approx(model.log_prob([A, A], with_eos=False))


def test_sequence_log_prob_is_differentiable(backend):
    """The sentence log-likelihood backpropagates into the model (a training loss)."""
    logits = mg.tensor(np.random.default_rng(0).normal(size=(VOCAB, VOCAB)), dtype="float64",
                       backend=backend, requires_grad=True)

    def step(tokens, state):  # a bigram model: the next word depends on the last one
        return logits[tokens], state

    state = mg.zeros(2, 1, backend=backend)
    assert mg.gradcheck(lambda t: sequence_log_prob(step, state, [[A, B], [B]], bos=BOS, eos=EOS), (logits,))


def test_error_analysis_blames_search_or_model(backend):
    model = PrefixModel(GREEDY_TRAP, backend)
    state = model.initial_state(3)
    greedy = greedy_decode(model.step, state, bos=BOS, eos=EOS, max_len=4)  # A A every time
    references = [[B], [A, A], [A, B]]
    analysis = error_analysis(model.step, state, references, greedy, bos=BOS, eos=EOS)
    # P(B) = 0.36 > P(A A) = 0.2: the search missed it. P(A B) = 0.15 < 0.2: the model is wrong.
    assert analysis.verdicts == ["search", "correct", "model"]
    assert analysis.counts == {"correct": 1, "search": 1, "model": 1}
    assert analysis.search_fraction == 0.5 and analysis.errors == 2
    assert analysis.reference_scores[0] == pytest.approx(math.log(0.36), rel=1e-4)
    assert "1 (50%) beam search" in str(analysis)
    # The beam fixes the search error; what is left is the model's.
    beams = [b[0] for b in beam_search(model.step, state, bos=BOS, eos=EOS, max_len=4, beam_width=2, alpha=0.0)]
    after = error_analysis(model.step, state, references, beams, bos=BOS, eos=EOS)
    assert after.verdicts == ["correct", "model", "model"]


def test_error_analysis_with_length_normalisation(backend):
    """Compared under the search's own objective: per word, A A beats the empty sentence."""
    model = PrefixModel(SHORT_BIAS, backend)
    state = model.initial_state(1)
    plain = error_analysis(model.step, state, [[A, A]], [[]], bos=BOS, eos=EOS, alpha=0.0)
    per_word = error_analysis(model.step, state, [[A, A]], [[]], bos=BOS, eos=EOS, alpha=1.0)
    assert plain.verdicts == ["model"]
    assert per_word.verdicts == ["search"]


# -- errors -------------------------------------------------------------------------------------
def test_decode_errors(backend):
    model = PrefixModel(GREEDY_TRAP, backend)
    state = model.initial_state(2)
    with pytest.raises(ValueError, match="beam_width must be a positive int"):
        beam_search(model.step, state, bos=BOS, eos=EOS, max_len=3, beam_width=0)
    with pytest.raises(ValueError, match="n_best must be an int in \\[1, beam_width=2\\]"):
        beam_search(model.step, state, bos=BOS, eos=EOS, max_len=3, beam_width=2, n_best=3)
    with pytest.raises(ValueError, match="max_len must be a positive int"):
        greedy_decode(model.step, state, bos=BOS, eos=EOS, max_len=0)
    with pytest.raises(ValueError, match="no Tensor to read the batch size"):
        greedy_decode(model.step, None, bos=BOS, eos=EOS, max_len=3)
    with pytest.raises(ValueError, match="batch on axis 0"):
        greedy_decode(model.step, (state, mg.zeros(3, 1, backend=backend)), bos=BOS, eos=EOS, max_len=3)
    with pytest.raises(ValueError, match="scores of shape \\(batch, vocab\\)"):
        greedy_decode(lambda t, s: (mg.zeros(VOCAB, backend=backend), s), state, bos=BOS, eos=EOS, max_len=3)
    with pytest.raises(TypeError, match="must return \\(scores, new_state\\)"):
        greedy_decode(lambda t, s: mg.zeros(2, VOCAB, backend=backend), state, bos=BOS, eos=EOS, max_len=3)
    with pytest.raises(ValueError, match="2 references but 1 outputs"):
        error_analysis(model.step, state, [[A], [B]], [[A]], bos=BOS, eos=EOS)
