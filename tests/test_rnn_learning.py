"""The reason LSTMs exist, as a test: the adding problem (Hochreiter & Schmidhuber 1997;
this variant from Le, Jaitly & Hinton 2015).

Each step carries a random value in [0, 1] and a marker; exactly two steps are marked,
one in each half of the T=50 steps, and the target is the sum of the two marked values.
Predicting the mean scores an MSE of 1/6 ≈ 0.167. Solving it means carrying a value for
up to 50 steps: an LSTM learns to, a vanilla RNN trained the same way does not.
"""
import numpy as np
import pytest

import minigrad as mg
import nn

STEPS, HIDDEN, BATCH = 50, 16, 64


def adding_batch(rng, batch):
    values = rng.uniform(0, 1, size=(STEPS, batch))
    markers = np.zeros((STEPS, batch))
    columns = np.arange(batch)
    markers[rng.integers(0, STEPS // 2, size=batch), columns] = 1
    markers[rng.integers(STEPS // 2, STEPS, size=batch), columns] = 1
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    target = (values * markers).sum(axis=0, keepdims=True).T.astype(np.float32)
    return mg.tensor(x), mg.tensor(target)


class Regressor(nn.Module):
    """Read the whole sequence, predict from the last step's output a<T>."""

    def __init__(self, recurrent):
        super().__init__()
        self.recurrent = recurrent
        self.head = nn.Linear(HIDDEN, 1)

    def forward(self, x):
        output, _ = self.recurrent(x)
        return self.head(output[-1])


def train(model, max_iterations, seed=0, solved=0.02, check_every=50):
    """Adam on fresh batches; returns (held-out MSE, iterations run), stopping once solved."""
    rng = np.random.default_rng(seed)
    test_x, test_y = adding_batch(np.random.default_rng(1234), 256)
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
    mse = None
    for iteration in range(1, max_iterations + 1):
        x, y = adding_batch(rng, BATCH)
        loss = ((model(x) - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        if iteration % check_every == 0 or iteration == max_iterations:
            with mg.no_grad():
                mse = ((model(test_x) - test_y) ** 2).mean().item()
            if mse < solved:
                break
    return mse, iteration


@pytest.mark.slow
def test_lstm_learns_the_adding_problem_that_a_vanilla_rnn_fails():
    mg.manual_seed(0)
    lstm = Regressor(nn.Recurrent(nn.LSTMCell(2, HIDDEN, forget_bias=1.0)))
    lstm_mse, iterations = train(lstm, max_iterations=1500)
    assert lstm_mse < 0.05, f"the LSTM did not learn the adding problem: test MSE {lstm_mse:.3f}"

    mg.manual_seed(0)
    rnn = Regressor(nn.RNN(2, HIDDEN))
    rnn_mse, _ = train(rnn, max_iterations=max(iterations, 300), solved=0.0)
    assert rnn_mse > 0.1, f"the vanilla RNN was expected to fail, got test MSE {rnn_mse:.3f}"
