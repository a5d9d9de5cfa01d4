"""`nn.MaxPool1d` and `nn.AvgPool1d`: downsample along time by a window's max or mean."""
from __future__ import annotations

from typing import Any

import minigrad as mg

from .functional_conv import avg_pool1d, max_pool1d
from .module import Module


class MaxPool1d(Module):
    """Downsample along time by each window's maximum, as `torch.nn.MaxPool1d`.

    `stride` defaults to `kernel_size` (non-overlapping windows). Padding is -inf, so
    it never wins. `ceil_mode` and `return_indices` are not supported.

    Args:
        kernel_size: the window length.
        stride: the step between windows; None is `kernel_size`.
        padding: implicit -inf padding on both sides, at most kernel_size // 2.
        dilation: the spacing between a window's elements.
        return_indices: not supported; must be False.
        ceil_mode: not supported; must be False.

    Raises:
        NotImplementedError: `return_indices` or `ceil_mode` set.

    Examples:
        >>> pool = nn.MaxPool1d(2)
        >>> pool
        MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1)
        >>> pool(mg.tensor([[[1.0, 3.0, 2.0, 0.0, 5.0]]])).tolist()
        [[[3.0, 2.0]]]
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        if return_indices or ceil_mode:
            raise NotImplementedError("MaxPool1d: ceil_mode and return_indices are not supported")
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = kernel_size if stride is None else stride

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        """The max over each window of `x` (see `nn.functional.max_pool1d`).

        Args:
            x: (N, C, L) or (C, L).

        Returns:
            (N, C, L_out) (or (C, L_out)).

        Raises:
            ValueError: a bad shape, padding, or an input shorter than the window.

        Examples:
            >>> nn.MaxPool1d(3, stride=1)(mg.tensor([[1.0, 3.0, 2.0, 0.0]])).tolist()
            [[3.0, 3.0]]
        """
        return max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr, as PyTorch prints them.

        Returns:
            `'kernel_size=..., stride=..., padding=..., dilation=...'`.

        Examples:
            >>> nn.MaxPool1d(4, stride=2).extra_repr()
            'kernel_size=4, stride=2, padding=0, dilation=1'
        """
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, dilation={self.dilation}"


class AvgPool1d(Module):
    """Downsample along time by each window's mean, as `torch.nn.AvgPool1d`.

    `stride` defaults to `kernel_size`. Zero padding counts in the mean unless
    `count_include_pad=False`. `ceil_mode` is not supported.

    Args:
        kernel_size: the window length.
        stride: the step between windows; None is `kernel_size`.
        padding: implicit zero padding on both sides, at most kernel_size // 2.
        ceil_mode: not supported; must be False.
        count_include_pad: whether padded zeros count in each mean's divisor.

    Raises:
        NotImplementedError: `ceil_mode` set.

    Examples:
        >>> pool = nn.AvgPool1d(2)
        >>> pool
        AvgPool1d(kernel_size=2, stride=2, padding=0)
        >>> pool(mg.tensor([[[1.0, 3.0, 2.0, 0.0]]])).tolist()
        [[[2.0, 1.0]]]
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        if ceil_mode:
            raise NotImplementedError("AvgPool1d: ceil_mode is not supported")
        self.kernel_size, self.padding, self.count_include_pad = kernel_size, padding, count_include_pad
        self.stride = kernel_size if stride is None else stride

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        """The mean over each window of `x` (see `nn.functional.avg_pool1d`).

        Args:
            x: (N, C, L) or (C, L).

        Returns:
            (N, C, L_out) (or (C, L_out)).

        Raises:
            ValueError: a bad shape, padding, or an input shorter than the window.

        Examples:
            >>> x = mg.tensor([[2.0, 4.0]])
            >>> nn.AvgPool1d(2, stride=1, padding=1)(x).tolist()
            [[1.0, 3.0, 2.0]]
            >>> nn.AvgPool1d(2, stride=1, padding=1, count_include_pad=False)(x).tolist()
            [[2.0, 3.0, 4.0]]
        """
        return avg_pool1d(x, self.kernel_size, self.stride, self.padding,
                          count_include_pad=self.count_include_pad)

    def extra_repr(self) -> str:
        """The constructor arguments shown in the repr, as PyTorch prints them.

        Returns:
            `'kernel_size=..., stride=..., padding=...'`.

        Examples:
            >>> nn.AvgPool1d(3, padding=1).extra_repr()
            'kernel_size=3, stride=3, padding=1'
        """
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
