"""Decoding a trained sequence model: greedy search, beam search, and error analysis.

A conditional language model gives P(y<1>, ..., y<Ty> | x) one word at a time. Picking
the most likely sentence, argmax_y Π_t P(y<t> | x, y<1>, ..., y<t-1>), is a search:

- `greedy_decode` takes the single most likely word at every step;
- `beam_search` keeps the `beam_width` most likely partial sentences at every step
  (width 1 is greedy), and ranks the finished ones by the length-normalised
  log-likelihood (1 / Ty^α) Σ_t log P(y<t> | x, y<1..t-1>), which stops the search
  from preferring short sentences just because they multiply fewer probabilities;
- `error_analysis` is the course's diagnosis of a wrong output ŷ against a human
  reference y*: if the model scores P(y*|x) > P(ŷ|x), the search missed a better
  sentence (blame beam search); otherwise the model prefers a wrong sentence (blame
  the model).

The model is seen only through a *step function*:

    step(tokens, state) -> (scores, new_state)

`tokens` is an integer Tensor (N,) of the previous words (the `bos` token first);
`scores` (N, vocab) are logits or log-probabilities (normalised here with
log_softmax, which leaves log-probabilities unchanged); `state` is anything the
model carries between steps: a Tensor or a tuple (named tuples too), list or dict of
Tensors, each with the batch on axis 0, nested freely; other leaves (None, ints) pass
through untouched. Beam search copies every Tensor of it per beam and reorders it as
beams are chosen, so put the encoder's outputs there too (an `nn.AttentionMemory` is
such a tuple).

Searches run without building a graph (under `mg.no_grad()`); the model's arithmetic
stays on its backend, and only the chosen token ids and their scores come to the
host, explicitly, once per step.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import minigrad as mg

Step = Callable[[mg.Tensor, Any], "tuple[mg.Tensor, Any]"]


@dataclass
class Hypothesis:
    """One decoded sentence, as `greedy_decode` and `beam_search` return them.

    `len(h)` is Ty, the length its score was normalised by: the words plus the `eos`
    when finished.

    Attributes:
        tokens: the words, without `bos` and without `eos`.
        log_prob: log P(y | x), the sum of the chosen words' log-probabilities, `eos`
            included when `finished`.
        score: `log_prob / Ty**alpha` with Ty = len(tokens) + finished (the
            length-normalised objective; equal to `log_prob` for alpha = 0).
        finished: whether the sentence ended with `eos` (rather than at `max_len`).

    Examples:
        >>> h = nn.decode.Hypothesis(tokens=[5, 7], log_prob=-1.2, score=-0.4, finished=True)
        >>> len(h), h.tokens
        (3, [5, 7])
    """

    tokens: list[int]
    log_prob: float
    score: float
    finished: bool

    def __len__(self) -> int:
        return len(self.tokens) + int(self.finished)


def length_normalised(log_prob: float, length: int, alpha: float) -> float:
    """The course's length normalisation: log_prob / length**alpha.

    alpha = 0 is none (the raw log-likelihood, which favours short sentences), 1 is the
    mean log-probability per word; the course suggests 0.7.

    Args:
        log_prob: log P(y | x).
        length: Ty; a length <= 0 returns `log_prob` unchanged.
        alpha: the exponent, >= 0.

    Returns:
        The normalised score, a float.

    Examples:
        >>> nn.decode.length_normalised(-6.0, 4, 0.5)
        -3.0
        >>> nn.decode.length_normalised(-6.0, 4, 0.0)
        -6.0
    """
    if alpha == 0 or length <= 0:
        return float(log_prob)
    return float(log_prob) / length ** alpha


# -- the state protocol -------------------------------------------------------------------
def map_state(fn: Callable[[mg.Tensor], mg.Tensor], state: Any) -> Any:
    """`state` with `fn` applied to every Tensor in it (tuples, named tuples, lists, dicts).

    The decoders' view of a model's state: beam search uses it to copy each Tensor per
    beam and reorder the beams. Other leaves (None, ints) pass through untouched.

    Args:
        fn: a function Tensor -> Tensor.
        state: a Tensor or any nesting of tuples (named too), lists and dicts.

    Returns:
        The same structure with every Tensor replaced by `fn(tensor)`.

    Examples:
        >>> state = (mg.ones(2), {"memory": [mg.zeros(1), None]})
        >>> nn.decode.map_state(lambda t: t + 1, state)
        (tensor([2., 2.]), {'memory': [tensor([1.]), None]})
    """
    if isinstance(state, mg.Tensor):
        return fn(state)
    if isinstance(state, tuple):
        items = [map_state(fn, item) for item in state]
        return type(state)(*items) if hasattr(type(state), "_fields") else tuple(items)
    if isinstance(state, list):
        return [map_state(fn, item) for item in state]
    if isinstance(state, dict):
        return {key: map_state(fn, value) for key, value in state.items()}
    return state


def _tensors(state: Any) -> list[mg.Tensor]:
    found: list[mg.Tensor] = []
    map_state(lambda t: found.append(t) or t, state)
    return found


def _batch_and_backend(state: Any, batch_size: int | None, backend: str | None, who: str) -> tuple[int, str]:
    tensors = _tensors(state)
    sizes = {t.shape[0] if t.ndim else None for t in tensors}
    if batch_size is None:
        if not tensors:
            raise ValueError(f"{who}: the state holds no Tensor to read the batch size from; "
                             "pass batch_size=")
        if len(sizes) != 1 or None in sizes:
            raise ValueError(f"{who}: every Tensor in the state needs the batch on axis 0, got "
                             f"shapes {[tuple(t.shape) for t in tensors]}")
        batch_size = sizes.pop()
    elif tensors and sizes != {batch_size}:
        raise ValueError(f"{who}: batch_size={batch_size}, but the state's Tensors have shapes "
                         f"{[tuple(t.shape) for t in tensors]} (batch on axis 0)")
    if backend is None:
        backend = tensors[0].backend if tensors else mg.get_default_backend()
    return batch_size, backend


def _step(step: Step, tokens: mg.Tensor, state: Any, rows: int, who: str) -> tuple[mg.Tensor, Any]:
    """Run the model one step; its scores as log-probabilities (rows, vocab)."""
    out = step(tokens, state)
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"{who}: step(tokens, state) must return (scores, new_state), got "
                        f"{type(out).__name__}")
    scores, state = out
    if not isinstance(scores, mg.Tensor) or scores.ndim != 2 or scores.shape[0] != rows:
        shape = tuple(scores.shape) if isinstance(scores, mg.Tensor) else type(scores).__name__
        raise ValueError(f"{who}: step must return scores of shape (batch, vocab) with batch "
                         f"{rows}, got {shape}")
    return scores.log_softmax(axis=-1), state


def _check_common(bos: int, eos: int, max_len: int, who: str) -> None:
    for name, value in (("bos", bos), ("eos", eos)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{who}: {name} must be a token id (int >= 0), got {value!r}")
    if not isinstance(max_len, int) or isinstance(max_len, bool) or max_len < 1:
        raise ValueError(f"{who}: max_len must be a positive int, got {max_len!r}")


# -- greedy -------------------------------------------------------------------------------
def greedy_decode(step: Step, state: Any, *, bos: int, eos: int, max_len: int,
                  alpha: float = 0.0, batch_size: int | None = None,
                  backend: str | None = None) -> list[Hypothesis]:
    """The most likely word at every step, for a whole batch at once.

    ŷ<t> = argmax P(y<t> | x, ŷ<1..t-1>). A sentence ends at its first `eos` or after
    `max_len` words; stepping stops as soon as every sentence has ended. Runs under
    `mg.no_grad()`; only the chosen ids and their log-probabilities come to the host.
    The step protocol is in the module docstring.

    Args:
        step: `step(tokens (N,), state) -> (scores (N, vocab), new_state)`.
        state: the model's initial state, batch on axis 0 (or None with `batch_size`).
        bos: the start token fed first.
        eos: the end token.
        max_len: the most words per sentence.
        alpha: only sets each hypothesis's `score`.
        batch_size: needed when the state holds no Tensor.
        backend: of the token Tensors; None: the state's (or the default).

    Returns:
        One `Hypothesis` per batch item, in order.

    Raises:
        ValueError: bad bos/eos/max_len, a state without the batch on axis 0, or scores
            that are not (batch, vocab).
        TypeError: a step that does not return `(scores, state)`.

    Examples:
        >>> # a toy bigram model: 0 = bos, 1 = eos, 2 = "a", 3 = "b"
        >>> P = mg.tensor([[0.0, 0.1, 0.5, 0.4],     # after bos
        ...                [0.0, 1.0, 0.0, 0.0],     # after eos
        ...                [0.0, 0.3, 0.4, 0.3],     # after "a"
        ...                [0.0, 0.9, 0.05, 0.05]])  # after "b"
        >>> step = lambda tokens, state: ((P[tokens] + 1e-9).log(), state)
        >>> [h] = nn.decode.greedy_decode(step, None, bos=0, eos=1, max_len=3, batch_size=1)
        >>> h.tokens, h.finished, round(h.log_prob, 3)
        ([2, 2, 2], False, -2.526)
    """
    who = "greedy_decode"
    _check_common(bos, eos, max_len, who)
    batch, backend = _batch_and_backend(state, batch_size, backend, who)
    rows = mg.arange(batch, backend=backend)
    chosen, chosen_log_probs = [], []
    with mg.no_grad():
        tokens = mg.full((batch,), bos, dtype="int64", backend=backend)
        ended = mg.zeros(batch, dtype="bool", backend=backend)
        for _ in range(max_len):
            log_probs, state = _step(step, tokens, state, batch, who)
            tokens = log_probs.argmax(axis=-1)                     # ŷ<t> = argmax P(y<t> | x, ŷ<1..t-1>)
            chosen.append(tokens)
            chosen_log_probs.append(log_probs[rows, tokens])
            ended = mg.where(ended, True, tokens == eos)
            if ended.all().item():                                 # one explicit sync per step
                break
        words = mg.stack(chosen, axis=1).tolist()
        word_log_probs = mg.stack(chosen_log_probs, axis=1).tolist()
    results = []
    for row_words, row_log_probs in zip(words, word_log_probs):
        finished = eos in row_words
        length = row_words.index(eos) + 1 if finished else len(row_words)
        log_prob = math.fsum(row_log_probs[:length])
        tokens_out = row_words[:length - 1] if finished else row_words
        results.append(Hypothesis(tokens_out, log_prob, length_normalised(log_prob, length, alpha), finished))
    return results


# -- beam search ----------------------------------------------------------------------------
def beam_search(step: Step, state: Any, *, bos: int, eos: int, max_len: int, beam_width: int = 3,
                alpha: float = 0.7, n_best: int = 1, early_stopping: bool = False,
                batch_size: int | None = None, backend: str | None = None) -> list[list[Hypothesis]]:
    """Beam search for a whole batch: the `n_best` best sentences of each item, best first.

    At every step each of the `beam_width` partial sentences of an item is extended
    by every word, and the `beam_width` most likely extensions (by log P, all the
    same length) survive. An extension by `eos` that ranks among those `beam_width`
    retires as a finished sentence instead, and the next candidate takes its place in
    the beam. Finished sentences are ranked by `score = log P / Ty**alpha` (alpha = 0:
    the raw log-likelihood; the course suggests 0.7); after `max_len` steps the
    unfinished beams join them.

    An item stops once `beam_width` sentences have finished and, unless
    `early_stopping`, no unfinished beam can still beat the `beam_width`-th best of
    them (log P only falls as words are added, so log P / max_len**alpha bounds what
    a beam can reach). With `early_stopping=True` it stops as soon as `beam_width`
    sentences have finished. With `beam_width=1` the search returns greedy's sentence
    when alpha = 0 or early_stopping is set.

    Args:
        step: `step(tokens (N,), state) -> (scores (N, vocab), new_state)`.
        state: the model's initial state, batch on axis 0 (or None with `batch_size`).
        bos: the start token fed first.
        eos: the end token.
        max_len: the most words per sentence.
        beam_width: B, the partial sentences kept per item.
        alpha: the length-normalisation exponent.
        n_best: how many sentences to return per item, in [1, beam_width].
        early_stopping: stop an item as soon as `beam_width` sentences have finished.
        batch_size: needed when the state holds no Tensor.
        backend: of the token Tensors; None: the state's (or the default).

    Returns:
        A list (one per batch item) of lists of `Hypothesis`, best score first.

    Raises:
        ValueError: a beam width below 1, n_best outside [1, beam_width], a negative
            alpha, or as `greedy_decode`.
        TypeError: a step that does not return `(scores, state)`.

    Examples:
        >>> # a toy bigram model: 0 = bos, 1 = eos, 2 = "a", 3 = "b"
        >>> P = mg.tensor([[0.0, 0.1, 0.5, 0.4],     # after bos
        ...                [0.0, 1.0, 0.0, 0.0],     # after eos
        ...                [0.0, 0.3, 0.4, 0.3],     # after "a"
        ...                [0.0, 0.9, 0.05, 0.05]])  # after "b"
        >>> step = lambda tokens, state: ((P[tokens] + 1e-9).log(), state)
        >>> [[best]] = nn.decode.beam_search(step, None, bos=0, eos=1, max_len=3, beam_width=2,
        ...                                  alpha=0.0, batch_size=1)
        >>> best.tokens, best.finished, round(best.log_prob, 3)     # greedy's "a a a" had -2.526
        ([3], True, -1.022)
    """
    who = "beam_search"
    _check_common(bos, eos, max_len, who)
    if not isinstance(beam_width, int) or isinstance(beam_width, bool) or beam_width < 1:
        raise ValueError(f"{who}: beam_width must be a positive int, got {beam_width!r}")
    if not isinstance(n_best, int) or not 1 <= n_best <= beam_width:
        raise ValueError(f"{who}: n_best must be an int in [1, beam_width={beam_width}], got {n_best!r}")
    if not alpha >= 0:
        raise ValueError(f"{who}: alpha must be >= 0 (0: no length normalisation), got {alpha!r}")
    batch, backend = _batch_and_backend(state, batch_size, backend, who)
    width = beam_width
    rows = batch * width
    # Beam j of item b lives in row b * width + j of every state Tensor.
    state = map_state(lambda t: t[mg.tensor([b for b in range(batch) for _ in range(width)],
                                            backend=t.backend)], state)
    histories: list[list[list[int]]] = [[[] for _ in range(width)] for _ in range(batch)]
    finished: list[list[Hypothesis]] = [[] for _ in range(batch)]
    done = [False] * batch
    # Only beam 0 starts alive, so the first step does not pick the same word `width` times.
    alive_log_probs = [[0.0] + [-math.inf] * (width - 1) for _ in range(batch)]
    with mg.no_grad():
        tokens = mg.full((rows,), bos, dtype="int64", backend=backend)
        for length in range(1, max_len + 1):
            log_probs, state = _step(step, tokens, state, rows, who)
            vocab = log_probs.shape[1]
            # log P(y<1..t> | x) for every (beam, word): (batch, width * vocab)
            beam_scores = mg.tensor(alive_log_probs, dtype=log_probs.dtype, backend=backend)
            candidates = (log_probs.reshape(batch, width, vocab) + beam_scores.unsqueeze(2))
            candidates = candidates.reshape(batch, width * vocab).data
            xp = mg.get_array_module(candidates)
            keep = min(2 * width, width * vocab)  # enough that `width` non-eos ones remain
            order = xp.argsort(-candidates, axis=1, kind="stable")[:, :keep]
            best = xp.take_along_axis(candidates, order, axis=1)
            order, best = order.tolist(), best.tolist()            # the explicit trip to the host
            sources, next_tokens = [], []
            for b in range(batch):
                survivors = [] if done[b] else _advance(
                    order[b], best[b], vocab, width, eos, histories[b], finished[b], length, alpha)
                if not done[b]:
                    done[b] = _item_done(finished[b], survivors, width, max_len, alpha, early_stopping)
                if done[b]:
                    survivors = []
                histories[b] = [histories[b][beam] + [word] for beam, word, _ in survivors]
                alive_log_probs[b] = [log_prob for _, _, log_prob in survivors]
                # Dead rows keep stepping (the batch stays rectangular) but can never be chosen.
                padding = width - len(survivors)
                histories[b] += [[] for _ in range(padding)]
                alive_log_probs[b] += [-math.inf] * padding
                sources += [b * width + beam for beam, _, _ in survivors] + [b * width] * padding
                next_tokens += [word for _, word, _ in survivors] + [eos] * padding
            if all(done):
                break
            index = mg.tensor(sources, backend=backend)
            state = map_state(lambda t, index=index: t[index], state)
            tokens = mg.tensor(next_tokens, dtype="int64", backend=backend)
    results = []
    for b in range(batch):
        candidates_b = list(finished[b])
        if not done[b]:  # ran out of steps: the unfinished beams compete too
            for history, log_prob in zip(histories[b], alive_log_probs[b]):
                if log_prob > -math.inf:
                    candidates_b.append(Hypothesis(
                        history, log_prob, length_normalised(log_prob, len(history), alpha), False))
        candidates_b.sort(key=lambda h: h.score, reverse=True)
        results.append(candidates_b[:n_best])
    return results


def _advance(order: list[int], best: list[float], vocab: int, width: int, eos: int,
             histories: list[list[int]], finished: list[Hypothesis], length: int,
             alpha: float) -> list[tuple[int, int, float]]:
    """One item's step: retire top-`width` eos extensions, return up to `width` survivors
    as (source beam, word, log P)."""
    survivors = []
    for rank, (flat, log_prob) in enumerate(zip(order, best)):
        if log_prob == -math.inf:
            break
        beam, word = divmod(flat, vocab)
        if word == eos:
            if rank < width:
                finished.append(Hypothesis(list(histories[beam]), log_prob,
                                           length_normalised(log_prob, length, alpha), True))
            continue
        if len(survivors) < width:
            survivors.append((beam, word, log_prob))
    return survivors


def _item_done(finished: list[Hypothesis], survivors: list, width: int, max_len: int, alpha: float,
               early_stopping: bool) -> bool:
    if not survivors:
        return True
    if len(finished) < width:
        return False
    if early_stopping:
        return True
    threshold = sorted(h.score for h in finished)[-width]
    # The best any survivor can still reach: no more log-probability lost, the longest length.
    reachable = length_normalised(max(log_prob for _, _, log_prob in survivors), max_len, alpha)
    return reachable <= threshold


# -- scoring given sentences and error analysis ------------------------------------------
def sequence_log_prob(step: Step, state: Any, sequences: Sequence[Sequence[int]], *, bos: int,
                      eos: int, append_eos: bool | Sequence[bool] = True,
                      backend: str | None = None) -> mg.Tensor:
    """log P(y | x) of given sentences, one per batch item: a Tensor (batch,).

    Feeds each sentence to the model (teacher forcing: `bos`, y<1>, ..., y<T-1>) and
    sums log P(y<t> | x, y<1..t-1>) over its words, plus log P(eos | x, y) when
    `append_eos` (one flag for all or one per sentence). Differentiable when grad mode
    is on, so it is also the sentence-level log-likelihood for training.

    Args:
        step: the model's step function.
        state: the batch's initial state, batch on axis 0 (or None).
        sequences: one list of word ids per batch item (without bos/eos).
        bos: the start token.
        eos: the end token (also pads shorter sentences).
        append_eos: score the final `eos` too (bool, or one per sentence).
        backend: of the token Tensors; None: the state's (or the default).

    Returns:
        A Tensor (batch,) of log-probabilities.

    Raises:
        ValueError: as `greedy_decode`, or a wrong number of `append_eos` flags.

    Examples:
        >>> # a toy bigram model: 0 = bos, 1 = eos, 2 = "a", 3 = "b"
        >>> P = mg.tensor([[0.0, 0.1, 0.5, 0.4],     # after bos
        ...                [0.0, 1.0, 0.0, 0.0],     # after eos
        ...                [0.0, 0.3, 0.4, 0.3],     # after "a"
        ...                [0.0, 0.9, 0.05, 0.05]])  # after "b"
        >>> step = lambda tokens, state: ((P[tokens] + 1e-9).log(), state)
        >>> nn.decode.sequence_log_prob(step, None, [[3], [2, 2]], bos=0, eos=1).numpy().round(3)
        array([-1.022, -2.813], dtype=float32)
    """
    who = "sequence_log_prob"
    _check_common(bos, eos, 1, who)
    batch, backend = _batch_and_backend(state, len(sequences), backend, who)
    flags = [bool(append_eos)] * batch if isinstance(append_eos, bool) else [bool(f) for f in append_eos]
    if len(flags) != batch:
        raise ValueError(f"{who}: {len(flags)} append_eos flags for {batch} sentences")
    targets = [[int(w) for w in seq] + ([eos] if flag else []) for seq, flag in zip(sequences, flags)]
    steps = max(len(t) for t in targets)
    if steps == 0:
        return mg.zeros(batch, backend=backend)
    inputs = [[bos] + t[:-1] + [eos] * (steps - len(t)) for t in targets]
    padded = [t + [eos] * (steps - len(t)) for t in targets]
    present = [[i < len(t) for i in range(steps)] for t in targets]
    inputs = mg.tensor(inputs, dtype="int64", backend=backend)
    padded = mg.tensor(padded, dtype="int64", backend=backend)
    present = mg.tensor(present, backend=backend)
    rows = mg.arange(batch, backend=backend)
    total = None
    for t in range(steps):
        log_probs, state = _step(step, inputs[:, t], state, batch, who)
        picked = mg.where(present[:, t], log_probs[rows, padded[:, t]], 0.0)
        total = picked if total is None else total + picked
    return total


@dataclass
class ErrorAnalysis:
    """The course's error analysis over a set of examples, as `error_analysis` returns it.

    For every example, `verdicts[i]` is "correct" (ŷ = y*), "search" (the model scores
    the reference higher, P(y*|x) > P(ŷ|x): beam search missed it; a wider beam may
    help) or "model" (P(y*|x) <= P(ŷ|x): the model itself prefers the wrong sentence;
    more data, regularisation or another architecture may help). `str()` gives a
    one-line summary.

    Attributes:
        verdicts: one of "correct", "search", "model" per example.
        reference_scores: the objective of each y* (length-normalised with `alpha`).
        output_scores: the objective of each ŷ.
        alpha: the length-normalisation exponent used.
        counts: verdict -> number of examples.

    Examples:
        >>> report = nn.decode.ErrorAnalysis(["correct", "search", "model", "search"],
        ...                                  [0.0] * 4, [0.0] * 4)
        >>> report.counts
        {'correct': 1, 'search': 2, 'model': 1}
        >>> print(report)
        error analysis: 3 errors in 4 examples: 2 (67%) beam search, 1 (33%) model
    """

    verdicts: list[str] = field(repr=False)
    reference_scores: list[float] = field(repr=False)
    output_scores: list[float] = field(repr=False)
    alpha: float = 0.0
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = {kind: self.verdicts.count(kind) for kind in ("correct", "search", "model")}

    @property
    def errors(self) -> int:
        """The number of wrong outputs (verdict "search" or "model").

        Examples:
            >>> nn.decode.ErrorAnalysis(["correct", "model"], [0.0, 0.0], [0.0, 0.0]).errors
            1
        """
        return self.counts["search"] + self.counts["model"]

    @property
    def search_fraction(self) -> float:
        """The share of the errors that beam search is to blame for (0 with no errors).

        Examples:
            >>> nn.decode.ErrorAnalysis(["search", "model"], [0.0, 0.0], [0.0, 0.0]).search_fraction
            0.5
        """
        return self.counts["search"] / self.errors if self.errors else 0.0

    @property
    def model_fraction(self) -> float:
        """The share of the errors that the model is to blame for (0 with no errors).

        Examples:
            >>> nn.decode.ErrorAnalysis(["correct"], [0.0], [0.0]).model_fraction
            0.0
        """
        return self.counts["model"] / self.errors if self.errors else 0.0

    def __str__(self) -> str:
        if not self.errors:
            return f"error analysis: {len(self.verdicts)} examples, no errors"
        return (f"error analysis: {self.errors} errors in {len(self.verdicts)} examples: "
                f"{self.counts['search']} ({self.search_fraction:.0%}) beam search, "
                f"{self.counts['model']} ({self.model_fraction:.0%}) model")


def error_analysis(step: Step, state: Any, references: Sequence[Sequence[int]],
                   outputs: Sequence[Sequence[int] | Hypothesis], *, bos: int, eos: int,
                   alpha: float = 0.0, backend: str | None = None) -> ErrorAnalysis:
    """Blame beam search or the model for each wrong output (see `ErrorAnalysis`).

    Scores the reference y* and the search's output ŷ under the model with
    `sequence_log_prob`: if P(y*|x) > P(ŷ|x) the search is to blame, otherwise the model.
    Compare with the same `alpha` the search ranked by.

    Args:
        step: the model's step function.
        state: the batch's initial state, as given to the search.
        references: the correct sentences y* (word ids without bos/eos).
        outputs: the search's ŷ, as word lists or `Hypothesis` objects (an unfinished
            Hypothesis is scored without eos).
        bos: the start token.
        eos: the end token.
        alpha: the length-normalisation exponent.
        backend: of the token Tensors; None: the state's (or the default).

    Returns:
        An `ErrorAnalysis`.

    Raises:
        ValueError: different numbers of references and outputs (or as `sequence_log_prob`).

    Examples:
        >>> # a toy bigram model: 0 = bos, 1 = eos, 2 = "a", 3 = "b"
        >>> P = mg.tensor([[0.0, 0.1, 0.5, 0.4],     # after bos
        ...                [0.0, 1.0, 0.0, 0.0],     # after eos
        ...                [0.0, 0.3, 0.4, 0.3],     # after "a"
        ...                [0.0, 0.9, 0.05, 0.05]])  # after "b"
        >>> step = lambda tokens, state: ((P[tokens] + 1e-9).log(), state)
        >>> greedy = nn.decode.greedy_decode(step, None, bos=0, eos=1, max_len=3, batch_size=1)
        >>> report = nn.decode.error_analysis(step, None, [[3]], greedy, bos=0, eos=1)
        >>> report.verdicts, str(report)
        (['search'], 'error analysis: 1 errors in 1 examples: 1 (100%) beam search, 0 (0%) model')
    """
    if len(references) != len(outputs):
        raise ValueError(f"error_analysis: {len(references)} references but {len(outputs)} outputs")
    output_tokens = [list(o.tokens) if isinstance(o, Hypothesis) else [int(w) for w in o] for o in outputs]
    output_eos = [o.finished if isinstance(o, Hypothesis) else True for o in outputs]
    references = [[int(w) for w in r] for r in references]
    with mg.no_grad():
        reference_log_probs = sequence_log_prob(step, state, references, bos=bos, eos=eos,
                                                backend=backend).tolist()
        output_log_probs = sequence_log_prob(step, state, output_tokens, bos=bos, eos=eos,
                                             append_eos=output_eos, backend=backend).tolist()
    verdicts, reference_scores, output_scores = [], [], []
    for ref, out, out_eos, ref_lp, out_lp in zip(references, output_tokens, output_eos,
                                                 reference_log_probs, output_log_probs):
        ref_score = length_normalised(ref_lp, len(ref) + 1, alpha)
        out_score = length_normalised(out_lp, len(out) + int(out_eos), alpha)
        reference_scores.append(ref_score)
        output_scores.append(out_score)
        if ref == out and out_eos:
            verdicts.append("correct")
        else:
            verdicts.append("search" if ref_score > out_score else "model")
    return ErrorAnalysis(verdicts, reference_scores, output_scores, alpha)


# CTC outputs (speech): best-path and prefix beam search, in their own module.
from .ctc_decode import CTCHypothesis, collapse, ctc_beam_search, ctc_greedy_decode  # noqa: F401
