"""Optimizers: SGD (momentum, Nesterov, weight decay), Adam, AdamW and SparseAdam.

Updates run on the raw backend arrays (`p.data`, `p.grad`, state buffers) with
the array module of each parameter, so a step records no graph and never leaves
the device. The formulas are PyTorch's, step for step, which the parity tests
check; `state_dict()` uses PyTorch's layout (state by parameter index, plus
param_groups) and saves with `nn.save`.
"""
from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np  # only to recognise NumPy scalar hyperparameters (np.generic)

import minigrad as mg
from minigrad import elementwise_compiled  # p -= lr · g in one pass on NumPy

from .module import Parameter, fresh_copy

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "SparseAdam"]


class Optimizer:
    """Base class of the optimizers, as `torch.optim.Optimizer`.

    Holds `param_groups` (dicts of hyperparameters plus `'params'`) and per-parameter
    `state`; subclasses implement `_update(param, group, state)`, which works on the
    raw backend arrays, so a step records no graph and never leaves the device.
    `params` may be any iterable of leaf Tensors that require grad (Parameters or
    not), or of param-group dicts overriding the defaults, as PyTorch.

    Args:
        params: an iterable of Tensors, or of dicts with a `'params'` entry.
        defaults: the hyperparameters every group starts from.

    Raises:
        ValueError: an empty parameter list, a parameter listed twice, or a bad hyperparameter.
        TypeError: a parameter that is not a leaf Tensor requiring grad, or an unknown hyperparameter.

    Examples:
        >>> model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
        >>> opt = nn.optim.SGD([{"params": model[0].parameters()},
        ...                     {"params": model[1].parameters(), "lr": 0.01}], lr=0.1)
        >>> [group["lr"] for group in opt.param_groups]
        [0.1, 0.01]
        >>> nn.optim.SGD([mg.ones(2)], lr=0.1)
        Traceback (most recent call last):
        ...
        TypeError: SGD can only optimize leaf tensors that require grad, but item 0 is a tensor that does not require grad; pass model.parameters(), or tensors made with requires_grad=True (w = mg.randn(3, requires_grad=True))
    """

    def __init__(self, params: Iterable[Parameter] | Iterable[dict], defaults: dict):
        self.defaults = dict(defaults)
        self.param_groups: list[dict] = []
        self.state: dict[int, dict] = {}  # id(param) -> that parameter's buffers
        if isinstance(params, mg.Tensor):
            params = [params]
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list; pass model.parameters()")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        """Add a group: a dict with `'params'` and optional hyperparameters overriding the defaults.

        As PyTorch's, e.g. to start training a frozen part of a model with its own rate.

        Args:
            group: `{"params": tensors, "lr": ..., ...}`.

        Returns:
            None.

        Raises:
            TypeError: not a dict with `'params'`, an unknown hyperparameter, or a parameter
                that is not a leaf requiring grad.
            ValueError: an empty group, a parameter already in a group, or a bad value.

        Examples:
            >>> a, b = nn.Parameter([1.0]), nn.Parameter([2.0])
            >>> opt = nn.optim.Adam([a], lr=1e-3)
            >>> opt.add_param_group({"params": [b], "lr": 1e-2})
            >>> len(opt.param_groups), opt.param_groups[1]["betas"]
            (2, (0.9, 0.999))
        """
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{type(self).__name__}: a parameter group must be a dict with a 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, mg.Tensor) else list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list; pass model.parameters()")
        for index, param in enumerate(params):  # any leaf that requires grad, as PyTorch
            if not isinstance(param, mg.Tensor) or not param.is_leaf or not param.requires_grad:
                what = (f"a {type(param).__name__}" if not isinstance(param, mg.Tensor) else
                        "a non-leaf tensor" if not param.is_leaf else "a tensor that does not require grad")
                raise TypeError(
                    f"{type(self).__name__} can only optimize leaf tensors that require grad, but item "
                    f"{index} is {what}; pass model.parameters(), or tensors made with "
                    "requires_grad=True (w = mg.randn(3, requires_grad=True))"
                )
        known = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or known & {id(p) for p in params}:
            raise ValueError(f"{type(self).__name__}: a parameter appears more than once in the parameter list")
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise TypeError(f"{type(self).__name__}: unknown hyperparameters {sorted(unknown)}")
        full = {**self.defaults, **group, "params": params}
        self._validate(full)
        self.param_groups.append(full)

    def _validate(self, group: dict) -> None:
        """Check (and normalise to Python numbers) a group's hyperparameters, as PyTorch
        checks them: TypeError for a non-number, ValueError for one out of range or NaN."""
        _check_number(self, group, "lr", "learning rate")
        if "weight_decay" in group:  # SparseAdam has none
            _check_number(self, group, "weight_decay", "weight_decay")

    def zero_grad(self) -> None:
        """Forget every gradient (`.grad = None`) before the next backward.

        As PyTorch's default (`set_to_none=True`).

        Returns:
            None.

        Examples:
            >>> w = nn.Parameter([1.0])
            >>> opt = nn.optim.SGD([w], lr=0.1)
            >>> (w * 2).sum().backward()
            >>> opt.zero_grad()
            >>> w.grad is None
            True
        """
        for group in self.param_groups:
            for param in group["params"]:
                param.grad = None

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns `closure()` if one is given.

        Parameters whose `.grad` is None are skipped, as PyTorch. All or nothing: every
        gradient (and state buffer) is checked against its parameter's shape, dtype and
        backend before the first parameter is touched, and a mismatch is a RuntimeError
        naming each offending parameter.

        Args:
            closure: optional; re-evaluates the model and returns the loss (run with grad enabled).

        Returns:
            The closure's result, or None.

        Raises:
            RuntimeError: a gradient or state buffer that does not fit its parameter, or a
                sparse gradient this optimizer cannot apply; nothing was updated.

        Examples:
            >>> w = nn.Parameter([1.0, -2.0])
            >>> opt = nn.optim.SGD([w], lr=0.1)
            >>> (w * w).sum().backward()
            >>> opt.step()
            >>> w.tolist()
            [0.800000011920929, -1.600000023841858]
            >>> emb = nn.Embedding(3, 2, sparse=True)
            >>> adam = nn.optim.Adam(emb.parameters())
            >>> emb([0]).sum().backward()
            >>> adam.step()
            Traceback (most recent call last):
            ...
            RuntimeError: Adam does not support sparse gradients, please consider SparseAdam instead ...
        """
        loss = None
        if closure is not None:
            with mg.enable_grad():
                loss = closure()
        for group in self.param_groups:  # refuse before changing anything
            for param in group["params"]:
                self._check_grad(param, group)
        work, problems = [], []
        index = -1
        for group in self.param_groups:
            for param in group["params"]:
                index += 1
                grad = param.grad
                if grad is None:
                    continue
                data = param.data
                sparse = isinstance(grad, mg.RowSparseGrad)  # its rows: checked by _check_grad
                if sparse and tuple(grad.shape) != tuple(data.shape):
                    problems.append(f"parameter {index} is {_describe(data)} but its sparse .grad has "
                                    f"shape {tuple(grad.shape)}")
                    continue
                if not sparse and (type(grad) is not type(data) or grad.shape != data.shape
                                   or grad.dtype != data.dtype):
                    problems.append(f"parameter {index} is {_describe(data)} but its .grad is {_describe(grad)}")
                    continue
                state = self._state_for(param)
                for name, value in state.items():
                    if not isinstance(value, (int, float)) and value.shape != data.shape:
                        problems.append(f"parameter {index} is {_describe(data)} but its state {name!r} has shape "
                                        f"{tuple(value.shape)} (was its .data replaced?)")
                work.append((param, group, state))
        if problems:
            raise RuntimeError(f"{type(self).__name__}.step(): nothing was updated: " + "; ".join(problems)
                               + ". Set grads of the parameters' own shape, dtype and backend (or None).")
        for param, group, state in work:
            self._update(param, group, state)
        return loss

    def _check_grad(self, param: Parameter, group: dict) -> None:
        """Raise if this optimizer cannot apply `param.grad` (a sparse one, by default)."""
        if isinstance(param.grad, mg.RowSparseGrad):
            raise RuntimeError(  # noqa: TRY004 - PyTorch's error type for this
                f"{type(self).__name__} does not support sparse gradients, please consider "
                "SparseAdam instead (nn.optim.SparseAdam, or nn.optim.SGD without momentum), "
                "or build the embedding with sparse=False"
            )

    def _state_for(self, param: Parameter) -> dict:
        """The parameter's state, moved along if the module was moved (`module.to`) since."""
        state = self.state.setdefault(id(param), {})
        for name, value in state.items():
            if not isinstance(value, (int, float)) and type(value) is not type(param.data):
                state[name] = mg.Tensor(value).to(param.backend).data
        return state

    def _update(self, param: Parameter, group: dict, state: dict) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ state

    def _all_params(self) -> list[Parameter]:
        return [param for group in self.param_groups for param in group["params"]]

    def state_dict(self) -> dict:
        """The optimizer's hyperparameters and buffers, in PyTorch's layout.

        `{'state': {param index: {name: Tensor or number}}, 'param_groups': [...]}` with
        parameters numbered in group order; `nn.save` writes it and `load_state_dict`
        restores it. Buffers are given as Tensors, counters as numbers.

        Returns:
            A dict with `'state'` and `'param_groups'`.

        Examples:
            >>> w = nn.Parameter([1.0])
            >>> opt = nn.optim.Adam([w], lr=0.1)
            >>> (w * w).sum().backward()
            >>> opt.step()
            >>> sd = opt.state_dict()
            >>> sorted(sd["state"][0]), sd["param_groups"][0]["params"]
            (['exp_avg', 'exp_avg_sq', 'step'], [0])
        """
        params = self._all_params()
        index = {id(param): i for i, param in enumerate(params)}
        state = {}
        for param in params:
            buffers = self.state.get(id(param))
            if buffers:
                state[index[id(param)]] = {
                    name: value if isinstance(value, (int, float)) else mg.Tensor(value)
                    for name, value in buffers.items()
                }
        groups = [
            {**{k: copy.deepcopy(v) for k, v in group.items() if k != "params"},
             "params": [index[id(p)] for p in group["params"]]}
            for group in self.param_groups
        ]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and buffers saved by `state_dict()` (maybe via nn.save/nn.load).

        The saved groups must have the same sizes as this optimizer's; buffers must have
        their parameters' shapes. Everything is checked before anything changes; buffers
        are copied onto each parameter's backend and dtype.

        Args:
            state_dict: a dict from `state_dict()`.

        Returns:
            None.

        Raises:
            ValueError: not a dict with `'state'` and `'param_groups'`, group sizes that
                differ, an unknown parameter index, a wrong-shaped buffer or a bad
                hyperparameter; nothing was changed.

        Examples:
            >>> w = nn.Parameter([1.0])
            >>> opt = nn.optim.SGD([w], lr=0.1, momentum=0.9)
            >>> (w * w).sum().backward()
            >>> opt.step()
            >>> fresh = nn.optim.SGD([w], lr=0.5, momentum=0.9)
            >>> fresh.load_state_dict(opt.state_dict())
            >>> fresh.param_groups[0]["lr"], fresh.state_dict()["state"][0]["momentum_buffer"].tolist()
            (0.1, [2.0])
        """
        try:
            saved_groups = list(state_dict["param_groups"])
            saved_state = dict(state_dict["state"])
        except (KeyError, TypeError) as err:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict expects a dict with 'state' and 'param_groups'"
            ) from err
        ours = [len(group["params"]) for group in self.param_groups]
        theirs = [len(group.get("params", ())) for group in saved_groups]
        if ours != theirs:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: saved parameter groups have sizes {theirs}, "
                f"this optimizer's have {ours}"
            )
        params = self._all_params()
        new_state: dict[int, dict] = {}
        problems = []
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            merged = {**group, **{k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}}
            try:
                self._validate(merged)
            except (TypeError, ValueError) as err:
                problems.append(f"param_groups: {err}")
            new_groups.append(merged)
        for key, buffers in saved_state.items():
            if not isinstance(key, int) or not 0 <= key < len(params):
                problems.append(f"state for unknown parameter index {key!r}")
                continue
            param = params[key]
            restored = {}
            for name, value in buffers.items():
                if isinstance(value, np.generic) and value.dtype.kind in "iuf":
                    value = value.item()
                if isinstance(value, (int, float)):
                    restored[name] = value
                    continue
                value = value if isinstance(value, mg.Tensor) else mg.Tensor(value)
                if tuple(value.shape) != tuple(param.shape):
                    problems.append(f"state[{key}][{name!r}]: shape {tuple(value.shape)}, parameter {tuple(param.shape)}")
                    continue
                restored[name] = fresh_copy(value.detach().to(param.backend).astype(param.dtype).data)
            new_state[id(param)] = restored
        if problems:
            raise ValueError(f"{type(self).__name__}.load_state_dict (nothing was changed): " + "; ".join(problems))
        for group, merged in zip(self.param_groups, new_groups):
            group.update(merged)
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"  group {i}: {len(group['params'])} parameters")
            lines += [f"    {k}: {v}" for k, v in group.items() if k != "params"]
        return "\n".join(lines + [")"])


def _check_number(optimizer: Optimizer, group: dict, key: str, what: str, low: float | None = 0.0,
                  high: float | None = None) -> None:
    """group[key] must be a real number in [low, high) (NaN never is); NumPy scalars become
    Python numbers, so a state_dict saves and loads them as numbers."""
    value = group[key]
    name = type(optimizer).__name__
    if isinstance(value, np.generic) and value.dtype.kind in "iuf":
        value = group[key] = value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: {what} must be a real number, got {type(value).__name__} {value!r}"
                        + ("; pass a Python float (tensor.item())" if isinstance(value, mg.Tensor) else ""))
    bounds = f">= {low}" if high is None else f"in [{low}, {high})"
    if (low is not None and not low <= value) or (high is not None and not value < high) or math.isnan(value):
        raise ValueError(f"{name}: invalid {what} {value!r}: it must be {bounds}" if low is not None
                         else f"{name}: invalid {what} {value!r}: it must be a number, not NaN")


def _describe(array: Any) -> str:
    return f"{tuple(array.shape)} {array.dtype} on {mg.Tensor(array).backend}"


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, Nesterov and weight decay, as `torch.optim.SGD`.

    PyTorch's formulation, step for step: g = grad + weight_decay · p; with momentum
    buf = momentum · buf + (1 - dampening) · g (buf = g on the first step) and g = buf,
    or g + momentum · buf with Nesterov; then p -= lr · g. A row-sparse gradient
    (`nn.Embedding(sparse=True)`) updates only its rows, so it needs momentum = 0 and
    weight_decay = 0. The positional order is PyTorch's, (lr, momentum, dampening,
    weight_decay, nesterov), so `SGD(p, 0.1, 0.9, 0.5)` means dampening 0.5 in both.

    Args:
        params: Tensors or param-group dicts.
        lr: the learning rate (required here; PyTorch 2.x defaults to 1e-3).
        momentum: the momentum factor.
        dampening: damps the momentum's new gradient.
        weight_decay: the L2 penalty.
        nesterov: Nesterov momentum (needs momentum > 0, dampening = 0).

    Raises:
        TypeError, ValueError: as `Optimizer`, or a bad Nesterov setting.

    Examples:
        >>> w = nn.Parameter([1.0])
        >>> opt = nn.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     (w * w).sum().backward()
        ...     opt.step()
        >>> round(w.item(), 4)
        0.46
    """

    def __init__(self, params: Iterable[Parameter] | Iterable[dict], lr: float, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, {"lr": lr, "momentum": momentum, "weight_decay": weight_decay,
                                      "dampening": dampening, "nesterov": nesterov})

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        _check_number(self, group, "momentum", "momentum")
        _check_number(self, group, "dampening", "dampening", low=None)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")

    def _check_grad(self, param: Parameter, group: dict) -> None:
        if isinstance(param.grad, mg.RowSparseGrad) and (group["momentum"] or group["weight_decay"]):
            raise RuntimeError(
                "SGD: a sparse gradient (nn.Embedding(sparse=True)) is applied to its rows only, "
                "which momentum and weight_decay (updates of every row) would defeat; use "
                "momentum=0 and weight_decay=0 for this parameter group, or sparse=False"
            )

    def _update(self, param: Parameter, group: dict, state: dict) -> None:
        grad = param.grad
        if isinstance(grad, mg.RowSparseGrad):  # p[rows] -= lr * g[rows]: only the touched rows
            grad.add_to_(param.data, alpha=-group["lr"])
            return
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param.data
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = fresh_copy(grad)
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        data = param.data
        if not elementwise_compiled.subtract_scaled_(mg.get_array_module(data), data, grad,
                                                     group["lr"]):
            data -= group["lr"] * grad                       # p -= lr · g
        param.data = data  # an in-place change: a graph that used the old p refuses backward


class Adam(Optimizer):
    """Adam (Kingma & Ba), PyTorch's formulation, as `torch.optim.Adam`.

    m = β1 m + (1 - β1) g;  v = β2 v + (1 - β2) g²;
    p -= lr / (1 - β1ᵗ) · m / (√v / √(1 - β2ᵗ) + ε).
    `weight_decay` is the L2 form (added to g), unless `decoupled_weight_decay`
    (AdamW), where p *= 1 - lr · weight_decay before the update. `amsgrad` uses the
    running maximum of v.

    Args:
        params: Tensors or param-group dicts.
        lr: the learning rate.
        betas: (β1, β2), each in [0, 1).
        eps: ε, added to the denominator.
        weight_decay: the L2 (or decoupled) penalty.
        amsgrad: use max(v) so far.
        decoupled_weight_decay: AdamW's decay.

    Raises:
        TypeError, ValueError: as `Optimizer`, or bad betas or eps.

    Examples:
        >>> w = nn.Parameter([1.0])
        >>> opt = nn.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> round(w.item(), 4)
        0.9
    """

    def __init__(self, params: Iterable[Parameter] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
                 amsgrad: bool = False, decoupled_weight_decay: bool = False):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                      "amsgrad": amsgrad, "decoupled_weight_decay": decoupled_weight_decay})

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        _check_number(self, group, "eps", "epsilon")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{type(self).__name__}: betas must be a pair of numbers in [0, 1), got {betas!r}")
        checked = {"b0": betas[0], "b1": betas[1]}
        for key in checked:
            _check_number(self, checked, key, "betas", high=1.0)
        group["betas"] = (checked["b0"], checked["b1"])

    def _update(self, param: Parameter, group: dict, state: dict) -> None:
        xp = mg.get_array_module(param.data)
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param.data)
            state["exp_avg_sq"] = xp.zeros_like(param.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param.data)
        beta1, beta2 = group["betas"]
        lr, weight_decay = group["lr"], group["weight_decay"]
        grad = param.grad
        state["step"] += 1
        step = state["step"]
        if weight_decay:
            if group["decoupled_weight_decay"]:
                param.data *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param.data
        # The buffers are ours alone, so they are updated in place (this also keeps a
        # 0-d buffer an array: NumPy arithmetic on 0-d arrays returns scalars).
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        second_moment = exp_avg_sq
        if group["amsgrad"]:
            second_moment = xp.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
        step_size = lr / (1 - beta1 ** step)
        denom = xp.sqrt(second_moment) / math.sqrt(1 - beta2 ** step) + group["eps"]
        param.data -= step_size * (exp_avg / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as `torch.optim.AdamW`.

    p *= 1 - lr · weight_decay each step, independent of the gradient statistics, then
    the Adam update. Default weight_decay 1e-2, as PyTorch.

    Args:
        params: Tensors or param-group dicts.
        lr: the learning rate.
        betas: (β1, β2).
        eps: ε.
        weight_decay: the decoupled decay.
        amsgrad: use max(v) so far.

    Raises:
        TypeError, ValueError: as `Adam`.

    Examples:
        >>> w = nn.Parameter([1.0])
        >>> opt = nn.optim.AdamW([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> round(w.item(), 4)
        0.899
    """

    def __init__(self, params: Iterable[Parameter] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, decoupled_weight_decay=True)


class SparseAdam(Optimizer):
    """Adam for sparse gradients (`nn.Embedding(sparse=True)`), as `torch.optim.SparseAdam`.

    The "lazy" Adam: only the rows a step's gradient touches update their moments and
    their parameters; the others keep theirs untouched until they next appear. For the
    touched rows (duplicates summed first), with t the step count:
    m = β1 m + (1 - β1) g;  v = β2 v + (1 - β2) g²;
    p -= lr √(1 - β2ᵗ) / (1 - β1ᵗ) · m / (√v + ε).
    Dense gradients are refused, as PyTorch does.

    Args:
        params: Tensors or param-group dicts.
        lr: the learning rate.
        betas: (β1, β2), each in [0, 1).
        eps: ε > 0.
        maximize: ascend instead of descend.

    Raises:
        ValueError: bad betas or eps (and as `Optimizer`).

    Examples:
        >>> emb = nn.Embedding.from_pretrained(mg.zeros(3, 2), freeze=False, sparse=True)
        >>> opt = nn.optim.SparseAdam(emb.parameters(), lr=0.1)
        >>> emb(mg.tensor([1])).sum().backward()
        >>> opt.step()
        >>> emb.weight.numpy().round(4)
        array([[ 0. ,  0. ],
               [-0.1, -0.1],
               [ 0. ,  0. ]], dtype=float32)
    """

    def __init__(self, params: Iterable[Parameter] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, maximize: bool = False):
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"SparseAdam: betas must be in [0, 1), got {betas}")
        if eps <= 0:
            raise ValueError(f"SparseAdam: eps must be > 0, got {eps}")
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "maximize": maximize})

    def _check_grad(self, param: Parameter, group: dict) -> None:
        if param.grad is not None and not isinstance(param.grad, mg.RowSparseGrad):
            raise RuntimeError(
                "SparseAdam does not support dense gradients, please consider Adam instead "
                "(or build the embedding with sparse=True)"
            )

    def _update(self, param: Parameter, group: dict, state: dict) -> None:
        xp = mg.get_array_module(param.data)
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param.data)
            state["exp_avg_sq"] = xp.zeros_like(param.data)
        state["step"] += 1
        step = state["step"]
        beta1, beta2 = group["betas"]
        grad = param.grad.coalesce()
        rows, g = grad.indices, grad.values
        if group["maximize"]:
            g = -g
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        m = exp_avg[rows] * beta1 + (1 - beta1) * g
        v = exp_avg_sq[rows] * beta2 + (1 - beta2) * g * g
        exp_avg[rows] = m
        exp_avg_sq[rows] = v
        step_size = group["lr"] * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
        param.data[rows] -= (step_size * (m / (xp.sqrt(v) + group["eps"]))).astype(param.data.dtype)
