"""ctc_loss and CTC decoding: PyTorch parity (values and gradients), gradcheck, brute force."""
import itertools
import math

import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
import nn
import nn.functional as F
from nn.decode import collapse, ctc_beam_search, ctc_greedy_decode

F64 = np.float64

# (T, C, blank, targets per sequence, input lengths): repeats, empty targets, blank
# not 0, ragged lengths, and impossible alignments (a repeat needs a blank between).
CASES = [
    (6, 4, 0, [[1, 2], [3]], [6, 6]),
    (7, 5, 0, [[1, 2, 2], [3], [4, 4, 1]], [7, 5, 6]),
    (5, 3, 2, [[0, 1], [1, 1]], [5, 3]),
    (4, 3, 0, [[], [1], [2, 2]], [4, 2, 3]),
    (8, 6, 3, [[0, 1, 2, 4, 5], [5, 5, 5]], [8, 5]),
    (3, 4, 0, [[1, 1, 2], [1, 2, 3]], [3, 3]),  # first: needs 4 steps, impossible
    (1, 3, 0, [[1], [1, 2]], [1, 1]),           # second impossible
]


def case_tensors(case, backend, seed=0):
    steps, classes, blank, targets, lengths = case
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(steps, len(targets), classes))
    longest = max(max(len(t) for t in targets), 1)
    padded = np.array([t + [blank] * (longest - len(t)) for t in targets])
    return logits, padded, [len(t) for t in targets], lengths, blank


@pytest.mark.parity
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_matches_torch(backend, torch, case, reduction, layout, zero_infinity):
    logits, padded, target_lengths, input_lengths, blank = case_tensors(case, backend)
    targets = padded if layout == "padded" else np.concatenate(
        [row[:n] for row, n in zip(padded, target_lengths)]).astype(np.int64)
    x_mg = mg.tensor(logits, backend=backend, requires_grad=True)
    x_torch = torch.tensor(logits, requires_grad=True)
    kwargs = {"blank": blank, "reduction": reduction, "zero_infinity": zero_infinity}
    ours = F.ctc_loss(x_mg.log_softmax(axis=2), mg.tensor(targets, backend=backend), input_lengths,
                      target_lengths, **kwargs)
    theirs = torch.nn.functional.ctc_loss(x_torch.log_softmax(2), torch.tensor(targets),
                                          torch.tensor(input_lengths), torch.tensor(target_lengths), **kwargs)
    assert ours.backend == backend
    assert_close(ours, theirs, F64, what="loss")
    weights = np.random.default_rng(1).uniform(0.5, 1.5, size=tuple(theirs.shape))
    (ours * mg.tensor(weights, backend=backend)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    # Through log_softmax (how CTC is fed) the two gradients are the same; NaN where
    # an alignment is impossible and zero_infinity is off, in both.
    np.testing.assert_allclose(host(x_mg.grad), host(x_torch.grad), atol=1e-9, rtol=1e-7)


@pytest.mark.parity
def test_ctc_loss_gradient_wrt_log_probs_is_torchs_minus_the_softmax(torch):
    """PyTorch's kernel returns the logits' gradient (pytorch#52241); ours is the true one."""
    logits, padded, target_lengths, input_lengths, _blank = case_tensors(CASES[1], "numpy")
    log_probs = torch.tensor(logits).log_softmax(2).detach().requires_grad_()
    torch.nn.functional.ctc_loss(log_probs, torch.tensor(padded), input_lengths, target_lengths,
                                 reduction="sum").backward()
    ours = mg.tensor(log_probs.detach().numpy(), requires_grad=True)
    F.ctc_loss(ours, mg.tensor(padded), input_lengths, target_lengths, reduction="sum").backward()
    alive = (np.arange(logits.shape[0])[:, None] < np.array(input_lengths)[None, :])[..., None]
    expected = log_probs.grad.numpy() - np.exp(log_probs.detach().numpy()) * alive
    np.testing.assert_allclose(ours.grad, expected, atol=1e-9)


@pytest.mark.parametrize("case", [c for c in CASES if c[0] > 1][:5])
def test_ctc_loss_gradcheck_on_unnormalised_inputs(backend, case):
    logits, padded, target_lengths, input_lengths, blank = case_tensors(case, backend, seed=2)
    x = mg.tensor(logits * 0.5, backend=backend, requires_grad=True)
    targets = mg.tensor(padded, backend=backend)
    assert mg.gradcheck(lambda x: F.ctc_loss(x, targets, input_lengths, target_lengths, blank=blank,
                                             reduction="none", zero_infinity=True), [x])


def brute_force_log_likelihood(log_probs: np.ndarray, target: list, blank: int) -> float:
    """log Σ over every path of length T that collapses to `target`."""
    steps, classes = log_probs.shape
    total = -math.inf
    for path in itertools.product(range(classes), repeat=steps):
        if collapse(path, blank) == list(target):
            total = np.logaddexp(total, sum(log_probs[t, c] for t, c in enumerate(path)))
    return total


@pytest.mark.parametrize("target, blank", [([1, 2], 0), ([1, 1], 0), ([], 1), ([0, 2, 0], 1), ([2], 0)])
def test_ctc_loss_is_minus_the_sum_over_alignments(target, blank):
    log_probs = mg.tensor(np.random.default_rng(5).normal(size=(5, 1, 3))).log_softmax(axis=2)
    ours = F.ctc_loss(log_probs, mg.tensor([target or [0]]), [5], [len(target)], blank=blank,
                      reduction="none")
    expected = -brute_force_log_likelihood(log_probs.numpy()[:, 0], target, blank)
    assert_close(ours, np.array([expected]), F64)


@pytest.mark.parity
def test_ctc_unbatched_input_and_module_match_torch(torch):
    logits = np.random.default_rng(0).normal(size=(6, 4))
    lp = torch.tensor(logits).log_softmax(1)
    expected = torch.nn.CTCLoss(reduction="none")(lp, torch.tensor([1, 2]), torch.tensor(6), torch.tensor(2))
    ours = nn.CTCLoss(reduction="none")(mg.tensor(lp.numpy()), mg.tensor([1, 2]), 6, 2)
    assert_close(ours, expected, F64)
    assert ours.shape == ()


@pytest.mark.parametrize("call, message", [
    (lambda lp: F.ctc_loss(lp, mg.tensor([[1, 0]]), [4], [2]), "other than blank=0"),
    (lambda lp: F.ctc_loss(lp, mg.tensor([[1, 7]]), [4], [2]), "in [0, 3)"),
    (lambda lp: F.ctc_loss(lp, mg.tensor([[1, 2]]), [5], [2]), "input_lengths must lie in [1, T=4]"),
    (lambda lp: F.ctc_loss(lp, mg.tensor([[1, 2]]), [4], [3]), "longest target length 3"),
    (lambda lp: F.ctc_loss(lp, mg.tensor([1, 2]), [4], [1]), "sum(target_lengths)=1"),
    (lambda lp: F.ctc_loss(lp, mg.tensor([[1, 2]]), [4, 4], [2]), "2 entries for a batch of 1"),
    (lambda lp: F.ctc_loss(lp, mg.tensor([[1, 2]]), [4], [2], blank=3), "blank=3"),
    (lambda lp: F.ctc_loss(lp, mg.tensor([[1, 2]]), [4], [2], reduction="avg"), "reduction"),
])
def test_ctc_loss_errors_name_the_problem(call, message):
    with pytest.raises(ValueError) as info:
        call(mg.zeros(4, 1, 3, dtype="float64"))
    assert message in str(info.value)


# -- decoding --------------------------------------------------------------------------------
def test_greedy_decode_collapses_the_best_path(backend):
    path = [[0, 1, 1, 0, 1, 2, 2, 0], [2, 2, 0, 0, 2, 1, 0, 0]]
    scores = np.full((8, 2, 3), -5.0)
    for n, row in enumerate(path):
        scores[np.arange(8), n, row] = 0.0
    tensor = mg.tensor(scores, backend=backend)
    assert ctc_greedy_decode(tensor) == [[1, 1, 2], [2, 2, 1]]
    assert ctc_greedy_decode(tensor, input_lengths=[3, 5]) == [[1], [2, 2]]
    assert ctc_greedy_decode(tensor, blank=2) == [[0, 1, 0, 1, 0], [0, 1, 0]]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("blank", [0, 2])
def test_beam_search_finds_the_most_likely_output(seed, blank):
    """With a beam as wide as needed, prefix beam search is exact: compare with brute force."""
    steps, classes = 4, 3
    scores = mg.tensor(np.random.default_rng(seed).normal(size=(steps, 1, classes)) * 2).log_softmax(axis=2)
    host_scores = scores.numpy()[:, 0]
    outputs = {tuple(collapse(p, blank)) for p in itertools.product(range(classes), repeat=steps)}
    likelihood = {o: brute_force_log_likelihood(host_scores, list(o), blank) for o in outputs}
    best = max(likelihood, key=likelihood.get)
    (found,) = ctc_beam_search(scores, beam_width=64, blank=blank)
    assert found.tokens == list(best)
    assert math.isclose(found.log_prob, likelihood[best], rel_tol=1e-9, abs_tol=1e-9)
    greedy = tuple(ctc_greedy_decode(scores, blank=blank)[0])
    assert found.log_prob >= likelihood[greedy] - 1e-12


@pytest.mark.parametrize("beam_width", [2, 8, 4096])
def test_beam_search_log_prob_is_minus_ctc_loss(beam_width):
    """A beam keeps part of a prefix's paths (a lower bound); a wide one keeps them all."""
    scores = mg.tensor(np.random.default_rng(0).normal(size=(7, 3, 4))).log_softmax(axis=2)
    hypotheses = ctc_beam_search(scores, input_lengths=[7, 6, 4], beam_width=beam_width)
    for n, (hyp, length) in enumerate(zip(hypotheses, [7, 6, 4])):
        loss = F.ctc_loss(scores[:, n:n + 1], mg.tensor([hyp.tokens or [1]]), [length], [len(hyp.tokens)],
                          reduction="sum")
        assert hyp.log_prob <= -loss.item() + 1e-9
        if beam_width == 4096:
            assert math.isclose(hyp.log_prob, -loss.item(), rel_tol=1e-9)


def test_decoders_reject_bad_arguments():
    with pytest.raises(ValueError, match="beam_width"):
        ctc_beam_search(mg.zeros(3, 1, 2), beam_width=0)
    with pytest.raises(ValueError, match="input_lengths"):
        ctc_greedy_decode(mg.zeros(3, 2, 2), input_lengths=[4, 1])
    with pytest.raises(ValueError, match=r"\(T, N, C\)"):
        ctc_beam_search(mg.zeros(3))
