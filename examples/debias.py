"""Debiasing word embeddings (Bolukbasi et al. 2016), as in the course, on the vectors
that word_embeddings.py learned from news text.

1. The bias direction g: the average of e_a - e_b over definitional pairs
   (he/she, his/her, man/woman, ...), on unit-length vectors.
2. Neutralize every word that is not definitional (here: occupation words):
       e^bias = (e · g / ‖g‖²) g,   e^debiased = e - e^bias,
   so its cosine with g becomes 0.
3. Equalize each definitional pair (e_w1, e_w2) so that the two differ only
   along g and are equally far from every neutral word:
       μ = (e_w1 + e_w2) / 2,  μ_B = (μ · g / ‖g‖²) g,  μ_⊥ = μ - μ_B
       e_wB = (e_w · g / ‖g‖²) g
       e_w ← μ_⊥ + sqrt(|1 - ‖μ_⊥‖²|) (e_wB - μ_B) / ‖e_wB - μ_B‖
Everything is computed with minigrad Tensors in float64.

    python examples/word_embeddings.py && python examples/debias.py
    python examples/debias.py --small --embeddings OUT/word_embeddings.safetensors

Outputs in --out: debias.png, metrics.json.
"""
from __future__ import annotations

import os

import _common
import numpy as np

import minigrad as mg
import nn
import nn.functional as F

DEFINITIONAL = [("he", "she"), ("his", "her"), ("man", "woman"), ("men", "women"), ("mr", "mrs"),
                ("boy", "girl"), ("son", "daughter"), ("father", "mother"), ("king", "queen"),
                ("brother", "sister"), ("husband", "wife"), ("boys", "girls")]
OCCUPATIONS = ["minister", "president", "leader", "officials", "police", "soldiers", "workers", "doctor",
               "captain", "spokesman", "commissioner", "chief", "secretary", "director", "manager", "officer",
               "lawyer", "teacher", "nurse", "pilot", "driver", "judge", "scientist", "engineer", "farmer",
               "journalist", "student", "students", "staff", "premier", "chairman", "executive", "prosecutor",
               "firefighters", "crew", "pilots", "players", "coach", "bowler", "batsman", "senator", "governor"]


def project(e: mg.Tensor, g: mg.Tensor) -> mg.Tensor:
    """(e · g / ‖g‖²) g for each row of e."""
    return ((e * g).sum(axis=-1, keepdims=True) / (g * g).sum()) * g


def neutralize(e: mg.Tensor, g: mg.Tensor) -> mg.Tensor:
    return e - project(e, g)


def equalize(e1: mg.Tensor, e2: mg.Tensor, g: mg.Tensor) -> tuple[mg.Tensor, mg.Tensor]:
    mu = (e1 + e2) / 2
    mu_b = project(mu, g)
    mu_orth = mu - mu_b
    scale = (1 - (mu_orth * mu_orth).sum()).abs().sqrt()
    out = []
    for e in (e1, e2):
        direction = project(e, g) - mu_b
        out.append(mu_orth + scale * direction / (direction * direction).sum().sqrt())
    return out[0], out[1]


def distances(pairs, neutral: mg.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """‖ν - e_w1‖ and ‖ν - e_w2‖ for every pair (rows) and neutral word ν (columns)."""
    d1 = mg.stack([((neutral - e1) ** 2).sum(axis=-1).sqrt() for e1, _ in pairs])
    d2 = mg.stack([((neutral - e2) ** 2).sum(axis=-1).sqrt() for _, e2 in pairs])
    return _common.host(d1), _common.host(d2)


def distance_gap(pairs, neutral: mg.Tensor) -> float:
    """max over pairs and neutral words of | ‖ν - e_w1‖ - ‖ν - e_w2‖ |."""
    d1, d2 = distances(pairs, neutral)
    return float(np.max(np.abs(d1 - d2)))


def main(argv: list[str] | None = None) -> dict:
    p = _common.parser(__doc__, "the same (it is quick); the flag exists for CI")
    p.add_argument("--embeddings", default=None,
                   help="word_embeddings.py's tables (default <out>/word_embeddings.safetensors, else "
                        "examples/out/word_embeddings/word_embeddings.safetensors)")
    p.add_argument("--table", default="sgns", choices=["sgns", "glove"])
    args = p.parse_args(argv)
    _common.setup(args)
    timer = _common.Timer()
    path = _common.embeddings_path(args)
    table = nn.load(path)[args.table].to(args.backend).astype("float64")
    with open(os.path.join(os.path.dirname(path), "word_embeddings_vocab.txt"), encoding="utf-8") as f:
        index = {w: i for i, w in enumerate(f.read().split("\n")[: table.shape[0]])}
    unit = table / (table * table).sum(axis=-1, keepdims=True).sqrt()
    row = lambda w: unit[index[w]]
    pairs = [(a, b) for a, b in DEFINITIONAL if a in index and b in index]
    definitional = {w for pair in pairs for w in pair}
    occupations = [w for w in OCCUPATIONS if w in index and w not in definitional]
    if not pairs or not occupations:
        raise SystemExit("the vocabulary has no definitional pairs or no occupation words")

    g = mg.stack([row(a) - row(b) for a, b in pairs]).mean(axis=0)  # e_he - e_she, ..., averaged
    words = mg.stack([row(w) for w in occupations])
    before = _common.host(F.cosine_similarity(words, g.unsqueeze(0), dim=1))
    debiased = neutralize(words, g)
    after = _common.host(F.cosine_similarity(debiased, g.unsqueeze(0), dim=1))
    originals = [(row(a), row(b)) for a, b in pairs]
    equalized = [equalize(e1, e2, g) for e1, e2 in originals]
    gap_before = distance_gap(originals, debiased)
    gap_after = distance_gap(equalized, debiased)

    print(f"bias direction from {len(pairs)} pairs: {', '.join(f'{a}-{b}' for a, b in pairs)}")
    print(f"{'word':>14}  cos(e, g) before   after")
    for word, b, a in sorted(zip(occupations, before, after), key=lambda t: -abs(t[1])):
        print(f"{word:>14}  {b:+.4f}           {a:+.1e}")
    print(f"mean |cos| before {np.mean(np.abs(before)):.4f}, after {np.mean(np.abs(after)):.1e}")
    print(f"equalized pairs: largest gap between the two words' distances to a neutral word "
          f"{gap_before:.4f} before, {gap_after:.1e} after")

    plt = _common.pyplot()
    order = np.argsort(before)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.5, 0.22 * len(occupations) + 1.6), dpi=110,
                                  gridspec_kw={"width_ratios": [1.2, 1]})
    positions = np.arange(len(occupations))
    ax.barh(positions - 0.2, before[order], height=0.4, label="before", color="#d62728")
    ax.barh(positions + 0.2, after[order], height=0.4, label="after neutralize (all ~1e-17)", color="#2ca02c")
    ax.set_yticks(positions, [occupations[k] for k in order], fontsize=7)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"cosine with the bias direction g ({pairs[0][0]} − {pairs[0][1]} side > 0)")
    ax.set_title("occupation words: cos(e, g)")
    ax.legend(loc="best")
    for label, pair_vectors, color in (("before", originals, "#d62728"), ("after equalize", equalized, "#2ca02c")):
        d1, d2 = distances(pair_vectors, debiased)
        ax2.scatter(d1.ravel(), d2.ravel(), s=8, alpha=0.6, color=color, label=label)
    low, high = ax2.get_xlim()
    ax2.plot([low, high], [low, high], color="black", linewidth=0.8)
    ax2.set_xlabel(f"distance from a neutralized word to the first of a pair ({pairs[0][0]}, ...)")
    ax2.set_ylabel(f"... to the second ({pairs[0][1]}, ...)")
    ax2.set_title("equalized pairs are equally far from every neutral word")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "debias.png"))
    plt.close(fig)
    metrics = {"mean_abs_bias_before": float(np.mean(np.abs(before))),
               "mean_abs_bias_after": float(np.mean(np.abs(after))),
               "max_abs_bias_after": float(np.max(np.abs(after))),
               "equalize_max_distance_gap": gap_after, "equalize_max_distance_gap_before": gap_before,
               "pairs": len(pairs), "occupations": len(occupations), "seconds": timer.seconds}
    return _common.save_metrics(args, "debias", metrics)


if __name__ == "__main__":
    main()
