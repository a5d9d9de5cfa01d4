"""Bad input to recurrent layers fails early, naming what was expected and what came."""
import re

import numpy as np
import pytest

import minigrad as mg
import nn


def raises(exception, *fragments):
    """pytest.raises that checks every fragment appears in the message, literally."""
    return pytest.raises(exception, match="(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments))


# -- the feature size --------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_wrong_feature_size_names_both_sizes_and_the_shape(kind, backend):
    layer = getattr(nn, kind)(input_size=50, hidden_size=20, backend=backend)
    with raises(ValueError, f"{kind}(50, 20)", "input_size=50", "got 128", "(7, 4, 128)",
                "(seq_len, batch, features)"):
        layer(mg.zeros(7, 4, 128, backend=backend))


def test_wrong_feature_size_in_a_block_and_a_cell():
    with raises(ValueError, "Recurrent(LSTMCell(50, 20))", "input_size=50", "got 128"):
        nn.Recurrent(nn.LSTMCell(50, 20))(mg.zeros(7, 4, 128))
    with raises(ValueError, "GRUCell(50, 20)", "input_size=50", "got 128", "(4, 128)"):
        nn.GRUCell(50, 20)(mg.zeros(4, 128))


def test_features_on_the_wrong_axis_get_a_hint():
    with raises(ValueError, "input_size=8", "got 10", "(4, 8, 10)", "axis 1 has 8 entries",
                "if it holds the features, move it last"):
        nn.GRU(8, 16)(mg.zeros(4, 8, 10))


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5)])
def test_wrong_rank_lists_the_accepted_layouts(shape):
    with raises(ValueError, "3-D input (seq_len, batch, features)", "2-D unbatched input", str(shape)):
        nn.LSTM(5, 4)(mg.zeros(*shape))
    with raises(ValueError, "3-D input (batch, seq_len, features)"):
        nn.LSTM(5, 4, batch_first=True)(mg.zeros(*shape))


def test_a_sequence_given_to_a_cell_points_to_recurrent():
    with raises(ValueError, "one time step", "(6, 2, 3)", "nn.Recurrent(cell)"):
        nn.RNNCell(3, 4)(mg.zeros(6, 2, 3))


def test_non_tensor_input_and_empty_sequence():
    with raises(TypeError, "minigrad Tensor", "ndarray"):
        nn.GRU(3, 4)(np.zeros((5, 2, 3)))
    with raises(ValueError, "no time steps", "(0, 2, 3)"):
        nn.GRU(3, 4)(mg.zeros(0, 2, 3))


# -- the initial state -------------------------------------------------------------------

def test_wrong_hx_batch_says_which_batch_and_that_none_sizes_it():
    layer = nn.GRU(3, 5, num_layers=2)
    with raises(ValueError, "h_0 has shape (2, 8, 5)", "expected", "(2, 4, 5)", "batch size 4",
                "(6, 4, 3)", "hx=None", "sized from the input"):
        layer(mg.zeros(6, 4, 3), mg.zeros(2, 8, 5))


def test_wrong_hx_layers_or_width():
    with raises(ValueError, "h_0 has shape (1, 4, 5)", "(num_layers * num_directions, batch, hidden_size)",
                "(4, 4, 5)"):
        nn.RNN(3, 5, num_layers=2, bidirectional=True)(mg.zeros(6, 4, 3), mg.zeros(1, 4, 5))
    with raises(ValueError, "c_0 has shape (1, 4, 6)", "(1, 4, 5)"):
        nn.LSTM(3, 5)(mg.zeros(6, 4, 3), (mg.zeros(1, 4, 5), mg.zeros(1, 4, 6)))


def test_batch_first_hx_is_never_batch_first():
    layer = nn.LSTM(3, 5, num_layers=2, batch_first=True)
    h = mg.zeros(4, 2, 5)  # (batch, layers, hidden): the batch-first mistake
    with raises(ValueError, "h_0 has shape (4, 2, 5)", "(2, 4, 5)", "never batch-first", "swapaxes(0, 1)"):
        layer(mg.zeros(4, 6, 3), (h, h))


def test_batch_first_input_to_a_time_major_layer_is_pointed_out_by_hx():
    layer = nn.GRU(3, 5)
    x = mg.zeros(4, 6, 3)  # meant as (batch=4, seq_len=6), read as (seq_len=4, batch=6)
    with raises(ValueError, "batch size 6", "(4, 6, 3)", "(seq_len, batch, features)", "batch_first=True"):
        layer(x, mg.zeros(1, 4, 5))


def test_batch_first_input_to_a_time_major_layer_is_pointed_out_by_lengths():
    with raises(ValueError, "got 4 lengths", "batch size 6", "4 is the input's seq_len", "batch_first=True"):
        nn.LSTM(3, 5)(mg.zeros(4, 6, 3), lengths=[4, 3, 2, 1])
    with raises(ValueError, "got 6 lengths", "batch size 4", "batch_first=False"):
        nn.LSTM(3, 5, batch_first=True)(mg.zeros(4, 6, 3), lengths=[4, 3, 2, 1, 1, 1])


def test_hx_structure_errors():
    with raises(TypeError, "LSTM(3, 5)", "(h_0, c_0)", "Tensor"):
        nn.LSTM(3, 5)(mg.zeros(6, 2, 3), mg.zeros(1, 2, 5))
    with raises(TypeError, "GRU(3, 5)", "one Tensor h_0", "tuple of 2"):
        nn.GRU(3, 5)(mg.zeros(6, 2, 3), (mg.zeros(1, 2, 5), mg.zeros(1, 2, 5)))
    with raises(TypeError, "LSTMCell(3, 5)", "(h, c)", "one Tensor"):
        nn.LSTMCell(3, 5)(mg.zeros(2, 3), mg.zeros(2, 5))
    with raises(TypeError, "Bidirectional", "(forward_state, backward_state)"):
        nn.Bidirectional(nn.Recurrent(nn.GRUCell(3, 5)), nn.Recurrent(nn.GRUCell(3, 5), reverse=True))(
            mg.zeros(6, 2, 3), mg.zeros(2, 5))
    with raises(ValueError, "Stack", "one state per layer (2)", "got 1 states"):
        nn.Stack([nn.Recurrent(nn.GRUCell(3, 5)), nn.Recurrent(nn.GRUCell(5, 5))])(mg.zeros(6, 2, 3), [None])


def test_block_hx_errors_name_the_expected_shape():
    layer = nn.Recurrent(nn.LSTMCell(3, 5))
    with raises(ValueError, "Recurrent(LSTMCell(3, 5))", "hx[1] has shape (2, 4)", "(2, 5)", "hx=None"):
        layer(mg.zeros(6, 2, 3), (mg.zeros(2, 5), mg.zeros(2, 4)))
    with raises(ValueError, "hx has shape (3, 5)", "(batch, hidden_size) = (2, 5)", "batch size 2"):
        nn.Recurrent(nn.GRUCell(3, 5))(mg.zeros(6, 2, 3), mg.zeros(3, 5))
    with raises(ValueError, "GRUCell(3, 5)", "hx has shape (5,)", "(2, 5)"):
        nn.GRUCell(3, 5)(mg.zeros(2, 3), mg.zeros(5))


def test_unbatched_input_with_batched_hx():
    with raises(ValueError, "unbatched", "h_0 has shape (1, 1, 5)", "(1, 5)"):
        nn.RNN(3, 5)(mg.zeros(6, 3), mg.zeros(1, 1, 5))
    with raises(ValueError, "unbatched", "(5,)"):
        nn.RNNCell(3, 5)(mg.zeros(3), mg.zeros(1, 5))


# -- lengths -----------------------------------------------------------------------------

@pytest.mark.parametrize("lengths,fragments", [
    ([6, 7, 2], ["lengths[1] = 7", "exceeds", "seq_len of 6"]),
    ([6, 0, 2], ["lengths[1] = 0", "at least one step"]),
    ([6, -1, 2], ["lengths[1] = -1", "at least one step"]),
    ([6, 2], ["got 2 lengths", "batch size 3", "one length per sequence"]),
    ([6, 2, 2, 1], ["got 4 lengths", "batch size 3"]),
])
def test_bad_lengths(backend, lengths, fragments):
    layer = nn.LSTM(3, 5, bidirectional=True, backend=backend)
    with raises(ValueError, "LSTM(3, 5, bidirectional=True)", *fragments):
        layer(mg.zeros(6, 3, 3, backend=backend), lengths=lengths)
    with raises(ValueError, "Recurrent(GRUCell(3, 5))", *fragments):
        nn.Recurrent(nn.GRUCell(3, 5, backend=backend))(mg.zeros(6, 3, 3, backend=backend), lengths=lengths)


def test_lengths_of_the_wrong_type():
    x = mg.zeros(6, 2, 3)
    with raises(TypeError, "lengths must be integers", "2.5"):
        nn.GRU(3, 5)(x, lengths=[6, 2.5])
    with raises(TypeError, "lengths must be integers", "float"):
        nn.GRU(3, 5)(x, lengths=mg.tensor([6.0, 2.0]))
    with raises(ValueError, "1-D", "(1, 2)"):
        nn.GRU(3, 5)(x, lengths=mg.tensor([[6, 2]]))
    with raises(TypeError, "flat sequence of integers", "True"):
        nn.GRU(3, 5)(x, lengths=[True, 2])
    with raises(TypeError, "list, NumPy array or integer Tensor", "int"):
        nn.GRU(3, 5)(x, lengths=6)


# -- construction ------------------------------------------------------------------------

def test_constructor_errors():
    with raises(ValueError, "nonlinearity", "'sigmoid'"):
        nn.RNN(3, 5, nonlinearity="sigmoid")
    with raises(ValueError, "nonlinearity", "'gelu'"):
        nn.RNNCell(3, 5, nonlinearity="gelu")
    with raises(ValueError, "variant", "'mini'"):
        nn.GRUCell(3, 5, variant="mini")
    with raises(ValueError, "num_layers", "0"):
        nn.LSTM(3, 5, num_layers=0)
    with raises(ValueError, "dropout", "1.5"):
        nn.GRU(3, 5, num_layers=2, dropout=1.5)
    with raises(ValueError, "hidden_size", "-1"):
        nn.LSTMCell(3, -1)  # 0 is allowed, as torch.nn.LSTMCell(3, 0)
    with raises(ValueError, "forget_bias", "bias=True"):
        nn.LSTMCell(3, 5, bias=False, forget_bias=1.0)


@pytest.mark.parametrize("cell", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cells_of_width_zero_work_as_in_torch_and_layers_refuse_them(cell):
    torch = pytest.importorskip("torch")
    output = getattr(nn, cell)(10, 0)(mg.randn(3, 10))
    expected = getattr(torch.nn, cell)(10, 0)(torch.randn(3, 10))
    first = output[0] if isinstance(output, tuple) else output
    assert tuple(first.shape) == tuple((expected[0] if isinstance(expected, tuple) else expected).shape)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.LSTM(10, 0)
