"""`nn.Conv1d`: a learned filter bank slid along time (see `nn.functional_conv`)."""
from __future__ import annotations

from typing import Any

import minigrad as mg

from . import init
from .functional_conv import _single, conv1d, conv_padding
from .module import Module, Parameter


class Conv1d(Module):
    """A learned filter bank slid along time, as `torch.nn.Conv1d`.

    y[n, o, j] = Σ_{c,k} W[o, c, k] · x_pad[n, c, j·stride + k·dilation] + b[o] (see
    `nn.functional.conv1d`). `weight` (out_channels, in_channels/groups, kernel_size) and
    `bias` (out_channels,) are initialised as PyTorch's: kaiming_uniform_(a=√5) for the
    weight, U(-1/√fan_in, 1/√fan_in) for the bias, fan_in = in_channels/groups · K.
    Input (N, C_in, L) or (C_in, L). Only zero padding is supported.

    Args:
        in_channels: C_in.
        out_channels: C_out.
        kernel_size: K, an int or 1-tuple.
        stride: an int or 1-tuple.
        padding: an int, 1-tuple, "valid" or "same" (stride 1 only).
        dilation: an int or 1-tuple.
        groups: split channels into this many independent convolutions.
        bias: False registers `bias = None`.
        padding_mode: only "zeros".
        dtype: parameter dtype; None is the default dtype.
        backend: "numpy" or "cupy"; None is the default backend.

    Raises:
        ValueError: channels not divisible by groups, another padding_mode, or a bad padding.
        TypeError: a size that is not an int (or 1-tuple).

    Examples:
        >>> mg.manual_seed(0)
        >>> conv = nn.Conv1d(13, 32, kernel_size=5, stride=2)
        >>> conv
        Conv1d(13, 32, kernel_size=(5,), stride=(2,))
        >>> conv(mg.randn(4, 13, 100)).shape        # (N, C_out, floor((100 - 5) / 2) + 1)
        (4, 32, 48)
        >>> nn.Conv1d(3, 3, 3, padding="same")(mg.ones(3, 10)).shape
        (3, 10)
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
        """Draw fresh weights with PyTorch's default initialisation of its convolutions.

        Weight from kaiming_uniform_(a=√5) and bias from U(±1/√fan_in), in place (see
        `nn.init.linear_default_`).

        Examples:
            >>> mg.manual_seed(0)
            >>> conv = nn.Conv1d(2, 4, 3)
            >>> conv.reset_parameters()
            >>> bool((conv.weight.abs() <= 1 / 6 ** 0.5).all())
            True
        """
        init.linear_default_(self.weight, self.bias)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        """Convolve `x` with the layer's filters.

        Args:
            x: (N, C_in, L) or unbatched (C_in, L).

        Returns:
            (N, C_out, L_out) (or (C_out, L_out)), with
            L_out = floor((L + pads - dilation·(K-1) - 1) / stride) + 1.

        Raises:
            ValueError: wrong channels, or an input shorter than the kernel's reach.

        Examples:
            >>> conv = nn.Conv1d(1, 1, 2, bias=False)
            >>> with mg.no_grad():
            ...     conv.weight.data[...] = 1.0
            >>> conv(mg.tensor([[[1.0, 2.0, 3.0]]])).tolist()      # moving sums of two steps
            [[[3.0, 5.0]]]
        """
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return conv1d(x, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups)

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr, as PyTorch prints them.

        Returns:
            `'C_in, C_out, kernel_size=(K,), stride=(s,)'` plus the non-default settings.

        Examples:
            >>> nn.Conv1d(2, 4, 3, padding=1, dilation=2, groups=2, bias=False).extra_repr()
            '2, 4, kernel_size=(3,), stride=(1,), padding=(1,), dilation=(2,), groups=2, bias=False'
        """
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding not in ((0,), "valid"):
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1,):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")
