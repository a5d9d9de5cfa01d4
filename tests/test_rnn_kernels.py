"""Which code runs a cell (nn/recurrent/kernels.py): a registered kernel only for a cell
that kept its class's math; a cell that rewrote `step` or `forward` runs its own code."""
import numpy as np
import pytest
from helpers import assert_close, host, picture_nodes

import minigrad as mg
import nn
from minigrad.walk import consumers_first, input_nodes
from nn.recurrent import kernels

CELLS = {"RNN": nn.RNNCell, "GRU": nn.GRUCell, "LSTM": nn.LSTMCell}


def op_names(output):
    return {node.op_name for node in consumers_first([output._creator], input_nodes)}


@pytest.mark.parametrize("kind", CELLS)
def test_a_fused_built_in_cell_and_a_plain_subclass_run_the_kernel(kind):
    cls = CELLS[kind]
    plain_subclass = type(f"My{kind}", (cls,), {})
    for cell in (cls(3, 4, fused=True), plain_subclass(3, 4, fused=True)):
        assert kernels.kernel_for(cell) is not None
        output, _ = nn.Recurrent(cell)(mg.randn(5, 2, 3))
        assert op_names(output) == {f"{kind}Layer"}  # every step in one node
        assert f"{kind}Step" in {node.op_name for node in picture_nodes(output)}  # drawn as steps
        output, _ = nn.Recurrent(cell)(mg.randn(5, 2, 3), lengths=[5, 3])
        assert f"{kind}Step" in op_names(output)  # a padded batch: one node per step
    assert kernels.kernel_for(cls(3, 4)) is None  # fused=False: gate by gate


@pytest.mark.parametrize("kind", CELLS)
@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("also_step", [False, True])
def test_a_subclass_that_overrides_forward_runs_its_own_forward(kind, fused, also_step):
    """The old loop ran `step` for a subclass that overrode both `step` and `forward`,
    so its `forward` was silently ignored."""
    calls = []

    class Halved(CELLS[kind]):
        def forward(self, x, state=None):
            calls.append(tuple(x.shape))
            new = super().forward(x, state)
            return tuple(s * 0.5 for s in new) if isinstance(new, tuple) else new * 0.5

    if also_step:
        Halved.step = lambda self, projected, state: CELLS[kind].step(self, projected, state)

    mg.manual_seed(0)
    cell = Halved(3, 4, fused=fused, dtype="float64")
    reference = CELLS[kind](3, 4, dtype="float64")
    reference.load_state_dict(cell.state_dict())
    assert kernels.kernel_for(cell) is None and not kernels.runs_own_step(cell)
    x = mg.randn(4, 2, 3, dtype="float64")
    output, _ = nn.Recurrent(cell)(x)
    assert calls == [(2, 3)] * 4

    state = None
    for t in range(4):  # the same steps by hand, through the reference cell's own math
        new = reference(x[t], state)
        state = tuple(s * 0.5 for s in new) if isinstance(new, tuple) else new * 0.5
        h = state[0] if isinstance(state, tuple) else state
        assert_close(output[t], host(h), np.float64)


@pytest.mark.parametrize("kind", CELLS)
def test_a_subclass_that_overrides_step_never_runs_the_kernel(kind):
    class Scaled(CELLS[kind]):
        def step(self, projected, state):
            new = super().step(projected, state)
            return tuple(s * 2 for s in new) if isinstance(new, tuple) else new * 2

    cell = Scaled(3, 4, fused=True)
    assert kernels.kernel_for(cell) is None and kernels.runs_own_step(cell)
    output, _ = nn.Recurrent(cell)(mg.randn(3, 2, 3))
    assert f"{kind}Step" not in op_names(output)


def test_a_registered_kernel_is_keyed_by_class():
    class Cell(nn.RNNCell):
        pass

    seen = []

    @kernels.register_kernel(Cell)
    def counting_kernel(cell, flat_inputs, steps):
        seen.append(steps)
        return kernels.rnn_kernel(cell, flat_inputs, steps)

    try:
        nn.Recurrent(Cell(3, 4, fused=True))(mg.randn(6, 2, 3))
        nn.Recurrent(nn.RNNCell(3, 4, fused=True))(mg.randn(6, 2, 3))  # not its kernel
        assert seen == [6]
    finally:
        kernels._KERNELS.pop(Cell)


def test_a_step_is_never_given_none():
    """The one place a missing state is filled in is `first_state`."""
    seen = []

    class Watching(nn.GRUCell):
        def step(self, projected, h):
            seen.append(h is None)
            return super().step(projected, h)

    nn.Recurrent(Watching(3, 4))(mg.randn(3, 2, 3))
    Watching(3, 4)(mg.randn(2, 3))
    assert seen == [False] * 4


def test_lstm_refuses_pytorchs_proj_size_by_name():
    assert nn.LSTM(3, 4, proj_size=0).hidden_size == 4
    with pytest.raises(ValueError, match="proj_size=2.*nn.Linear"):
        nn.LSTM(3, 4, proj_size=2)
