"""Recurrent networks: cells (one step), `Recurrent` (the time loop), `Bidirectional`
and `Stack` (the wrappers), and the PyTorch-compatible presets `RNN`, `GRU`, `LSTM`
built from them. See docs/recurrent.md."""
from .bidirectional import Bidirectional
from .cells import GRUCell, LSTMCell, RecurrentCell, RNNCell
from .presets import GRU, LSTM, RNN
from .recurrent import Recurrent
from .stack import Stack

__all__ = [
    "GRU", "LSTM", "RNN", "Bidirectional", "GRUCell", "LSTMCell", "RNNCell", "Recurrent",
    "RecurrentCell", "Stack",
]
