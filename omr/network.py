"""The small fully connected classifiers the readers ship (digits, rating shapes), in plain numpy.

One network type and one training loop for both, so a fix to either reaches both: inputs are
flattened and, when the network carries them, standardised by a per-feature mean and scale; ReLU
hidden layers; softmax output. Trained at build time with Adam on cross-entropy, a little weight
decay and a cosine-decaying rate. Saved as `.npz` arrays `w1, b1, w2, b2 …` (and `mean`, `scale`).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

log = logging.getLogger(__name__)

# A reader's products are a few hundred inputs by a few hundred units: BLAS threads cost more in
# start-up and contention than they save (the digits of an own-form page: 0.13 s CPU with
# OpenBLAS's threads, 0.02 s with one), and the product runs pages in parallel already.
_BLAS = ThreadpoolController()

Floats = npt.NDArray[np.float32]
Layer = tuple[Floats, Floats]  # weights, bias


@dataclass(frozen=True)
class Network:
    layers: tuple[Layer, ...]
    mean: Floats | None = None
    scale: Floats | None = None

    def probabilities(self, inputs: Floats) -> Floats:
        """Class probabilities of N inputs (any shape per input: they are flattened)."""
        x = inputs.reshape(len(inputs), -1)
        if self.mean is not None and self.scale is not None:
            x = (x - self.mean) / self.scale
        with _BLAS.limit(limits=1, user_api="blas"):
            for k, (w, b) in enumerate(self.layers):
                x = x @ w + b
                if k < len(self.layers) - 1:
                    x = np.maximum(0, x)
        x = x - x.max(axis=1, keepdims=True)
        exp = np.exp(x)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float32)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"{name}{k + 1}": a for k, layer in enumerate(self.layers) for name, a in zip("wb", layer, strict=True)}
        if self.mean is not None and self.scale is not None:
            arrays |= {"mean": self.mean, "scale": self.scale}
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> Network:
        with np.load(path) as data:
            count = sum(1 for key in data.files if key.startswith("w"))
            layers = tuple((np.asarray(data[f"w{k}"], dtype=np.float32), np.asarray(data[f"b{k}"], dtype=np.float32))
                           for k in range(1, count + 1))
            if "mean" in data.files:
                return cls(layers, np.asarray(data["mean"], np.float32), np.asarray(data["scale"], np.float32))
            return cls(layers)


Augment = Callable[[Floats, np.random.Generator], Floats]
_FEATURE_SAMPLE = 20000  # inputs whose features give the standardisation's mean and scale


def fit(inputs: Floats, labels: npt.NDArray[np.int64], classes: int, rng: np.random.Generator, *,
        hidden: tuple[int, ...], epochs: int, batch: int, rate: float = 1e-3, decay: float = 1e-4,
        standardise: bool = False, augment: Augment | None = None,
        features: Callable[[Floats], Floats] | None = None) -> Network:
    """A network trained on `inputs` (N × anything); `augment` changes each batch before it is
    seen (e.g. small shifts), `features` turns each batch (augmented) into what the network sees
    (its users then call it on the same features), `standardise` stores the features' mean and
    scale in the network (measured on a sample when `features` is given: they may be large)."""
    seen = features(inputs[:_FEATURE_SAMPLE]) if features else inputs
    x = seen.reshape(len(seen), -1).astype(np.float32)
    mean = x.mean(axis=0) if standardise else None
    scale = x.std(axis=0) + 1e-3 if standardise else None
    sizes = (x.shape[1], *hidden, classes)
    weights = [rng.normal(0, np.sqrt(2 / a), (a, b)).astype(np.float32) for a, b in itertools.pairwise(sizes)]
    biases = [np.zeros(b, np.float32) for b in sizes[1:]]
    params = [*weights, *biases]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    layers = len(weights)
    steps_total = epochs * math.ceil(len(inputs) / batch)
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(len(inputs))
        for start in range(0, len(inputs), batch):
            idx = order[start:start + batch]
            xb = augment(inputs[idx], rng) if augment else inputs[idx]
            xb = (features(xb) if features else xb).reshape(len(idx), -1)
            if mean is not None and scale is not None:
                xb = (xb - mean) / scale
            yb = labels[idx]
            acts = [xb]
            for k in range(layers):
                z = acts[-1] @ weights[k] + biases[k]
                acts.append(np.maximum(0, z) if k < layers - 1 else z)
            logits = acts[-1] - acts[-1].max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1
            delta = p / len(yb)
            grad_w: list[Floats] = [np.empty(0, np.float32)] * layers
            grad_b: list[Floats] = [np.empty(0, np.float32)] * layers
            for k in reversed(range(layers)):
                grad_w[k] = acts[k].T @ delta + decay * weights[k]
                grad_b[k] = delta.sum(axis=0)
                if k:
                    delta = (delta @ weights[k].T) * (acts[k] > 0)
            step += 1
            lr = rate * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / steps_total)))
            for param, grad, (m, v) in zip(params, [*grad_w, *grad_b], moments, strict=True):
                m[:] = 0.9 * m + 0.1 * grad
                v[:] = 0.999 * v + 0.001 * grad * grad
                m_hat, v_hat = m / (1 - 0.9 ** step), v / (1 - 0.999 ** step)
                param -= (lr * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)
        log.info("epoch %d done", epoch + 1)
    return Network(tuple(zip(weights, biases, strict=True)), mean, scale)
