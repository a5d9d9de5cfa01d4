"""The embedding benchmarks in a tiny setting: dense and sparse gradients train the same
table identically (the speed-up changes nothing else), and the word2vec comparison runs."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks import embedding_sparse, word2vec


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_sparse_and_dense_steps_agree(optimizer):
    dense = embedding_sparse.step_function(300, 8, 32, sparse=False, optimizer=optimizer)
    sparse = embedding_sparse.step_function(300, 8, 32, sparse=True, optimizer=optimizer)
    dense_losses = [dense() for _ in range(4)]
    sparse_losses = [sparse() for _ in range(4)]
    if optimizer == "sgd":  # the same update, row for row
        np.testing.assert_allclose(sparse_losses, dense_losses, rtol=1e-5)
    else:  # lazy Adam differs from Adam on rows not in the batch: only the first step agrees
        np.testing.assert_allclose(sparse_losses[:2], dense_losses[:2], rtol=1e-5)


def test_benchmark_commands_run(capsys):
    results = embedding_sparse.main(["--vocab", "500", "--dim", "8", "--batch", "16", "--repeats", "1"])
    assert set(results) == {"sgd dense", "sgd sparse", "adam dense", "adam sparse"}
    timing = word2vec.main(["--vocab", "200", "--dim", "8", "--batch", "32", "--repeats", "1"])
    assert "minigrad" in timing and timing["minigrad"]["pairs_per_s"] > 0
    assert "faster" in capsys.readouterr().out
