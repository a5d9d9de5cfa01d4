"""The fused steps' gate math as CUDA elementwise kernels (CuPy), for CuPy arrays on a GPU.

Why: on CuPy, the xp path of one fused LSTM step (fused.py) is about twenty array
operations, and each is a kernel launch of its own that reads and writes (batch, H)
arrays in the GPU's memory. At a course model's sizes the launches cost more than the
arithmetic. Here the gates of a step are one kernel forward and one backward, as in
Chainer's `F.lstm`. The matrix products stay cuBLAS (CuPy's matmul).

Each kernel is C, written once in `SOURCES`: `cupy.ElementwiseKernel` compiles it for
the GPU the first time it runs. Its parameters are (batch, H) views of the gate rows,
so the kernel runs once per element and reads the views' strides itself.
tests/test_rnn_cuda_gates.py compiles the same C with the host's C++ compiler and
checks it against the xp path on the CPU, so the math is tested where there is no GPU.

The numbers are those of the xp path in fused.py, rounded as the GPU rounds (nvcc
contracts a * b + c into one fused multiply-add), within a few float32 ulps. The
functions below take the same arguments as numba_gates.py's: `compiled.gate_kernels`
returns this module for CuPy arrays, and `numba_gates` for NumPy arrays.
"""
from __future__ import annotations

from typing import NamedTuple


class KernelSource(NamedTuple):
    """An elementwise kernel as CuPy takes it: every parameter has the type T (the
    arrays' float dtype); an out parameter may be read before it is written."""

    in_params: str
    out_params: str
    body: str


# σ(x) = ½ tanh(½x) + ½: the projection has already halved the σ rows (fused.py), so a
# σ gate here is ½ tanh(z) + ½ of the sum z of its two halved pre-activations.
SOURCES = {
    "lstm_forward": KernelSource(
        "T p_u, T p_f, T p_c, T p_o, T c_prev",
        "T g_u, T g_f, T g_c, T g_o, T c, T tanh_c, T h",
        """
        const T one_half = (T)0.5;                    // (`half` is CUDA's 16-bit type)
        g_u = one_half * tanh(g_u + p_u) + one_half;  // Γu = σ(Wu[a<t-1>, x<t>] + bu)
        g_f = one_half * tanh(g_f + p_f) + one_half;  // Γf
        g_c = tanh(g_c + p_c);                        // c~<t> = tanh(Wc[a<t-1>, x<t>] + bc)
        g_o = one_half * tanh(g_o + p_o) + one_half;  // Γo
        c = g_f * c_prev + g_u * g_c;                 // c<t> = Γu c~<t> + Γf c<t-1>
        tanh_c = tanh(c);
        h = g_o * tanh_c;                             // a<t> = Γo tanh(c<t>)
        """),
    "lstm_backward": KernelSource(
        "T g_u, T g_f, T g_c, T g_o, T tanh_c, T c_prev, T grad_h, T grad_c",
        "T d_u, T d_f, T d_c, T d_o, T grad_c_prev",
        """
        const T one = (T)1;
        T dc = grad_h * g_o * (one - tanh_c * tanh_c) + grad_c;  // da Γo tanh'(c<t>) + dc<t>
        d_u = dc * g_c * g_u * (one - g_u);           // dΓu σ'
        d_f = dc * c_prev * g_f * (one - g_f);        // dΓf σ'
        d_c = dc * g_u * (one - g_c * g_c);           // dc~ tanh'
        d_o = grad_h * tanh_c * g_o * (one - g_o);    // dΓo σ'
        grad_c_prev = dc * g_f;                       // dc<t-1> = dc Γf
        """),
    "gru_forward": KernelSource(
        "T rec_r, T rec_z, T rec_n, T p_r, T p_z, T p_n, T h_prev",
        "T g_r, T g_z, T candidate, T h",
        """
        const T one_half = (T)0.5;                    // (`half` is CUDA's 16-bit type)
        g_r = one_half * tanh(rec_r + p_r) + one_half;  // Γr
        g_z = one_half * tanh(rec_z + p_z) + one_half;  // z = 1 - Γu
        candidate = tanh(p_n + g_r * rec_n);          // c~<t> = tanh(W_in x + b_in + Γr (W_hn a + b_hn))
        h = candidate + g_z * (h_prev - candidate);   // a<t> = (1 - z) c~<t> + z a<t-1>
        """),
    "gru_backward": KernelSource(
        "T g_r, T g_z, T candidate, T rec_n, T h_prev, T grad_h",
        "T di_r, T di_z, T di_n, T dh_r, T dh_z, T dh_n, T through_keep",
        """
        const T one = (T)1;
        through_keep = grad_h * g_z;                  // da z: a<t-1>'s direct share
        T d_candidate = (grad_h - through_keep) * (one - candidate * candidate);  // dc~ tanh'
        T d_reset = d_candidate * rec_n * g_r * (one - g_r);             // dΓr σ'
        T d_keep = grad_h * (h_prev - candidate) * g_z * (one - g_z);    // dz σ'
        di_r = d_reset;  di_z = d_keep;  di_n = d_candidate;
        dh_r = d_reset;  dh_z = d_keep;  dh_n = d_candidate * g_r;
        """),
    "rnn_tanh_forward": KernelSource(
        "T projected", "T h",
        "h = tanh(h + projected);                      // a<t> = tanh(Waa a<t-1> + Wax x<t> + ba)"),
    "rnn_relu_forward": KernelSource(
        "T projected", "T h",
        """
        T value = h + projected;                      // a<t> = relu(Waa a<t-1> + Wax x<t> + ba)
        h = value <= (T)0 ? (T)0 : value;             // (a NaN stays a NaN)
        """),
    "rnn_tanh_backward": KernelSource(
        "T h, T grad_h", "T delta",
        "delta = grad_h * ((T)1 - h * h);              // δ<t> = da<t> (1 - a<t>²)"),
    "rnn_relu_backward": KernelSource(
        "T h, T grad_h", "T delta",
        "delta = grad_h * (h > (T)0 ? (T)1 : (T)0);    // δ<t> = da<t> where a<t> > 0"),
}


def _cupy_kernel(name: str, source: KernelSource):
    import cupy

    return cupy.ElementwiseKernel(source.in_params, source.out_params, source.body,
                                  f"minigrad_{name}")


# How a source becomes a callable kernel: CuPy's ElementwiseKernel. The CPU tests put a
# host-compiled stand-in here, with the same call: kernel(*inputs, *outputs).
make_kernel = _cupy_kernel
_made: dict = {}


def kernel(name: str):
    """The compiled kernel `name` of SOURCES (made once; CuPy caches the binary on disk)."""
    made = _made.get(name)
    if made is None:
        made = _made[name] = make_kernel(name, SOURCES[name])
    return made


def _empty(like):
    """An uninitialised array of `like`'s type, shape and dtype (cupy.ndarray, or
    numpy.ndarray in the CPU tests: both constructors take a shape and a dtype)."""
    return type(like)(like.shape, dtype=like.dtype)


def _rows(array, parts: int, hidden: int) -> list:
    """The `parts` column blocks of width `hidden` of a (batch, parts·hidden) array."""
    return [array[:, k * hidden:(k + 1) * hidden] for k in range(parts)]


def lstm_forward(gates, projected, c_prev, c, tanh_c, h) -> None:
    """c<t>, tanh c<t>, a<t> into `c`, `tanh_c`, `h` from the recurrent product `gates`
    (overwritten with the gates Γu, Γf, c~<t>, Γo), the projected input and c<t-1>."""
    hidden = c_prev.shape[1]
    kernel("lstm_forward")(*_rows(projected, 4, hidden), c_prev, *_rows(gates, 4, hidden),
                           c, tanh_c, h)


def lstm_backward(gates, tanh_c, c_prev, grad_h, grad_c, delta):
    """Write δ<t> into `delta`; return dc<t-1>."""
    hidden = c_prev.shape[1]
    grad_c_prev = _empty(c_prev)
    kernel("lstm_backward")(*_rows(gates, 4, hidden), tanh_c, c_prev, grad_h, grad_c,
                            *_rows(delta, 4, hidden), grad_c_prev)
    return grad_c_prev


def gru_forward(recurrent, projected, h_prev, gates, candidate, h) -> None:
    """The gates (Γr, z), c~<t> and a<t> into `gates`, `candidate`, `h` from
    a<t-1> W_hhᵀ + b_hh, the projected input and a<t-1>."""
    hidden = h_prev.shape[1]
    kernel("gru_forward")(*_rows(recurrent, 3, hidden), *_rows(projected, 3, hidden), h_prev,
                          *_rows(gates, 2, hidden), candidate, h)


def gru_backward(gates, candidate, recurrent_n, h_prev, grad_h, d_input, delta):
    """Write both δ into `d_input` and `delta`; return da<t> z."""
    hidden = h_prev.shape[1]
    through_keep = _empty(h_prev)
    kernel("gru_backward")(*_rows(gates, 2, hidden), candidate, recurrent_n, h_prev, grad_h,
                           *_rows(d_input, 3, hidden), *_rows(delta, 3, hidden), through_keep)
    return through_keep


def rnn_forward(h, projected, relu: bool):
    """g(h + projected) into h (a<t-1> W_hhᵀ on entry)."""
    kernel("rnn_relu_forward" if relu else "rnn_tanh_forward")(projected, h)
    return h


def rnn_backward(h, grad_h, delta, relu: bool) -> None:
    """δ<t> = da<t> g'(·), written into `delta`."""
    kernel("rnn_relu_backward" if relu else "rnn_tanh_backward")(h, grad_h, delta)
