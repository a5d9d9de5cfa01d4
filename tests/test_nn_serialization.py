"""nn.save / nn.load: round trips, and files that are foreign, truncated or malicious."""
import builtins
import io
import json
import pickle
import zipfile

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
    assert path.exists() and not (tmp_path / "model.ckpt.npz").exists()  # the name is kept as given
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


def test_checkpoint_is_a_plain_npz_readable_by_numpy(tmp_path):
    source = model()
    nn.save(source.state_dict(), tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["0.weight"], host(source[0].weight))


def test_dtypes_and_nested_structures_round_trip(tmp_path):
    state = {
        "weights": {"a": mg.tensor([1.0, 2.0], dtype="float64"), "ints": mg.tensor([[1, 2]], dtype="int32")},
        "flags": mg.tensor([True, False]),
        "numbers": [1, 2.5, None, "text", True],
        "pair": (0.9, 0.999),
        3: {"nested.dots": mg.zeros(())},
        "raw": np.arange(3, dtype=np.int16),
    }
    nn.save(state, tmp_path / "state")
    loaded = nn.load(tmp_path / "state")
    assert loaded["weights"]["a"].dtype == np.float64 and loaded["weights"]["ints"].dtype == np.int32
    assert host(loaded["flags"]).tolist() == [True, False]
    assert loaded["numbers"] == [1, 2.5, None, "text", True]
    assert loaded["pair"] == (0.9, 0.999) and isinstance(loaded["pair"], tuple)
    assert list(loaded) == ["weights", "flags", "numbers", "pair", 3, "raw"]
    assert loaded[3]["nested.dots"].shape == ()
    assert host(loaded["raw"]).dtype == np.int16


def test_saving_overwrites_atomically_and_rejects_what_it_cannot_store(tmp_path):
    path = tmp_path / "ckpt"
    nn.save({"a": mg.ones(2)}, path)
    with pytest.raises(TypeError, match="cannot store a set"):
        nn.save({"a": mg.zeros(2), "b": {1, 2}}, path)
    with pytest.raises(TypeError, match="keys must be str or int"):
        nn.save({(1, 2): mg.zeros(2)}, path)
    assert host(nn.load(path)["a"]).tolist() == [1.0, 1.0]  # the old file survived the failed saves
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]  # and no temporary file was left behind


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_optimizer_state_round_trip_resumes_identically(tmp_path, backend, name):
    def fresh():
        mg.manual_seed(0)
        net = nn.Linear(3, 2).to(backend)
        options = {"momentum": 0.9} if name == "SGD" else {}
        return net, getattr(nn.optim, name)(net.parameters(), lr=0.1, **options)

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
    net.load_state_dict(checkpoint["model"])
    opt.load_state_dict(checkpoint["optimizer"])
    train(net, opt, 3)
    np.testing.assert_allclose(host(net.weight), reference, rtol=1e-6)


# ---- files that are not ours ---------------------------------------------------------


def assert_rejected(path, match="not a minigrad checkpoint"):
    with pytest.raises(nn.SerializationError, match=match):
        nn.load(path)


def test_a_pickle_payload_is_never_executed(tmp_path):
    sentinel = tmp_path / "pwned"
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(pickle.dumps(Payload(sentinel)))
    assert_rejected(raw)

    # the same payload as an object array inside an .npz that looks like ours
    crafted = tmp_path / "crafted.npz"
    manifest = {"format": "minigrad-state", "version": 1, "root": {"dict": [["w", {"tensor": "w"}]]}}
    buffer = io.BytesIO()
    np.save(buffer, np.array([Payload(sentinel)], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(crafted, "w") as archive:
        archive.writestr("w.npy", buffer.getvalue())
        manifest_buffer = io.BytesIO()
        np.save(manifest_buffer, np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8))
        archive.writestr("__minigrad_manifest__.npy", manifest_buffer.getvalue())
    with pytest.raises(nn.SerializationError, match="damaged or crafted"):
        nn.load(crafted)
    assert not sentinel.exists()

    # proof that the payload is live: unpickling it does create the sentinel
    pickle.loads(raw.read_bytes()).close()
    assert sentinel.exists()


def test_truncated_files_are_rejected(tmp_path):
    path = tmp_path / "ckpt"
    nn.save(model().state_dict(), path)
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        (tmp_path / "cut").write_bytes(data[:cut])
        with pytest.raises(nn.SerializationError):
            nn.load(tmp_path / "cut")


def test_foreign_files_are_rejected(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    assert_rejected(tmp_path / "empty")
    (tmp_path / "text").write_text("weights: [1, 2, 3]\n")
    assert_rejected(tmp_path / "text")
    np.save(tmp_path / "single.npy", np.zeros(3))
    assert_rejected(tmp_path / "single.npy", match="single .npy array")
    np.savez(tmp_path / "other.npz", weight=np.zeros(3))
    assert_rejected(tmp_path / "other.npz", match="not written by nn.save")
    with pytest.raises(FileNotFoundError, match="no such file"):
        nn.load(tmp_path / "missing")


@pytest.mark.parametrize("manifest", [
    b"not json",
    json.dumps({"format": "something-else", "version": 1, "root": None}).encode(),
    json.dumps({"format": "minigrad-state", "version": 99, "root": None}).encode(),
    json.dumps({"format": "minigrad-state", "version": 1, "root": {"tensor": "missing"}}).encode(),
    json.dumps({"format": "minigrad-state", "version": 1, "root": {"tensor": "__minigrad_manifest__"}}).encode(),
    json.dumps({"format": "minigrad-state", "version": 1, "root": {"eval": "print(1)"}}).encode(),
    json.dumps({"format": "minigrad-state", "version": 1, "root": {"dict": [[[1], {"value": 1}]]}}).encode(),
    json.dumps({"format": "minigrad-state", "version": 1, "root": {"value": {"a": 1}}}).encode(),
    json.dumps({"format": "minigrad-state", "version": 1, "root": "[" * 100000}).encode(),
    b"[" * 100000,
])
def test_crafted_manifests_are_rejected(tmp_path, manifest):
    path = tmp_path / "crafted.npz"
    np.savez(path, w=np.zeros(2), __minigrad_manifest__=np.frombuffer(manifest, dtype=np.uint8))
    with pytest.raises(nn.SerializationError):
        nn.load(path)


def test_saved_file_has_a_normal_files_permissions(tmp_path):
    import os
    import stat

    path = tmp_path / "model.npz"
    nn.save({"a": 1}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask
