"""Module mechanics: registration, traversal, modes, moving, state dicts, repr."""
import re

import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
import nn


class Affine(nn.Module):
    """Parameters defined out of alphabetical order, plus a buffer."""

    def __init__(self, nin, nout):
        super().__init__()
        self.weight = nn.Parameter(mg.randn(nout, nin))
        self.bias = nn.Parameter(mg.zeros(nout))
        self.register_buffer("running", mg.ones(nout))

    def forward(self, x):
        return x @ self.weight.T + self.bias


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.zeta = Affine(3, 4)
        self.alpha = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
        self.scale = nn.Parameter(mg.ones(()))

    def forward(self, x):
        return self.alpha(self.zeta(x)) * self.scale


# PyTorch's order: a module's own parameters in definition order, then each child's.
NET_KEYS = ["scale", "zeta.weight", "zeta.bias", "alpha.0.weight", "alpha.0.bias", "alpha.2.weight",
            "alpha.2.bias"]


def test_named_parameters_are_dotted_and_in_definition_order():
    net = Net()
    assert [name for name, _ in net.named_parameters()] == NET_KEYS
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert len(net.parameters()) == len(NET_KEYS)
    assert net.named_parameters(recurse=False) == [("scale", net.scale)]


def test_modules_children_and_named_modules():
    net = Net()
    assert net.children() == [net.zeta, net.alpha]
    names = [name for name, _ in net.named_modules()]
    assert names == ["", "zeta", "alpha", "alpha.0", "alpha.1", "alpha.2"]
    assert net.modules()[0] is net and len(net.modules()) == 6


def test_shared_parameters_and_modules_are_listed_once():
    layer = nn.Linear(3, 3)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(model.modules()) == 3


def test_list_of_modules_is_registered_like_micrograd():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2), nn.Linear(2, 1)]

    model = Stack()
    assert isinstance(model.layers, nn.ModuleList)
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]


def test_assigning_before_init_and_wrong_types_are_clear_errors():
    class Forgetful(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(mg.zeros(2))

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Forgetful()
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'.*Parameter or None"):
        layer.weight = mg.zeros(2, 2)
    layer.bias = None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = layer.missing


def test_reassigning_an_attribute_moves_it_between_registries():
    net = Net()
    net.scale = nn.Linear(1, 1)  # a parameter slot becomes a submodule
    assert "scale" not in net._parameters and net.children()[-1] is net.scale
    del net.scale
    assert [name for name, _ in net.named_children()] == ["zeta", "alpha"]


def test_zero_grad_sets_grads_to_none():
    net = Net()
    net(mg.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_train_and_eval_reach_every_module():
    model = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.Dropout(0.5)))
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    x = mg.randn(4, 3)
    assert model[1](x) is x  # dropout is the identity in eval mode
    assert model.train() is model
    assert all(m.training for m in model.modules())


def test_to_moves_parameters_grads_and_buffers_in_place(backend):
    net = Net()
    params = net.parameters()
    before = [p.numpy() for p in params]
    net(mg.randn(2, 3)).sum().backward()
    assert net.to(backend) is net
    assert net.parameters() == params  # the same objects: optimizers keep working
    for p, values in zip(params, before):
        assert p.backend == backend and isinstance(p, nn.Parameter) and p.requires_grad
        assert type(p.grad) is type(p.data)
        np.testing.assert_array_equal(p.numpy(), values)
    assert net.zeta.running.backend == backend
    out = net(mg.randn(2, 3, backend=backend))
    assert out.backend == backend
    net.to("numpy")
    assert all(p.backend == "numpy" for p in net.parameters())


def test_state_dict_has_every_parameter_and_buffer():
    net = Net()
    state = net.state_dict()
    assert list(state) == NET_KEYS[:3] + ["zeta.running"] + NET_KEYS[3:]
    assert all(isinstance(v, mg.Tensor) and not v.requires_grad for v in state.values())
    np.testing.assert_array_equal(state["zeta.weight"].numpy(), net.zeta.weight.numpy())


def test_load_state_dict_copies_into_existing_parameters(backend):
    source, target = Net(), Net().to(backend)
    params = target.parameters()
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert target.parameters() == params
    for (name, p), q in zip(target.named_parameters(), source.parameters()):
        assert p.backend == backend, name
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    # the copy is independent: training the target leaves the source alone
    with mg.no_grad():
        target.scale.data += 1.0
    assert source.scale.item() == 1.0


def test_load_state_dict_casts_dtype_and_accepts_numpy_arrays():
    net = Net()
    state = {name: value.numpy().astype(np.float64) + 1 for name, value in net.state_dict().items()}
    net.load_state_dict(state)
    assert net.zeta.weight.dtype == np.float32
    assert_close(net.zeta.weight, state["zeta.weight"], np.float32)


def test_load_state_dict_lists_every_problem_and_changes_nothing():
    net = Net()
    before = {name: value.numpy() for name, value in net.state_dict().items()}
    state = Net().state_dict()
    del state["zeta.bias"]
    del state["scale"]
    state["extra.weight"] = mg.zeros(3)
    state["alpha.0.weight"] = mg.zeros(4, 5)
    state["alpha.2.bias"] = mg.zeros(7)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    for name in ["zeta.bias", "scale", "extra.weight", "alpha.0.weight", "alpha.2.bias", "(4, 5)", "(5, 4)"]:
        assert name in message
    assert "nothing was changed" in message
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[name])


def test_non_strict_load_reports_but_shapes_still_must_match():
    net = Net()
    state = {"zeta.weight": mg.ones(4, 3), "unknown": mg.zeros(1)}
    result = net.load_state_dict(state, strict=False)
    assert result.unexpected_keys == ["unknown"]
    assert "zeta.bias" in result.missing_keys and "zeta.weight" not in result.missing_keys
    np.testing.assert_array_equal(net.zeta.weight.numpy(), np.ones((4, 3), np.float32))
    with pytest.raises(RuntimeError, match="zeta.weight"):
        net.load_state_dict({"zeta.weight": mg.ones(3, 4)}, strict=False)


def test_optimizer_keeps_working_after_load_state_dict():
    net, other = Net(), Net()
    optimizer = nn.optim.SGD(net.parameters(), lr=0.1)
    net.load_state_dict(other.state_dict())
    net(mg.randn(2, 3)).sum().backward()
    optimizer.step()
    assert not np.array_equal(net.zeta.weight.numpy(), other.zeta.weight.numpy())


def test_repr_is_nested_and_shows_shapes():
    text = repr(Net())
    assert text.splitlines()[:2] == ["Net(", "  scale=()"]
    assert "  (zeta): Affine(weight=(4, 3), bias=(4,), running=(4,) buffer)" in text
    assert "  (alpha): Sequential(\n    (0): Linear(in_features=4, out_features=5, bias=True)" in text
    assert "    (1): Tanh()" in text
    assert text.endswith("\n)")
    assert repr(nn.Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25)"
    assert repr(nn.Parameter(mg.zeros(2))).startswith("Parameter containing:\ntensor(")


def test_sequential_behaves_like_a_list_and_accepts_names():
    model = nn.Sequential({"hidden": nn.Linear(2, 3), "act": nn.ReLU()})
    assert [name for name, _ in model.named_parameters()] == ["hidden.weight", "hidden.bias"]
    model.append(nn.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[-1], nn.Linear)
    assert isinstance(model[:2], nn.Sequential) and len(model[:2]) == 2
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    assert model(mg.randn(5, 2)).shape == (5, 1)
    with pytest.raises(TypeError, match="expected an nn.Module"):
        nn.Sequential(nn.Linear(2, 2), lambda x: x)


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2)])
    layers.append(nn.Linear(2, 3)).extend([nn.Tanh()])
    assert len(layers) == 3 and isinstance(layers[1], nn.Linear)
    layers[2] = nn.ReLU()
    assert isinstance(layers[2], nn.ReLU)
    assert [name for name, _ in layers.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    with pytest.raises(NotImplementedError, match="iterate"):
        layers(mg.zeros(2))


@pytest.mark.parity
def test_sequential_matches_torch(backend, torch):
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2), nn.Sigmoid())
    model.to(backend)
    reference = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 4),
                                    torch.nn.ReLU(), torch.nn.Linear(4, 2), torch.nn.Sigmoid())
    reference.load_state_dict({name: torch.tensor(host(value)) for name, value in model.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    out = model(mg.tensor(x, backend=backend))
    expected = reference(torch.tensor(x))
    assert_close(out, expected, np.float32)
    out.sum().backward()
    expected.sum().backward()
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        assert_close(p.grad, q.grad, np.float32, what=name)


def test_torch_state_dict_loads_into_our_model(torch):
    reference = torch.nn.Linear(4, 3)
    layer = nn.Linear(4, 3)
    layer.load_state_dict({name: value.numpy() for name, value in reference.state_dict().items()})
    x = np.ones((2, 4), np.float32)
    assert_close(layer(mg.tensor(x)), reference(torch.tensor(x)), np.float32)


@pytest.mark.parametrize("bad, seen", [
    (np.array(["a", "b", "c"]), "<U1"),
    (np.array(["2020-01-01"] * 3, dtype="datetime64[D]"), "datetime64"),
    (np.zeros(3, dtype=[("x", "f4")]), "[('x', '<f4')]"),
    (np.zeros(3, dtype=np.complex64), "complex64"),
    (np.array([object()] * 3), "object"),
    ("text", "str"),
    (None, "NoneType"),
])
def test_load_state_dict_refuses_uncastable_values_before_changing_anything(bad, seen):
    """A bad value for the *last* key must not leave the earlier keys overwritten."""
    net = Net()
    before = {name: value.numpy() for name, value in net.state_dict().items()}
    state = {name: value + 1 for name, value in Net().state_dict().items()}
    last = list(state)[-1]
    state[last] = bad
    with pytest.raises(RuntimeError, match=f"(?s)nothing was changed.*wrong dtypes.*{last}: checkpoint {re.escape(seen)}"):
        net.load_state_dict(state)
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[name], err_msg=name)


@pytest.mark.parametrize("bad", [[1, 2], "weights", 3, None, [("zeta.weight", mg.zeros(4, 3))]])
def test_load_state_dict_of_a_non_mapping_is_a_clear_type_error(bad):
    with pytest.raises(TypeError, match=f"Net.load_state_dict expects a mapping name -> Tensor.*got {type(bad).__name__}"):
        Net().load_state_dict(bad)


def test_load_state_dict_names_non_string_keys_and_hints_at_nested_checkpoints():
    net = Net()
    with pytest.raises(RuntimeError, match=r"unexpected keys: 0, x$"):
        net.load_state_dict({0: mg.zeros(1), "x": mg.zeros(1), **net.state_dict()})
    with pytest.raises(RuntimeError, match=r"(?s)unexpected keys: model.*checkpoint\['model'\]"):
        net.load_state_dict({"model": net.state_dict(), "step": 3})


def test_layers_take_pytorchs_device_as_their_backend():
    """`device=` is PyTorch's spelling of our `backend=`: the same, or a clear error."""
    layer = nn.Linear(2, 3, device="cpu")
    assert layer.weight.backend == "numpy"
    assert nn.LSTM(2, 3, device="cpu").stack is not None
    with pytest.raises(TypeError, match="backend= or device="):
        nn.Linear(2, 3, device="cpu", backend="numpy")
    with pytest.raises(TypeError, match=r"MLP: device='cpu' is PyTorch's name.*\.to\('cpu'\)"):
        nn.MLP(2, [3], device="cpu")
