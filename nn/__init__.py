"""nn: modules, layers, losses, optimizers, initialisers and safe checkpoints for minigrad.

Built only on minigrad's public API, so everything here also runs on CuPy:

    import minigrad as mg
    import nn

    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
"""
from . import functional, init, optim, utils
from .layers import Dropout, Embedding, Linear, ReLU, Sigmoid, Tanh
from .micrograd import MLP, Layer, Neuron
from .module import Module, ModuleList, Parameter, Sequential
from .serialization import SerializationError, load, save

# Recurrent layers live in nn/recurrent/ (cells, the time loop, wrappers, presets).
from .recurrent import (
    GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, Recurrent, RecurrentCell, RNNCell, Stack,
)

__all__ = [  # the recurrent engineer adds the recurrent names here too
    "MLP", "Dropout", "Embedding", "Layer", "Linear", "Module", "ModuleList", "Neuron", "Parameter",
    "ReLU", "Sequential", "SerializationError", "Sigmoid", "Tanh",
    "functional", "init", "load", "optim", "save", "utils",
    "RecurrentCell", "RNNCell", "GRUCell", "LSTMCell", "Recurrent", "Bidirectional", "Stack",
    "RNN", "GRU", "LSTM",
]
