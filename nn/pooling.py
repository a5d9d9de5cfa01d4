"""`nn.MaxPool1d` and `nn.AvgPool1d`: downsample along time by a window's max or mean."""
from __future__ import annotations

from typing import Any

import minigrad as mg

from .functional_conv import avg_pool1d, max_pool1d
from .module import Module


class MaxPool1d(Module):
    """torch.nn.MaxPool1d(kernel_size, stride=None, padding=0, dilation=1); stride
    defaults to kernel_size. ceil_mode/return_indices are not supported."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        if return_indices or ceil_mode:
            raise NotImplementedError("MaxPool1d: ceil_mode and return_indices are not supported")
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = kernel_size if stride is None else stride

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, dilation={self.dilation}"


class AvgPool1d(Module):
    """torch.nn.AvgPool1d(kernel_size, stride=None, padding=0, ceil_mode=False,
    count_include_pad=True); ceil_mode is not supported."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        if ceil_mode:
            raise NotImplementedError("AvgPool1d: ceil_mode is not supported")
        self.kernel_size, self.padding, self.count_include_pad = kernel_size, padding, count_include_pad
        self.stride = kernel_size if stride is None else stride

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return avg_pool1d(x, self.kernel_size, self.stride, self.padding,
                          count_include_pad=self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
