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
from .recurrent import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    GRUCell,
    LSTMCell,
    Recurrent,
    RecurrentCell,
    RNNCell,
    Stack,
)
from .serialization import SerializationError, load, save

__all__ = [
    "GRU", "LSTM", "MLP", "RNN", "Bidirectional", "Dropout", "Embedding", "GRUCell", "LSTMCell",
    "Layer", "Linear", "Module", "ModuleList", "Neuron", "Parameter", "RNNCell", "ReLU",
    "Recurrent", "RecurrentCell", "Sequential", "SerializationError", "Sigmoid", "Stack", "Tanh",
    "functional", "init", "load", "optim", "save", "utils",
]

# Attention and decoding (seq2seq): nn.Attention, nn.decode.greedy_decode / beam_search / error_analysis.
from . import attention, decode
from .attention import Attention, AttentionMemory

__all__ += ["Attention", "AttentionMemory", "attention", "decode"]

# PyTorch's everyday modules: activations, losses, LayerNorm.
from . import activation_layers as _activation_layers
from .activation_layers import (  # noqa: F401
    CELU,
    ELU,
    GELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    Identity,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    ReLU6,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softsign,
    Tanhshrink,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from .normalization import LayerNorm

__all__ += list(_activation_layers.MODULES) + [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "L1Loss", "LayerNorm", "MSELoss", "NLLLoss",
]

# Data parallelism over processes (MPI, NCCL): nn.parallel.DistributedDataParallel, DistributedSampler.
from . import parallel

__all__ += ["parallel"]

# Audio and sequence outputs: 1-D convolution, batch norm, pooling, CTC.
from .conv import Conv1d
from .ctc import CTCLoss
from .normalization import BatchNorm1d
from .pooling import AvgPool1d, MaxPool1d

__all__ += ["AvgPool1d", "BatchNorm1d", "CTCLoss", "Conv1d", "MaxPool1d"]
