"""`nn.Conv1d`: a learned filter bank slid along time (see `nn.functional_conv`)."""
from __future__ import annotations

from typing import Any

import minigrad as mg

from . import init
from .functional_conv import _single, conv1d, conv_padding
from .module import Module, Parameter


class Conv1d(Module):
    """torch.nn.Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0,
    dilation=1, groups=1, bias=True, padding_mode="zeros").

    `weight` (out_channels, in_channels/groups, kernel_size) and `bias`
    (out_channels,) are initialised as PyTorch's: kaiming_uniform_(a=√5) for the
    weight, U(-1/√fan_in, 1/√fan_in) for the bias, fan_in = in_channels/groups·K.
    Input (N, C_in, L) or (C_in, L). Only zero padding is supported; another
    `padding_mode` raises ValueError.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype: Any = None, backend: str | None = None):
        super().__init__()
        who = "Conv1d"
        kernel_size = _single(kernel_size, "kernel_size", who)
        stride = _single(stride, "stride", who)
        dilation = _single(dilation, "dilation", who)
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{who}: in_channels ({in_channels}) and out_channels ({out_channels}) "
                             f"must be divisible by groups ({groups})")
        if padding_mode != "zeros":
            raise ValueError(f"{who}: padding_mode={padding_mode!r} is not supported; only 'zeros'")
        conv_padding(padding, kernel_size, stride, dilation, who)  # validate now, not at call
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.dilation = (kernel_size,), (stride,), (dilation,)
        self.padding = padding if isinstance(padding, str) else (_single(padding, "padding", who),)
        self.groups, self.padding_mode = groups, padding_mode
        self.weight = Parameter(mg.zeros(out_channels, in_channels // groups, kernel_size,
                                         dtype=dtype, backend=backend))
        if bias:
            self.bias = Parameter(mg.zeros(out_channels, dtype=dtype, backend=backend))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation of `_ConvNd`."""
        init.linear_default_(self.weight, self.bias)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return conv1d(x, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding not in ((0,), "valid"):
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1,):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")
