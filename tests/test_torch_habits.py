"""What PyTorch and micrograd users write by habit: each trap of issue 13 (and the
"silently wrong values" 11-15 of issue 12) behaves as PyTorch, or raises naming our
spelling. Every case compares with torch where torch has the name."""
import numpy as np
import pytest
from helpers import assert_close, host

import minigrad as mg
import nn

F64 = np.float64


def arr(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-2, 2, size=shape)


# ---- transpose: none reverses, two swap (any ndim), a full permutation permutes ----------

TRANSPOSES = [((2, 3), ()), ((2, 3), (0, 1)), ((2, 3), (1, 0)), ((2, 3, 4), (0, 2)),
              ((2, 3, 4), (-1, 1)), ((2, 3, 4), (2, 0, 1)), ((2, 3, 4, 5), (1, 3)), ((3,), ())]


@pytest.mark.parametrize("shape, axes", TRANSPOSES, ids=str)
def test_transpose_rule(shape, axes, backend, torch):
    x = arr(*shape)
    ours = mg.tensor(x, backend=backend).transpose(*axes)
    if len(axes) == 2:
        theirs = torch.tensor(x).transpose(*axes)
    elif axes:
        theirs = torch.tensor(x).permute(*axes)
    else:
        theirs = torch.tensor(x).permute(*reversed(range(len(shape))))
    assert_close(ours, theirs)


@pytest.mark.parametrize("call", [
    lambda x: x.transpose(2, 1), lambda x: x.transpose(0, -3), lambda x: x.swapaxes(0, 5),
    lambda x: x.permute(0, 2), lambda x: x.transpose(0, 1, 1), lambda x: x.squeeze(3),
    lambda x: x.flatten(5), lambda x: x.flatten(1, 0), lambda x: x.unsqueeze(4),
    lambda x: x.sum(2), lambda x: x.size(2), lambda x: mg.cat([x, x], dim=2),
])
def test_axes_out_of_range_raise_naming_the_op(call, backend):
    x = mg.zeros(2, 1, backend=backend)
    with pytest.raises((IndexError, ValueError, TypeError)) as info:
        call(x)
    message = str(info.value)
    assert any(name in message for name in ("transpose", "swapaxes", "permute", "squeeze",
                                            "flatten", "unsqueeze", "sum", "size", "cat"))


def test_t_is_torchs():
    assert mg.zeros(2, 3).t().shape == (3, 2)
    assert mg.zeros(3).t().shape == (3,)
    with pytest.raises(ValueError, match="at most 2 dimensions"):
        mg.zeros(2, 3, 4).t()


# ---- dim= / keepdim= are aliases everywhere an axis is taken ------------------------------

ALIASED = [  # (id, call with our spelling, the same call in PyTorch's spelling)
    ("sum", lambda x: x.sum(axis=1, keepdims=True), lambda x: x.sum(dim=1, keepdim=True)),
    ("mean", lambda x: mg.mean(x, axis=0), lambda x: mg.mean(x, dim=0)),
    ("var", lambda x: x.var(axis=1, ddof=1), lambda x: x.var(dim=1, correction=1)),
    ("std", lambda x: x.std(axis=0, keepdims=True), lambda x: x.std(dim=0, keepdim=True, unbiased=False)),
    ("amax", lambda x: x.amax(axis=1), lambda x: x.amax(dim=1)),
    ("prod", lambda x: x.prod(axis=1), lambda x: x.prod(dim=1)),
    ("logsumexp", lambda x: x.logsumexp(axis=1), lambda x: x.logsumexp(dim=1)),
    ("softmax", lambda x: x.softmax(axis=0), lambda x: nn.functional.softmax(x, dim=0)),
    ("log_softmax", lambda x: mg.log_softmax(x, axis=0), lambda x: x.log_softmax(dim=0)),
    ("argmax", lambda x: x.argmax(axis=1), lambda x: x.argmax(dim=1)),
    ("any", lambda x: (x > 0).any(axis=1), lambda x: (x > 0).any(dim=1)),
    ("unsqueeze", lambda x: x.unsqueeze(axis=1), lambda x: x.unsqueeze(dim=1)),
    ("squeeze", lambda x: x[:1].squeeze(axis=0), lambda x: x[:1].squeeze(dim=0)),
    ("flatten", lambda x: x.flatten(start_axis=0), lambda x: x.flatten(start_dim=0)),
    ("cat", lambda x: mg.cat([x, x], axis=1), lambda x: mg.cat([x, x], dim=1)),
    ("stack", lambda x: mg.stack([x, x], axis=1), lambda x: mg.stack([x, x], dim=1)),
    ("split", lambda x: mg.split(x, 2, axis=1)[0], lambda x: x.split(2, dim=1)[0]),
    ("chunk", lambda x: mg.chunk(x, 2, axis=1)[1], lambda x: x.chunk(2, dim=1)[1]),
    ("cumsum", lambda x: x.cumsum(axis=1), lambda x: x.cumsum(dim=1)),
    ("swapaxes", lambda x: x.swapaxes(0, 1), lambda x: x.transpose(dim0=0, dim1=1)),
    ("flip", lambda x: mg.flip(x, axis=1), lambda x: mg.flip(x, dims=1)),
]


@pytest.mark.parametrize("ours, torch_spelling", [pytest.param(a, b, id=i) for i, a, b in ALIASED])
def test_dim_and_keepdim_are_aliases(ours, torch_spelling, backend):
    x = mg.tensor(arr(3, 4), backend=backend)
    a, b = ours(x), torch_spelling(x)
    assert_close(a.astype("float64"), b.astype("float64"))


@pytest.mark.parametrize("call", [
    lambda x: x.sum(axis=0, dim=0), lambda x: mg.mean(x, keepdims=True, keepdim=True),
    lambda x: x.softmax(axis=0, dim=0), lambda x: x.max(1, axis=1),
    lambda x: x.max(dim=0, keepdim=True, keepdims=True),
])
def test_both_spellings_at_once_is_an_error(call):
    with pytest.raises(TypeError, match="both"):
        call(mg.zeros(2, 3))


# ---- max/min: axis= gives values (NumPy), max(k) and dim=k give (values, indices) ----------

def test_max_min_forms_match_torch(backend, torch):
    x = arr(3, 5)
    t, ours = torch.tensor(x), mg.tensor(x, backend=backend)
    for name in ("max", "min"):
        for pair, theirs in ((getattr(ours, name)(1), getattr(t, name)(1)),
                             (getattr(ours, name)(dim=0, keepdim=True), getattr(t, name)(dim=0, keepdim=True))):
            values, indices = pair
            assert_close(values, theirs.values)
            assert_close(indices, theirs.indices)
            assert pair.values is values and pair.indices is indices
        assert_close(getattr(ours, name)(axis=1), t.amax(1) if name == "max" else t.amin(1))
        assert_close(getattr(ours, name)(), getattr(t, name)())
    assert_close(ours.max(1)[0], t.max(1)[0])  # a PyTorch user's x.max(1)[0] is the values


# ---- PyTorch's small conveniences ----------------------------------------------------------

def test_size_numel_and_friends(torch):
    x, t = mg.zeros(2, 3), torch.zeros(2, 3)
    assert x.size() == tuple(t.size()) and x.size(1) == t.size(1) and x.size(-1) == 3
    assert x.size == 6 and x.numel() == t.numel() and x.dim() == t.dim()
    assert x.new_zeros(4).shape == (4,) and x.new_zeros(4).dtype == x.dtype
    assert x.new_ones((2, 2)).dtype == x.dtype and x.new_full((2,), 7.0).tolist() == [7.0, 7.0]
    assert x.cpu().backend == "numpy" and x.to("cpu").device == "cpu"
    assert x.to(mg.float64).dtype == mg.float64 and x.to("numpy", mg.float16).dtype == np.float16
    assert x.long().dtype == mg.long == np.int64 and x.double().dtype == mg.double


@pytest.mark.parametrize("name, torch_name", [
    ("float32", "float32"), ("float", "float"), ("float64", "float64"), ("double", "double"),
    ("float16", "half"), ("int64", "long"), ("long", "int64"), ("int32", "int"), ("int", "int32"),
    ("bool", "bool"), ("uint8", "uint8"), ("int16", "short"),
])
def test_dtype_names_are_torchs(name, torch_name, torch):
    dtype = getattr(mg, name)
    assert mg.zeros(2, dtype=dtype).dtype == dtype
    assert str(torch.zeros(2, dtype=getattr(torch, torch_name)).numpy().dtype) == str(dtype)


def test_cuda_is_the_cupy_backend():
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(mg.BackendUnavailableError, match="cupy"):
            mg.zeros(2).to("cuda")
        with pytest.raises(mg.BackendUnavailableError, match="cupy"):
            nn.Linear(2, 2).to("cuda:0")
    else:  # pragma: no cover - a CUDA machine
        assert mg.zeros(2).to("cuda").backend == "cupy"


def test_float_of_a_tensor_has_a_hint():
    assert float(mg.tensor([2.5])) == 2.5 and int(mg.tensor(3)) == 3
    with pytest.raises(TypeError, match="one-element.*reduce it first"):
        float(mg.zeros(2, 3))


def test_from_minigrad_import_nn_is_the_same_package():
    from minigrad import nn as nn_alias

    assert nn_alias is nn and nn_alias.Linear is nn.Linear and mg.nn.functional is nn.functional


# ---- micrograd's `.data = number` ----------------------------------------------------------

def test_data_accepts_numbers_and_lists(backend):
    a = mg.tensor([1.0, 2.0], backend=backend, requires_grad=True)
    a.data = 3.0
    assert a.shape == () and a.dtype == np.float32 and a.backend == backend and "3." in repr(a)
    a.data = [1, 2, 3]
    assert a.dtype == np.float32 and host(a.data).tolist() == [1.0, 2.0, 3.0]
    (a * a).sum().backward()
    assert host(a.grad).tolist() == [2.0, 4.0, 6.0]
    a.data = np.float64(0.5)
    assert a.item() == 0.5


@pytest.mark.parametrize("value", ["3", None, object(), {"a": 1}])
def test_data_refuses_anything_else(value):
    a = mg.tensor([1.0])
    with pytest.raises(TypeError, match="Tensor.data accepts"):
        a.data = value
    assert a.tolist() == [1.0]


def test_data_of_a_grad_tensor_stays_floating():
    a = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="floating"):
        a.data = np.array([1, 2])


# ---- integer tensors become the default float dtype, as in PyTorch -------------------------

INT_TO_FLOAT = [
    ("exp", lambda x: x.exp()), ("sqrt", lambda x: x.sqrt()), ("pow_half", lambda x: x ** 0.5),
    ("div", lambda x: x / 2), ("sin", lambda x: x.sin()), ("log1p", lambda x: x.log1p()),
    ("sigmoid", lambda x: x.sigmoid()), ("add_float", lambda x: x + 0.5),
    ("erf", lambda x: x.erf()), ("tanh", lambda x: x.tanh()), ("logsumexp", lambda x: x.logsumexp(0)),
]
# torch refuses these on integer tensors; minigrad gives what torch gives on the float copy
INT_TO_FLOAT_TORCH_REFUSES = [
    ("mean", lambda x: x.mean()), ("var", lambda x: x.var(correction=0)),
    ("softmax", lambda x: x.softmax(0)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, fn", INT_TO_FLOAT, ids=[n for n, _ in INT_TO_FLOAT])
def test_integer_tensors_give_the_default_float(name, fn, dtype, torch):
    mg.set_default_dtype(dtype)
    torch_default = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, dtype))
    try:
        ours, theirs = fn(mg.tensor([1, 2, 4])), fn(torch.tensor([1, 2, 4]))
        assert ours.dtype == np.dtype(dtype) == theirs.numpy().dtype
        assert_close(ours, theirs.numpy(), np.dtype(dtype))
    finally:
        torch.set_default_dtype(torch_default)


@pytest.mark.parametrize("name, fn", INT_TO_FLOAT_TORCH_REFUSES,
                         ids=[n for n, _ in INT_TO_FLOAT_TORCH_REFUSES])
def test_integer_reductions_give_the_default_float(name, fn, torch):
    ours = fn(mg.tensor([1, 2, 4]))
    assert ours.dtype == mg.get_default_dtype()
    assert_close(ours, fn(torch.tensor([1.0, 2.0, 4.0])), np.float32)
    with pytest.raises((RuntimeError, NotImplementedError)):
        fn(torch.tensor([1, 2, 4]))  # a deliberate difference: torch refuses


# ---- Python scalars across categories: PyTorch's promotion (issue 12, item 13) -------------

SCALAR_CASES = [
    ([1.0, 2.0], "float32", 1j), ([1.0, 2.0], "float64", 1j), ([True, False], "bool", 2),
    ([True, False], "bool", 2.5), ([True, False], "bool", True), ([1, 2], "int32", 2),
    ([1, 2], "int64", 2.5), ([1, 2], "int32", 1j), ([1.0, 2.0], "float32", 2),
    ([1.0, 2.0], "float64", 2.5),
]


@pytest.mark.parametrize("values, dtype, scalar, op", [
    (v, d, s, op) for v, d, s in SCALAR_CASES for op in ("add", "mul", "radd", "sub")
    if not (op == "sub" and d == "bool")], ids=str)  # torch refuses - on bool tensors
def test_python_scalars_promote_as_in_torch(values, dtype, scalar, op, torch):
    fns = {"add": lambda a: a + scalar, "mul": lambda a: a * scalar, "radd": lambda a: scalar + a,
           "sub": lambda a: a - scalar}
    ours = fns[op](mg.tensor(np.array(values, dtype=dtype)))
    theirs = fns[op](torch.tensor(np.array(values, dtype=dtype)))
    assert ours.dtype == theirs.numpy().dtype
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


# ---- issue 12, items 11, 12, 14, 15 --------------------------------------------------------

@pytest.mark.parametrize("ddof", [3, 5])
def test_var_with_too_few_degrees_of_freedom_is_inf_like_torch(ddof, torch, backend):
    ours = mg.tensor([1.0, 2.0, 3.0], backend=backend).var(ddof=ddof)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):  # torch warns, and still answers
        theirs = torch.tensor([1.0, 2.0, 3.0]).var(correction=ddof)
    assert np.isinf(ours.item()) and np.isinf(theirs.item())
    assert np.isnan(mg.tensor([2.0, 2.0]).var(ddof=2).item())  # 0 / 0


@pytest.mark.parametrize("make", [
    lambda: mg.rand(3, dtype="int64"), lambda: mg.randn(3, dtype="bool"),
    lambda: mg.rand(2, dtype=mg.long), lambda: mg.randn(2, dtype="int32"),
])
def test_random_floats_refuse_other_dtypes(make):
    with pytest.raises(TypeError, match="floating"):
        make()


@pytest.mark.parametrize("data", [
    [1, "a"], np.array([1, None], dtype=object), np.array(["2020-01-01"], dtype="datetime64[D]"),
    "abc", np.zeros(2, dtype=[("a", "f4")]), {"a": 1},
])
def test_non_numeric_data_is_refused(data):
    with pytest.raises(TypeError, match="numeric|cannot make a Tensor"):
        mg.tensor(data)


@pytest.mark.parametrize("call", [
    lambda: mg.zeros(2.5), lambda: mg.ones(2, 1.5), lambda: mg.zeros(2).reshape(3.5),
    lambda: nn.Linear(2.5, 2), lambda: nn.Embedding(3, 2.0), lambda: mg.full((2.0,), 1.0),
    lambda: mg.zeros(True), lambda: mg.eye(2.5), lambda: mg.split(mg.zeros(4), 1.5),
    lambda: mg.zeros(2, dtype="str"),
])
def test_floats_are_refused_where_integers_are_needed(call):
    with pytest.raises(TypeError, match="int|numeric"):
        call()


# ---- 0-d tensors and empty shapes: clear errors, not ZeroDivisionError ---------------------

@pytest.mark.parametrize("call, expected", [
    (lambda s: s.squeeze(), ()), (lambda s: s.squeeze(0), ()), (lambda s: s.unsqueeze(0), (1,)),
    (lambda s: s.flatten(), (1,)), (lambda s: s.sum(0), ()), (lambda s: s.max(0).values, ()),
])
def test_zero_dim_axes_work_as_in_torch(call, expected):
    assert call(mg.tensor(2.0)).shape == expected


def test_arange_step_zero_is_clear():
    with pytest.raises(ValueError, match="step must be nonzero"):
        mg.arange(0, 5, 0)


# ---- creation functions ---------------------------------------------------------------------

def test_creation_functions_match_torch(torch):
    assert_close(mg.linspace(0, 1, 5, dtype="float64"), torch.linspace(0, 1, 5, dtype=torch.float64))
    assert mg.empty(2, 3).shape == (2, 3)
    like = mg.zeros(2, dtype="float64")
    assert mg.full_like(like, 3).tolist() == [3.0, 3.0] and mg.full_like(like, 3).dtype == np.float64
    assert mg.rand_like(like).dtype == np.float64 and mg.randn_like(like).shape == (2,)
    draws = mg.randint(2, 5, (1000,), backend="strict")
    assert draws.backend == "strict"
    draws = mg.randint(2, 5, (1000,))
    assert draws.dtype == np.int64 and set(draws.tolist()) == {2, 3, 4}
    assert mg.randint(3, (4, 2)).shape == (4, 2)
    coins = mg.bernoulli(mg.full((4000,), 0.25, dtype="float64"))
    assert set(coins.tolist()) <= {0.0, 1.0} and abs(coins.mean().item() - 0.25) < 0.03


def test_multinomial_samples_a_softmax(backend):
    mg.manual_seed(1)
    mg.set_default_backend(backend)
    probs = mg.tensor([[0.1, 0.0, 0.9], [0.5, 0.5, 0.0]])
    draws = mg.multinomial(probs, 2000, replacement=True)
    assert draws.shape == (2, 2000) and draws.dtype == np.int64
    counts = [np.bincount(row, minlength=3) / 2000 for row in draws.numpy()]
    np.testing.assert_allclose(counts[0], [0.1, 0.0, 0.9], atol=0.03)
    np.testing.assert_allclose(counts[1], [0.5, 0.5, 0.0], atol=0.04)
    no_repeat = mg.multinomial(mg.tensor([1.0, 1.0, 1.0, 1.0]), 4)
    assert sorted(no_repeat.tolist()) == [0, 1, 2, 3]
    next_char = mg.multinomial(mg.tensor([2.0, -1.0, 0.5]).softmax(-1), 1)
    assert next_char.shape == (1,)
    with pytest.raises(ValueError, match="non-negative"):
        mg.multinomial(mg.tensor([0.5, -0.1]), 1)
    with pytest.raises(ValueError, match="without replacement"):
        mg.multinomial(mg.tensor([0.5, 0.5]), 3)


# ---- modules PyTorch users write first -------------------------------------------------------

LOSSES = [  # (module name, constructor kwargs, input maker, target maker)
    ("CrossEntropyLoss", {}, lambda r: r.normal(size=(4, 3)), lambda r: r.integers(0, 3, 4)),
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "ignore_index": 0}, lambda r: r.normal(size=(2, 3, 5)),
     lambda r: r.integers(0, 3, (2, 5))),
    ("NLLLoss", {"reduction": "sum"}, lambda r: r.normal(size=(4, 3)), lambda r: r.integers(0, 3, 4)),
    ("MSELoss", {}, lambda r: r.normal(size=(4, 3)), lambda r: r.normal(size=(4, 3))),
    ("L1Loss", {"reduction": "none"}, lambda r: r.normal(size=(4, 3)), lambda r: r.normal(size=(4, 3))),
    ("BCELoss", {}, lambda r: r.uniform(0.05, 0.95, (4, 3)), lambda r: r.uniform(0, 1, (4, 3))),
    ("BCEWithLogitsLoss", {}, lambda r: r.normal(size=(4, 3)), lambda r: r.uniform(0, 1, (4, 3))),
]


@pytest.mark.parametrize("name, kwargs, make_input, make_target", LOSSES,
                         ids=[f"{n}-{i}" for i, (n, *_) in enumerate(LOSSES)])
def test_loss_modules_match_torch(name, kwargs, make_input, make_target, backend, torch):
    rng = np.random.default_rng(0)
    x, y = make_input(rng), make_target(rng)
    ours_in = mg.tensor(x, backend=backend, requires_grad=True)
    theirs_in = torch.tensor(x, requires_grad=True)
    ours = getattr(nn, name)(**kwargs)(ours_in, mg.tensor(y, backend=backend))
    theirs = getattr(torch.nn, name)(**kwargs)(theirs_in, torch.tensor(y))
    assert_close(ours, theirs)
    ours.sum().backward()
    theirs.sum().backward()
    assert_close(ours_in.grad, theirs_in.grad)


def test_weighted_loss_modules_match_torch(torch):
    rng = np.random.default_rng(3)
    x, y, w = rng.normal(size=(5, 3)), rng.integers(0, 3, 5), rng.uniform(0.5, 2, 3)
    ours = nn.CrossEntropyLoss(weight=mg.tensor(w))(mg.tensor(x), mg.tensor(y))
    theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor(w))(torch.tensor(x), torch.tensor(y))
    assert_close(ours, theirs)
    p, t, pos = rng.normal(size=(4, 3)), rng.uniform(0, 1, (4, 3)), rng.uniform(0.5, 3, 3)
    ours = nn.BCEWithLogitsLoss(pos_weight=mg.tensor(pos))(mg.tensor(p), mg.tensor(t))
    theirs = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos))(torch.tensor(p), torch.tensor(t))
    assert_close(ours, theirs)


ACTIVATION_MODULES = [("LeakyReLU", (0.2,)), ("ELU", ()), ("SELU", ()), ("CELU", (0.7,)),
                      ("GELU", ()), ("SiLU", ()), ("Mish", ()), ("Softplus", ()), ("Softsign", ()),
                      ("LogSigmoid", ()), ("Hardtanh", (-0.5, 0.5)), ("ReLU6", ()),
                      ("Hardsigmoid", ()), ("Hardswish", ()), ("Softmin", (1,)), ("Softmax", (0,)),
                      ("LogSoftmax", (1,)), ("Tanhshrink", ()), ("Identity", ())]


@pytest.mark.parametrize("name, args", ACTIVATION_MODULES, ids=[n for n, _ in ACTIVATION_MODULES])
def test_activation_modules_match_torch(name, args, torch):
    x = np.array([[-4.5, -2.5, -0.7, -0.2], [0.3, 0.8, 2.6, 7.5]])
    ours = getattr(nn, name)(*args)
    theirs = getattr(torch.nn, name)(*args)
    assert_close(ours(mg.tensor(x)), theirs(torch.tensor(x)))
    assert name in repr(ours)


def test_activation_hyperparameters_are_read_at_forward_time():
    act = nn.LeakyReLU()
    act.negative_slope = 0.5
    assert act(mg.tensor([-2.0])).item() == -1.0


def test_layer_norm_module_matches_torch_with_copied_weights(backend, torch):
    rng = np.random.default_rng(0)
    ours, theirs = nn.LayerNorm(4, dtype="float64", backend=backend), torch.nn.LayerNorm(4).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.normal(size=4)))
        theirs.bias.copy_(torch.tensor(rng.normal(size=4)))
    ours.load_state_dict({k: mg.tensor(v.detach().numpy(), backend=backend)
                          for k, v in theirs.state_dict().items()})
    x = rng.normal(size=(2, 3, 4))
    x_ours, x_theirs = mg.tensor(x, backend=backend, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_ours, out_theirs = ours(x_ours), theirs(x_theirs)
    assert_close(out_ours, out_theirs)
    (out_ours * out_ours).sum().backward()
    (out_theirs * out_theirs).sum().backward()
    assert_close(x_ours.grad, x_theirs.grad)
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert_close(ours.bias.grad, theirs.bias.grad)


def test_rnn_dropout_set_after_construction_is_used(backend):
    """PyTorch reads `rnn.dropout` at forward time; so does minigrad."""
    mg.manual_seed(0)
    rnn = nn.GRU(3, 4, num_layers=2).to(backend)
    x = mg.randn(5, 2, 3, backend=backend)
    before = rnn(x)[0].numpy()
    rnn.dropout = 1.0  # every activation between the layers is dropped
    dropped = rnn(x)[0].numpy()
    assert not np.allclose(before, dropped)
    rnn.eval()
    np.testing.assert_allclose(rnn(x)[0].numpy(), before)
