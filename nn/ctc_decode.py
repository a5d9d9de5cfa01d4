"""Reading CTC outputs: greedy decoding and prefix beam search.

A CTC network gives, at every input step t, log ŷ<t>(c) over the labels and the
blank. An output sequence is what a path collapses to (merge repeats, then drop
blanks), and its probability is the sum over all its paths.

- `ctc_greedy_decode` takes the most likely symbol at each step and collapses that
  single best path: fast, and usually close;
- `ctc_beam_search` is prefix beam search (Hannun et al., 2014): it keeps the
  `beam_width` most likely *output prefixes*, each with two probabilities, of its
  paths ending in a blank (p_b) and in its last label (p_nb), because the next step
  extends the two differently: a repeated label after a blank starts a new label,
  without one it merges into the last. It finds outputs whose probability is spread
  over many paths, which the greedy path misses.

Both bring the scores to the host once (an explicit transfer) and search there: the
search is sequential, with Python-sized state, like `nn.decode.beam_search`'s
bookkeeping.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np  # host-side search only: scores arrive by an explicit .numpy()

import minigrad as mg

_NEG_INF = -math.inf


@dataclass
class CTCHypothesis:
    """One decoded CTC output, as `ctc_beam_search` returns it.

    Attributes:
        tokens: the labels (collapsed: no blanks, no merged repeats).
        log_prob: log P(labels | x) summed over its paths (as far as the beam kept them).

    Examples:
        >>> nn.decode.CTCHypothesis(tokens=[3, 1], log_prob=-0.5)
        CTCHypothesis(tokens=[3, 1], log_prob=-0.5)
    """

    tokens: list[int]
    log_prob: float


def _lengths(input_lengths: Any, steps: int, batch: int) -> list[int]:
    """One length per sequence, in [0, steps]; all `steps` when None."""
    if input_lengths is None:
        return [steps] * batch
    if isinstance(input_lengths, mg.Tensor):
        input_lengths = input_lengths.tolist()
    if isinstance(input_lengths, int):
        input_lengths = [input_lengths]
    lengths = [int(n) for n in input_lengths]
    if len(lengths) != batch or min(lengths) < 0 or max(lengths) > steps:
        raise ValueError(f"CTC decoding: input_lengths {lengths} must give one length in [0, {steps}] "
                         f"per sequence of the batch of {batch}")
    return lengths


def _host_scores(log_probs: Any) -> np.ndarray:
    """Scores as a host (T, N, C) array: a Tensor is copied explicitly."""
    scores = log_probs.numpy() if isinstance(log_probs, mg.Tensor) else np.asarray(log_probs)
    if scores.ndim == 2:
        scores = scores[:, None, :]
    if scores.ndim != 3:
        raise ValueError(f"CTC decoding expects scores (T, N, C) or (T, C), got shape {scores.shape}")
    return scores


def collapse(path: Sequence[int], blank: int = 0) -> list[int]:
    """CTC's many-to-one map: merge repeated symbols, then drop blanks.

    "ttt_h_eee" → "the"; a blank between two equal symbols keeps both ("l_l" → "ll").

    Args:
        path: one symbol per input step.
        blank: the blank's index.

    Returns:
        The output labels, a list of ints.

    Examples:
        >>> nn.decode.collapse([2, 2, 0, 3, 0, 3, 3, 0])
        [2, 3, 3]
    """
    out, previous = [], None
    for symbol in path:
        if symbol != previous and symbol != blank:
            out.append(int(symbol))
        previous = symbol
    return out


def ctc_greedy_decode(log_probs: Any, input_lengths: Any = None, blank: int = 0) -> list[list[int]]:
    """Best path decoding of (T, N, C) (or (T, C)) scores: one label list per sequence.

    The most likely symbol at each step, collapsed: fast, and usually close to
    `ctc_beam_search`. The argmax runs on the scores' backend; only the (T, N) winners
    come to the host.

    Args:
        log_probs: (T, N, C) or (T, C) scores (Tensor or array; logits work too).
        input_lengths: one length per sequence, in [0, T]; None is T for all.
        blank: the blank's index.

    Returns:
        A list (one per sequence) of label lists.

    Raises:
        ValueError: input_lengths that do not fit the batch or T.

    Examples:
        >>> scores = mg.tensor([[0.1, 0.9, 0.0], [0.1, 0.9, 0.0], [0.8, 0.1, 0.1],
        ...                     [0.1, 0.9, 0.0], [0.0, 0.1, 0.9]])    # (T=5, C=3)
        >>> nn.decode.ctc_greedy_decode(scores)
        [[1, 1, 2]]
        >>> nn.decode.ctc_greedy_decode(scores, input_lengths=[2])
        [[1]]
    """
    if isinstance(log_probs, mg.Tensor):
        best = log_probs.argmax(axis=-1).numpy()
    else:
        best = np.asarray(log_probs).argmax(axis=-1)
    if best.ndim == 1:
        best = best[:, None]
    steps, batch = best.shape
    lengths = _lengths(input_lengths, steps, batch)
    return [collapse(best[:lengths[n], n].tolist(), blank) for n in range(batch)]


def _logaddexp(a: float, b: float) -> float:
    if a == _NEG_INF:
        return b
    if b == _NEG_INF:
        return a
    high, low = (a, b) if a > b else (b, a)
    return high + math.log1p(math.exp(low - high))


def _prefix_beam_search(scores: np.ndarray, beam_width: int, blank: int, candidates: int) -> CTCHypothesis:
    """Prefix beam search over one sequence's (T, C) log-probabilities."""
    beams: dict[tuple, list[float]] = {(): [0.0, _NEG_INF]}  # prefix -> [log p_b, log p_nb]
    for row in scores:
        # Only the most likely symbols of this step can extend a prefix usefully.
        top = np.argsort(row)[::-1][:candidates].tolist()
        row = row.tolist()
        following: dict[tuple, list[float]] = {}
        for prefix, (p_b, p_nb) in beams.items():
            total = _logaddexp(p_b, p_nb)
            stay = following.setdefault(prefix, [_NEG_INF, _NEG_INF])
            stay[0] = _logaddexp(stay[0], total + row[blank])  # a blank keeps the prefix
            for symbol in top:
                if symbol == blank:
                    continue
                extended = following.setdefault(prefix + (symbol,), [_NEG_INF, _NEG_INF])
                if prefix and prefix[-1] == symbol:
                    # "a a" merges into "a"; only "a _ a" makes a second a.
                    extended[1] = _logaddexp(extended[1], p_b + row[symbol])
                    stay[1] = _logaddexp(stay[1], p_nb + row[symbol])
                else:
                    extended[1] = _logaddexp(extended[1], total + row[symbol])
        ranked = sorted(following.items(), key=lambda item: _logaddexp(*item[1]), reverse=True)
        beams = dict(ranked[:beam_width])
    prefix, (p_b, p_nb) = max(beams.items(), key=lambda item: _logaddexp(*item[1]))
    return CTCHypothesis(list(prefix), _logaddexp(p_b, p_nb))


def ctc_beam_search(log_probs: Any, input_lengths: Any = None, beam_width: int = 8, blank: int = 0,
                    candidates: int | None = None) -> list[CTCHypothesis]:
    """Prefix beam search of (T, N, C) (or (T, C)) log-probabilities: the best output per sequence.

    Prefix beam search (Hannun et al., 2014) keeps the `beam_width` most likely output
    prefixes, each with the probability of its paths ending in a blank and in its last
    label, so it finds outputs whose probability is spread over many paths, which the
    greedy path misses. The scores come to the host once and the search runs there.

    Args:
        log_probs: (T, N, C) or (T, C) log-probabilities (Tensor or array).
        input_lengths: one length per sequence, in [0, T]; None is T for all.
        beam_width: the prefixes kept per step. Width 1 is not greedy decoding: it
            still sums the paths of its one prefix.
        blank: the blank's index.
        candidates: symbols tried as extensions per step (default: all); fewer is
            faster and rarely worse.

    Returns:
        One `CTCHypothesis` per sequence.

    Raises:
        ValueError: a bad shape, width, blank or lengths.

    Examples:
        >>> scores = mg.tensor([[0.6, 0.4], [0.6, 0.4]]).log()   # blank .6, "a" .4, twice
        >>> nn.decode.ctc_greedy_decode(scores)                   # the best path is blank blank
        [[]]
        >>> [best] = nn.decode.ctc_beam_search(scores, beam_width=4)
        >>> best.tokens, round(float(np.exp(best.log_prob)), 2)   # "a": a_, _a, aa
        ([1], 0.64)
    """
    if beam_width < 1:
        raise ValueError(f"ctc_beam_search: beam_width must be at least 1, got {beam_width}")
    scores = _host_scores(log_probs)
    lengths = _lengths(input_lengths, scores.shape[0], scores.shape[1])
    classes = scores.shape[2]
    if not 0 <= blank < classes:
        raise ValueError(f"ctc_beam_search: blank={blank} is not a class index in [0, {classes})")
    candidates = classes if candidates is None else max(1, min(candidates, classes))
    return [_prefix_beam_search(scores[:lengths[n], n].astype(np.float64), beam_width, blank, candidates)
            for n in range(scores.shape[1])]
