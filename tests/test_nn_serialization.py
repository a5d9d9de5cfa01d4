"""nn.save / nn.load: safetensors round trips (with PyTorch both ways), and files that are
foreign, truncated or malicious."""
import builtins
import json
import os
import pickle
import struct

import numpy as np
import pytest
from helpers import host

import minigrad as mg
import nn


class Payload:
    """Unpickling this calls open(sentinel, "w"): a visible side effect if anything unpickles it."""

    def __init__(self, sentinel):
        self.sentinel = str(sentinel)

    def __reduce__(self):
        return (builtins.open, (self.sentinel, "w"))


def model():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.MLP(4, [5, 1]), nn.Embedding(6, 2, padding_idx=0))


def test_module_round_trip_preserves_names_order_and_values(tmp_path, backend):
    source = model().to(backend)
    path = tmp_path / "model.ckpt"
    nn.save(source.state_dict(), path)
    assert path.exists() and [p.name for p in tmp_path.iterdir()] == ["model.ckpt"]  # the name is kept as given
    loaded = nn.load(path)
    assert list(loaded) == list(source.state_dict())
    assert "2.layers.1.w" in loaded
    assert all(isinstance(v, mg.Tensor) and v.backend == "numpy" for v in loaded.values())
    target = model().to(backend)
    target.load_state_dict(loaded)
    for (name, p), q in zip(target.named_parameters(), source.parameters()):
        assert p.backend == backend
        np.testing.assert_array_equal(host(p), host(q), err_msg=name)
    assert all(t.backend == backend for t in nn.load(path, backend=backend).values())


def test_checkpoint_is_a_plain_safetensors_file_with_the_state_dict_keys(tmp_path):
    from safetensors.numpy import load_file

    source = model()
    nn.save(source.state_dict(), tmp_path / "m.safetensors")
    arrays = load_file(tmp_path / "m.safetensors")
    assert sorted(arrays) == sorted(source.state_dict())  # no extra entries: metadata lives in the header
    np.testing.assert_array_equal(arrays["0.weight"], host(source[0].weight))


def test_dtypes_and_nested_structures_round_trip(tmp_path):
    state = {
        "weights": {"a": mg.tensor([1.0, 2.0], dtype="float64"), "ints": mg.tensor([[1, 2]], dtype="int32")},
        "flags": mg.tensor([True, False]),
        "numbers": [1, 2.5, None, "text", True, float("inf")],
        "pair": (0.9, 0.999),
        3: {"nested.dots": mg.zeros(())},
        "raw": np.arange(3, dtype=np.int16),
        "empty": mg.zeros(0, 3),
        "half": mg.ones(2, dtype="float16"),
    }
    nn.save(state, tmp_path / "state")
    loaded = nn.load(tmp_path / "state")
    assert loaded["weights"]["a"].dtype == np.float64 and loaded["weights"]["ints"].dtype == np.int32
    assert host(loaded["flags"]).tolist() == [True, False]
    assert loaded["numbers"] == [1, 2.5, None, "text", True, float("inf")]
    assert loaded["pair"] == (0.9, 0.999) and isinstance(loaded["pair"], tuple)
    assert list(loaded) == ["weights", "flags", "numbers", "pair", 3, "raw", "empty", "half"]
    assert loaded[3]["nested.dots"].shape == ()
    assert host(loaded["raw"]).dtype == np.int16
    assert loaded["empty"].shape == (0, 3) and loaded["half"].dtype == np.float16


@pytest.mark.parametrize("keys", [("w", "w.npy"), ("w.npy", "w"), ("a.b", "a"), ("__metadata__", "x"),
                                  ("__minigrad_manifest__.npy", "__minigrad_manifest__")])
def test_every_key_loads_its_own_array(tmp_path, keys):
    """Keys that collide with file-format names (once `.npy` members) come back as themselves."""
    state = {keys[0]: mg.ones(2), keys[1]: {"b": mg.zeros(3)} if keys == ("a.b", "a") else mg.zeros(3)}
    nn.save(state, tmp_path / "ckpt")
    loaded = nn.load(tmp_path / "ckpt")
    assert list(loaded) == list(keys)
    assert host(loaded[keys[0]]).tolist() == [1.0, 1.0]


def test_non_contiguous_tensors_are_written_contiguous(tmp_path):
    base = mg.arange(12, dtype="float32").reshape(3, 4)
    state = {"t": base.T, "step": base[:, ::2], "f": np.asfortranarray(np.arange(6.0).reshape(2, 3))}
    nn.save(state, tmp_path / "ckpt")
    loaded = nn.load(tmp_path / "ckpt")
    np.testing.assert_array_equal(host(loaded["t"]), host(base).T)
    np.testing.assert_array_equal(host(loaded["step"]), host(base)[:, ::2])
    np.testing.assert_array_equal(host(loaded["f"]), np.arange(6.0).reshape(2, 3))


def test_saving_overwrites_atomically_and_rejects_what_it_cannot_store(tmp_path):
    path = tmp_path / "ckpt"
    nn.save({"a": mg.ones(2)}, path)
    cyclic = {"a": mg.zeros(2)}
    cyclic["self"] = cyclic
    looped = [mg.zeros(1)]
    looped.append(looped)
    deep = []
    for _ in range(300):
        deep = [deep]
    for bad, error, match in [
        ({"a": mg.zeros(2), "b": {1, 2}}, TypeError, "cannot store a set .*'b'"),
        ({(1, 2): mg.zeros(2)}, TypeError, "keys must be str or int"),
        ({"a\x00b": mg.zeros(2)}, ValueError, "NUL character"),
        ({"outer": {"in\x00ner": 1}}, ValueError, "'in.x00ner' at 'outer' contains a NUL character"),
        (cyclic, ValueError, "contains itself .*'self'"),
        ({"x": looped}, ValueError, "contains itself .*'x.1'"),
        ({"d": deep}, ValueError, "nested more than"),
        ({"s": np.array(["text"])}, TypeError, "'s' has dtype <U4"),
        ({"when": np.array(["2020-01-01"], dtype="datetime64[D]")}, TypeError, "dtype datetime64"),
        ({"c": np.zeros(2, dtype=np.complex128)}, TypeError, "complex128"),
        ({"fn": print}, TypeError, "cannot store a builtin_function_or_method"),
    ]:
        with pytest.raises(error, match=match):
            nn.save(bad, path)
    assert host(nn.load(path)["a"]).tolist() == [1.0, 1.0]  # the old file survived the failed saves
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]  # and no temporary file was left behind


def test_saving_into_a_missing_directory_names_the_target(tmp_path):
    target = tmp_path / "no" / "such" / "model.safetensors"
    with pytest.raises(FileNotFoundError, match=r"model\.safetensors.*does not exist"):
        nn.save({"a": mg.ones(1)}, target)


def test_a_failing_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt"
    nn.save({"a": mg.ones(2)}, path)

    def broken_replace(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"a": mg.zeros(2)}, path)
    monkeypatch.undo()
    assert host(nn.load(path)["a"]).tolist() == [1.0, 1.0]
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_optimizer_state_round_trip_resumes_identically(tmp_path, backend, name):
    def fresh():
        mg.manual_seed(0)
        net = nn.Linear(3, 2).to(backend)
        options = {"momentum": 0.9} if name == "SGD" else {}
        return net, getattr(nn.optim, name)(net.parameters(), lr=np.float64(0.1), **options)

    def train(net, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            (net(mg.ones(4, 3, backend=backend)) ** 2).sum().backward()
            opt.step()

    net, opt = fresh()
    train(net, opt, 5)
    reference = host(net.weight)

    net, opt = fresh()
    train(net, opt, 2)
    nn.save({"model": net.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ckpt")
    net, opt = fresh()
    checkpoint = nn.load(tmp_path / "ckpt")
    lr = checkpoint["optimizer"]["param_groups"][0]["lr"]
    assert type(lr) is float and lr == 0.1  # a NumPy-scalar hyperparameter comes back a Python number
    net.load_state_dict(checkpoint["model"])
    opt.load_state_dict(checkpoint["optimizer"])
    train(net, opt, 3)
    np.testing.assert_allclose(host(net.weight), reference, rtol=1e-6)


# ---- PyTorch reads our files and we read PyTorch's ----------------------------------------


def torch_pair(torch, kind):
    """The same architecture in minigrad and PyTorch (same state_dict keys)."""
    if kind == "mlp":
        return (nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)),
                torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)))
    return (nn.LSTM(3, 5, num_layers=2, bidirectional=True),
            torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True))


@pytest.mark.parametrize("kind", ["mlp", "lstm"])
def test_minigrad_checkpoint_loads_into_torch(tmp_path, torch, kind):
    from safetensors.torch import load_file

    ours, theirs = torch_pair(torch, kind)
    nn.save(ours.state_dict(), tmp_path / "m.safetensors")
    theirs.load_state_dict(load_file(tmp_path / "m.safetensors"))  # strict: the same keys
    for name, value in theirs.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), host(ours.state_dict()[name]), err_msg=name)


@pytest.mark.parametrize("kind", ["mlp", "lstm"])
def test_torch_checkpoint_loads_into_minigrad(tmp_path, torch, kind):
    from safetensors.numpy import load_file
    from safetensors.torch import save_file

    theirs = torch_pair(torch, kind)[1]
    save_file(theirs.state_dict(), tmp_path / "t.safetensors")
    for state in (nn.load(tmp_path / "t.safetensors"), load_file(tmp_path / "t.safetensors")):
        fresh = torch_pair(torch, kind)[0]
        fresh.load_state_dict(state)
        for name, value in theirs.state_dict().items():
            np.testing.assert_array_equal(host(fresh.state_dict()[name]), value.numpy(), err_msg=name)


def test_torch_bfloat16_file_is_refused_with_a_hint(tmp_path, torch):
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2, dtype=torch.bfloat16)}, tmp_path / "bf16.safetensors")
    with pytest.raises(nn.SerializationError, match="bfloat16.*float"):
        nn.load(tmp_path / "bf16.safetensors")


# ---- files that are not ours ---------------------------------------------------------


def write_raw(path, header, data=b"", declared=None):
    encoded = json.dumps(header).encode() if isinstance(header, dict) else header
    path.write_bytes(struct.pack("<Q", len(encoded) if declared is None else declared) + encoded + data)
    return path


def test_a_pickle_payload_is_never_executed(tmp_path):
    sentinel = tmp_path / "pwned"
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(pickle.dumps(Payload(sentinel)))
    with pytest.raises(nn.SerializationError):
        nn.load(raw)
    assert not sentinel.exists()
    pickle.loads(raw.read_bytes()).close()  # proof that the payload is live
    assert sentinel.exists()


def test_truncated_and_bit_flipped_files_are_rejected(tmp_path):
    path = tmp_path / "ckpt"
    nn.save(model().state_dict(), path)
    data = path.read_bytes()
    for cut in (0, 7, 10, len(data) // 2, len(data) - 30, len(data) - 1):
        (tmp_path / "cut").write_bytes(data[:cut])
        with pytest.raises(nn.SerializationError):
            nn.load(tmp_path / "cut")
    header_length = struct.unpack("<Q", data[:8])[0]
    for position in (0, 3, 9, 8 + header_length // 2):
        flipped = bytearray(data)
        flipped[position] ^= 0x5A
        (tmp_path / "flip").write_bytes(bytes(flipped))
        try:
            loaded = nn.load(tmp_path / "flip")
        except nn.SerializationError:
            continue
        assert sorted(loaded) == sorted(model().state_dict())  # a harmless flip (in a name's letter)


def test_foreign_files_are_rejected(tmp_path):
    (tmp_path / "text").write_text("weights: [1, 2, 3]\n")
    np.save(tmp_path / "single.npy", np.zeros(3))
    np.savez(tmp_path / "old.npz", weight=np.zeros(3))
    for name in ("text", "single.npy"):
        with pytest.raises(nn.SerializationError):
            nn.load(tmp_path / name)
    with pytest.raises(nn.SerializationError, match=r"zip \(.npz\) file.*Re-save"):
        nn.load(tmp_path / "old.npz")
    with pytest.raises(FileNotFoundError, match="no such file"):
        nn.load(tmp_path / "missing")


F32 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


@pytest.mark.parametrize("header, data, declared", [
    ({"a": F32, "b": F32}, b"\0" * 8, None),  # overlapping offsets
    ({"a": {**F32, "data_offsets": [8, 0]}}, b"\0" * 8, None),  # reversed offsets
    ({"a": F32}, b"\0" * 4, None),  # declared size beyond the file
    ({"a": {"dtype": "F32", "shape": [2**40] * 3, "data_offsets": [0, 8]}}, b"\0" * 8, None),  # overflow
    ({"a": {"dtype": "F32", "shape": [1 << 40], "data_offsets": [0, 4 << 40]}}, b"\0" * 1000, None),  # 4 TiB
    ({"a": {**F32, "shape": [3]}}, b"\0" * 8, None),  # size and shape disagree
    ({"a": F32}, b"\0" * 16, None),  # trailing bytes no tensor owns
    ({"a": {**F32, "dtype": "X9"}}, b"\0" * 8, None),  # unknown dtype
    ({"a": F32}, b"\0" * 8, 10**12),  # oversized header
    ({"a": F32}, b"\0" * 8, 200_000_000),  # header over the library's limit
    (b"not json", b"", None),
    ({"__metadata__": {"format": 1}, "a": F32}, b"\0" * 8, None),  # non-string metadata
])
def test_hostile_headers_are_refused(tmp_path, header, data, declared):
    path = write_raw(tmp_path / "bad", header, data, declared)
    with pytest.raises(nn.SerializationError, match="not an intact safetensors file"):
        nn.load(path)


def ours(structure, version="2"):
    return {"format": "minigrad-state", "version": version, "structure": structure}


@pytest.mark.parametrize("metadata, match", [
    (ours("not json"), "cannot be read"),
    (ours(json.dumps({"tensor": "missing"})), "missing or repeated"),
    (ours(json.dumps({"list": [{"tensor": "a"}, {"tensor": "a"}]})), "missing or repeated"),
    (ours(json.dumps({"value": 1})), "does not mention"),  # the tensor `a` is left over
    (ours(json.dumps({"eval": "print(1)"})), "unknown entry kind"),
    (ours(json.dumps({"dict": [[[1], {"tensor": "a"}]]})), "malformed dict entry"),
    (ours(json.dumps({"dict": [[True, {"tensor": "a"}]]})), "malformed dict entry"),
    (ours(json.dumps({"value": {"a": 1}})), "malformed scalar"),
    (ours("[" * 100000), "cannot be read"),
    (ours("{\"list\": " * 5000 + "null" + "}" * 5000), "cannot be read|malformed"),
    (ours(json.dumps({"tensor": "a"}), version="99"), "format version '99'"),
])
def test_crafted_structures_are_rejected(tmp_path, metadata, match):
    header = {"__metadata__": metadata, "a": F32}
    with pytest.raises(nn.SerializationError, match=match):
        nn.load(write_raw(tmp_path / "crafted", header, b"\0" * 8))


def test_saved_file_has_a_normal_files_permissions(tmp_path):
    import stat

    path = tmp_path / "model.safetensors"
    nn.save({"a": 1}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask
