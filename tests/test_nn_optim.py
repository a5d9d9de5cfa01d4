"""Optimizers against torch.optim: 5 steps from identical parameters and gradients."""
import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
import nn

F32 = np.float32
SHAPES = [(3, 4), (4,), ()]
STEPS = 5

CONFIGS = [
    pytest.param("SGD", {"lr": 0.1}, id="sgd"),
    pytest.param("SGD", {"lr": 0.1, "weight_decay": 0.05}, id="sgd-wd"),
    pytest.param("SGD", {"lr": 0.05, "momentum": 0.9}, id="sgd-momentum"),
    pytest.param("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}, id="sgd-dampening"),
    pytest.param("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, id="sgd-nesterov"),
    pytest.param("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}, id="sgd-nesterov-wd"),
    pytest.param("Adam", {"lr": 0.01}, id="adam"),
    pytest.param("Adam", {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-6}, id="adam-betas"),
    pytest.param("Adam", {"lr": 0.01, "weight_decay": 0.1}, id="adam-l2"),
    pytest.param("Adam", {"lr": 0.01, "amsgrad": True}, id="adam-amsgrad"),
    pytest.param("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, id="adam-decoupled"),
    pytest.param("AdamW", {"lr": 0.01}, id="adamw-default-decay"),
    pytest.param("AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True}, id="adamw-amsgrad"),
]


def make_pair(torch, backend, seed=0):
    rng = np.random.default_rng(seed)
    values = [rng.normal(size=shape).astype(F32) for shape in SHAPES]
    ours = [nn.Parameter(mg.tensor(v, backend=backend)) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    return ours, theirs


def gradients(seed):
    rng = np.random.default_rng(100 + seed)
    return [rng.normal(size=shape).astype(F32) for shape in SHAPES]


def run_steps(torch, backend, ours, theirs, opt, reference, steps, first=0):
    for step in range(first, first + steps):
        for p, q, g in zip(ours, theirs, gradients(step)):
            p.grad = mg.tensor(g, backend=backend).data
            q.grad = torch.tensor(g)
        opt.step()
        reference.step()
        for i, (p, q) in enumerate(zip(ours, theirs)):
            assert p.backend == backend
            assert_close(p, q, F32, atol=1e-6, rtol=1e-5, what=f"param {i} after step {step + 1}")


@pytest.mark.parity
@pytest.mark.parametrize("name, options", CONFIGS)
def test_optimizer_matches_torch_for_five_steps(backend, torch, name, options):
    ours, theirs = make_pair(torch, backend)
    opt = getattr(nn.optim, name)(ours, **options)
    torch_options = dict(options)
    if torch_options.pop("decoupled_weight_decay", False):
        name = "AdamW"
    reference = getattr(torch.optim, name)(theirs, **torch_options)
    run_steps(torch, backend, ours, theirs, opt, reference, STEPS)


@pytest.mark.parity
@pytest.mark.parametrize("name, options", CONFIGS)
def test_state_dict_resumes_exactly(backend, torch, name, options):
    """3 steps, state_dict into a fresh optimizer, 2 more: same as torch's 5 uninterrupted."""
    ours, theirs = make_pair(torch, backend)
    opt = getattr(nn.optim, name)(ours, **options)
    torch_options = dict(options)
    if torch_options.pop("decoupled_weight_decay", False):
        name = "AdamW"
    reference = getattr(torch.optim, name)(theirs, **torch_options)
    run_steps(torch, backend, ours, theirs, opt, reference, 3)
    state = opt.state_dict()
    resumed = type(opt)(ours, lr=123.0)  # hyperparameters come back from the state dict too
    resumed.load_state_dict(state)
    assert resumed.param_groups[0]["lr"] == options["lr"]
    run_steps(torch, backend, ours, theirs, resumed, reference, 2, first=3)


def test_state_dict_layout_is_torchs():
    params = [nn.Parameter(mg.ones(2)), nn.Parameter(mg.ones(3))]
    opt = nn.optim.Adam(params, lr=0.1)
    params[1].grad = mg.ones(3).data
    opt.step()
    state = opt.state_dict()
    assert list(state["state"]) == [1]  # only parameters that have stepped have state
    assert state["state"][1]["step"] == 1
    assert isinstance(state["state"][1]["exp_avg"], mg.Tensor)
    assert state["param_groups"][0]["params"] == [0, 1]
    assert state["param_groups"][0]["betas"] == (0.9, 0.999)


@pytest.mark.parity
def test_param_groups_with_their_own_hyperparameters(backend, torch):
    ours, theirs = make_pair(torch, backend)
    opt = nn.optim.SGD([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.5, "momentum": 0.5}], lr=0.1)
    reference = torch.optim.SGD([{"params": theirs[:2]}, {"params": theirs[2:], "lr": 0.5, "momentum": 0.5}],
                                lr=0.1)
    run_steps(torch, backend, ours, theirs, opt, reference, STEPS)


@pytest.mark.parity
def test_training_loop_matches_torch(backend, torch):
    """The usual loop: forward, zero_grad, backward, step, with grads from a real loss."""
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2)).to(backend)
    reference = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    reference.load_state_dict({k: torch.tensor(host(v)) for k, v in model.state_dict().items()})
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    torch_opt = torch.optim.Adam(reference.parameters(), lr=0.05)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype(F32), rng.integers(0, 2, size=16)
    for _ in range(STEPS):
        loss = nn.functional.cross_entropy(model(mg.tensor(x, backend=backend)), mg.tensor(y, backend=backend))
        opt.zero_grad()
        loss.backward()
        opt.step()
        torch_loss = torch.nn.functional.cross_entropy(reference(torch.tensor(x)), torch.tensor(y))
        torch_opt.zero_grad()
        torch_loss.backward()
        torch_opt.step()
        assert_close(loss, torch_loss, F32, atol=1e-6, rtol=1e-5)
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        assert_close(p, q, F32, atol=1e-6, rtol=1e-5, what=name)


def test_parameters_without_grad_are_skipped_and_zero_grad_clears(backend):
    a, b = nn.Parameter(mg.ones(2, backend=backend)), nn.Parameter(mg.ones(2, backend=backend))
    opt = nn.optim.Adam([a, b], lr=0.1)
    a.grad = mg.ones(2, backend=backend).data
    opt.step()
    assert host(b).tolist() == [1.0, 1.0] and host(a).tolist() != [1.0, 1.0]
    opt.zero_grad()
    assert a.grad is None and b.grad is None


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_plain_leaf_tensors_are_optimized_like_torch(name, torch):
    """PyTorch's `SGD([w, b], lr=0.1)`: leaves that require grad, no nn.Parameter needed."""
    w0, b0 = np.array([[0.5, -1.0], [2.0, 0.3]]), np.array([0.1, -0.2])
    ours = [mg.tensor(w0, requires_grad=True), mg.tensor(b0, requires_grad=True)]
    theirs = [torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)]
    opt = getattr(nn.optim, name)(ours, lr=0.1)
    ref = getattr(torch.optim, name)(theirs, lr=0.1)
    x = np.array([[1.0, 2.0], [-1.0, 0.5]])
    for _ in range(3):
        for (w, b), o, t in ((ours, opt, mg.tensor), (theirs, ref, torch.tensor)):
            o.zero_grad()
            ((t(x) @ w + b) ** 2).sum().backward()
            o.step()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_bad_parameter_lists_are_explained():
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.optim.Adam(nn.Sequential().parameters())
    with pytest.raises(TypeError, match="item 1 is a tensor that does not require grad"):
        nn.optim.SGD([nn.Parameter(mg.ones(2)), mg.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="item 0 is a non-leaf tensor"):
        nn.optim.SGD([mg.ones(2, requires_grad=True) * 2], lr=0.1)
    with pytest.raises(TypeError, match="item 0 is a list"):
        nn.optim.Adam([[nn.Parameter(mg.ones(2))]])
    shared = nn.Parameter(mg.ones(2))
    with pytest.raises(ValueError, match="more than once"):
        nn.optim.SGD([shared, shared], lr=0.1)


def test_bad_hyperparameters_are_explained():
    p = [nn.Parameter(mg.ones(2))]
    with pytest.raises(ValueError, match="learning rate"):
        nn.optim.SGD(p, lr=-1.0)
    with pytest.raises(ValueError, match="Nesterov"):
        nn.optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        nn.optim.Adam(p, betas=(1.0, 0.999))
    with pytest.raises(TypeError, match="unknown hyperparameters \\['lrr'\\]"):
        nn.optim.SGD([{"params": p, "lrr": 0.1}], lr=0.1)


def test_load_state_dict_rejects_mismatches_without_changing_anything():
    params = [nn.Parameter(mg.ones(2)), nn.Parameter(mg.ones(3))]
    opt = nn.optim.SGD(params, lr=0.1, momentum=0.9)
    for p in params:
        p.grad = mg.ones(p.shape).data
    opt.step()
    other = nn.optim.SGD([nn.Parameter(mg.ones(2))], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="sizes \\[2\\].*\\[1\\]"):
        other.load_state_dict(opt.state_dict())
    swapped = nn.optim.SGD([nn.Parameter(mg.ones(3)), nn.Parameter(mg.ones(2))], lr=0.5, momentum=0.9)
    with pytest.raises(ValueError, match="nothing was changed.*shape \\(2,\\), parameter \\(3,\\)"):
        swapped.load_state_dict(opt.state_dict())
    assert swapped.state == {} and swapped.param_groups[0]["lr"] == 0.5
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        swapped.load_state_dict({"weights": []})


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_optimizer_state_follows_a_module_moved_to_another_backend(name):
    """Built on numpy, moved to the strict backend mid-training: same result as never moving."""
    results = []
    for move in (False, True):
        mg.manual_seed(0)
        model = nn.Linear(2, 2)
        opt = getattr(nn.optim, name)(model.parameters(), lr=0.1, **({"momentum": 0.9} if name == "SGD" else {}))
        for step in range(3):
            if move and step == 1:
                model.to("strict")
            model(mg.ones(1, 2, backend=model.weight.backend)).sum().backward()
            opt.step()
            opt.zero_grad()
        assert model.weight.backend == ("strict" if move else "numpy")
        results.append(host(model.weight))
    np.testing.assert_array_equal(results[0], results[1])


def test_optimizer_state_loads_onto_the_parameters_backend():
    model = nn.Linear(2, 2)
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(mg.ones(1, 2)).sum().backward()
    opt.step()
    restored = nn.optim.SGD(model.to("strict").parameters(), lr=0.1, momentum=0.9)
    restored.load_state_dict(opt.state_dict())
    assert all(type(buf) is type(model.weight.data) for s in restored.state.values() for buf in s.values())
    model(mg.ones(1, 2, backend="strict")).sum().backward()
    restored.step()


def test_repr_lists_groups():
    text = repr(nn.optim.SGD([nn.Parameter(mg.ones(2))], lr=0.1))
    assert text.startswith("SGD (") and "1 parameters" in text and "lr: 0.1" in text


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_step_is_all_or_nothing(backend, name):
    """A bad .grad on a later parameter (its .data replaced after the grad was set) leaves
    every earlier parameter and every moment buffer untouched."""
    params = [nn.Parameter(mg.ones(2, 3, backend=backend)), nn.Parameter(mg.ones(4, backend=backend))]
    options = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    opt = getattr(nn.optim, name)(params, **options)
    for p in params:
        p.grad = mg.ones(p.shape, backend=backend).data
    opt.step()
    before = [host(p) for p in params]
    state_before = {k: {n: host(v) if not isinstance(v, (int, float)) else v for n, v in s.items()}
                    for k, s in opt.state.items()}
    params[1].data = mg.ones(5, backend=backend).data  # now its grad (4,) no longer fits
    with pytest.raises(RuntimeError, match=r"step\(\): nothing was updated: parameter 1 is \(5,\) float32 .*"
                                           r"its \.grad is \(4,\) float32"):
        opt.step()
    np.testing.assert_array_equal(host(params[0]), before[0])
    for key, buffers in opt.state.items():
        for buffer_name, value in buffers.items():
            np.testing.assert_array_equal(host(value), state_before[key][buffer_name])


def test_a_broadcastable_wrong_grad_never_reaches_step():
    p = nn.Parameter(mg.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"shape \(1,\) to a tensor of shape \(2, 3\)"):
        p.grad = np.ones(1, dtype=np.float32)
    assert p.grad is None


NAN = float("nan")


@pytest.mark.parametrize("name, options, error, match", [
    ("SGD", {"lr": "0.1"}, TypeError, "SGD: learning rate must be a real number, got str '0.1'"),
    ("SGD", {"lr": NAN}, ValueError, "SGD: invalid learning rate nan"),
    ("SGD", {"lr": -1.0}, ValueError, "SGD: invalid learning rate -1.0: it must be >= 0"),
    ("SGD", {"lr": 0.1, "momentum": -0.5}, ValueError, "invalid momentum -0.5"),
    ("SGD", {"lr": 0.1, "momentum": NAN}, ValueError, "invalid momentum nan"),
    ("SGD", {"lr": 0.1, "weight_decay": NAN}, ValueError, "invalid weight_decay nan"),
    ("SGD", {"lr": mg.tensor(0.1)}, TypeError, r"got Tensor .*tensor\.item\(\)"),
    ("SGD", {"lr": 0.1, "nesterov": True}, ValueError, "Nesterov"),
    ("Adam", {"lr": NAN}, ValueError, "Adam: invalid learning rate nan"),
    ("Adam", {"eps": NAN}, ValueError, "Adam: invalid epsilon nan"),
    ("Adam", {"eps": -1e-8}, ValueError, "invalid epsilon -1e-08"),
    ("Adam", {"weight_decay": NAN}, ValueError, "invalid weight_decay nan"),
    ("Adam", {"betas": (1.0, 0.999)}, ValueError, r"invalid betas 1.0: it must be in \[0.0, 1.0\)"),
    ("Adam", {"betas": (0.9, NAN)}, ValueError, "invalid betas nan"),
    ("Adam", {"betas": 0.9}, TypeError, "betas must be a pair"),
    ("AdamW", {"lr": NAN}, ValueError, "AdamW: invalid learning rate nan"),
    ("AdamW", {"weight_decay": "0.01"}, TypeError, "AdamW: weight_decay must be a real number"),
])
def test_bad_hyperparameters_are_refused_like_torch(name, options, error, match):
    p = [nn.Parameter(mg.ones(2))]
    with pytest.raises(error, match=match):
        getattr(nn.optim, name)(p, **options)
    with pytest.raises(error, match=match):  # a parameter group is checked the same way
        defaults = {"lr": 0.1} if name == "SGD" else {}
        opt = getattr(nn.optim, name)([nn.Parameter(mg.ones(1))], **defaults)
        opt.add_param_group({"params": p, **options})


def test_numpy_scalar_hyperparameters_become_python_numbers():
    opt = nn.optim.Adam([nn.Parameter(mg.ones(2))], lr=np.float64(0.1), betas=(np.float32(0.5), 0.9))
    group = opt.param_groups[0]
    assert type(group["lr"]) is float and type(group["betas"][0]) is float


def test_load_state_dict_refuses_bad_hyperparameters_without_changing_anything():
    params = [nn.Parameter(mg.ones(2))]
    opt = nn.optim.SGD(params, lr=0.1, momentum=0.9)
    params[0].grad = mg.ones(2).data
    opt.step()
    state = opt.state_dict()
    state["param_groups"][0]["lr"] = mg.tensor(0.1)  # what an old checkpoint could hold
    fresh = nn.optim.SGD([nn.Parameter(mg.ones(2))], lr=0.5, momentum=0.9)
    with pytest.raises(ValueError, match="nothing was changed.*learning rate must be a real number"):
        fresh.load_state_dict(state)
    assert fresh.state == {} and fresh.param_groups[0]["lr"] == 0.5


def test_sgd_takes_pytorchs_positional_order(torch):
    """(lr, momentum, dampening, weight_decay, nesterov), as torch.optim.SGD: a positional
    call never means something else here."""
    values = np.array([1.0, -2.0, 0.5])
    ours = nn.Parameter(values.copy())
    theirs = torch.tensor(values.copy(), requires_grad=True)
    ours_opt = nn.optim.SGD([ours], 0.1, 0.9, 0.5, 0.01)
    theirs_opt = torch.optim.SGD([theirs], 0.1, 0.9, 0.5, 0.01)
    for _ in range(3):
        for p, opt in ((ours, ours_opt), (theirs, theirs_opt)):
            opt.zero_grad()
            (p * p * p).sum().backward()
            opt.step()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
