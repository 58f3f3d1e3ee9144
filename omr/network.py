"""The small classifiers the readers ship (digits, rating shapes), in plain numpy.

One network type and one training loop for all, so a fix to one reaches the others: images first
go through the network's convolutions, if it has any (3×3, ReLU, 2×2 max-pooling each: what
makes a digit's reading depend on its strokes' shapes rather than on which pixels they cover);
then inputs are flattened and, when the network carries them, standardised by a per-feature mean
and scale; ReLU hidden layers; softmax output. Trained at build time with Adam on cross-entropy, a
little weight decay and a cosine-decaying rate. Saved as `.npz` arrays `c1w, c1b …` (convolutions),
`w1, b1, w2, b2 …` (and `mean`, `scale`).
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
Layer = tuple[Floats, Floats]  # weights, bias; a convolution's weights are (9 · channels in) × channels out


@dataclass(frozen=True)
class Network:
    layers: tuple[Layer, ...]
    mean: Floats | None = None
    scale: Floats | None = None
    convolutions: tuple[Layer, ...] = ()

    def probabilities(self, inputs: Floats) -> Floats:
        """Class probabilities of N inputs (N × height × width images when the network has
        convolutions; otherwise any shape per input: they are flattened)."""
        with _BLAS.limit(limits=1, user_api="blas"):
            x = inputs[..., None] if self.convolutions else inputs
            for w, b in self.convolutions:
                x = _convolve(x, w, b)[2]
            x = x.reshape(len(inputs), -1)
            if self.mean is not None and self.scale is not None:
                x = (x - self.mean) / self.scale
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
        arrays |= {f"c{k + 1}{name}": a for k, layer in enumerate(self.convolutions)
                   for name, a in zip("wb", layer, strict=True)}
        if self.mean is not None and self.scale is not None:
            arrays |= {"mean": self.mean, "scale": self.scale}
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> Network:
        with np.load(path) as data:
            def pairs(weights: str, bias: str) -> tuple[Layer, ...]:
                found = itertools.takewhile(lambda k: weights.format(k) in data.files, itertools.count(1))
                return tuple((np.asarray(data[weights.format(k)], dtype=np.float32),
                              np.asarray(data[bias.format(k)], dtype=np.float32)) for k in found)

            mean, scale = (np.asarray(data[k], np.float32) if k in data.files else None for k in ("mean", "scale"))
            return cls(pairs("w{}", "b{}"), mean, scale, pairs("c{}w", "c{}b"))


def _convolve(x: Floats, weights: Floats, bias: Floats) -> tuple[Floats, Floats, Floats, Floats]:
    """One convolution of N × H × W × C images: their `_patches`, the activation (ReLU), the
    pooled maps and the maps cut to the pooled area (training keeps all four for the gradients)."""
    patches = _patches(x)
    active = np.maximum(0, patches @ weights + bias)
    pooled, cut = _pool(active)
    return patches, active, pooled, cut


def _patches(x: Floats) -> Floats:
    """Every 3×3 neighbourhood of N × H × W × C images, as (N, H − 2, W − 2, 9 · C) rows (row,
    column, then channel: the layout of a convolution's weights)."""
    h, w = x.shape[1:3]
    return np.concatenate([x[:, i:i + h - 2, j:j + w - 2] for i in range(3) for j in range(3)], axis=3)


def _unpatch(grads: Floats, shape: tuple[int, ...]) -> Floats:
    """The gradient with respect to the images of a gradient with respect to their `_patches`."""
    n, h, w, c = shape
    out = np.zeros(shape, np.float32)
    grid = grads.reshape(n, h - 2, w - 2, 3, 3, c)
    for i in range(3):
        for j in range(3):
            out[:, i:i + h - 2, j:j + w - 2] += grid[:, :, :, i, j]
    return out


def _pool(x: Floats) -> tuple[Floats, Floats]:
    """2×2 max-pooling of N × H × W × C maps (an odd last row or column is dropped), and the maps
    cut to the pooled area (what `_unpool` routes gradients by)."""
    h, w = x.shape[1:3]
    cut = x[:, :h // 2 * 2, :w // 2 * 2]
    return np.maximum(np.maximum(cut[:, 0::2, 0::2], cut[:, 0::2, 1::2]),
                      np.maximum(cut[:, 1::2, 0::2], cut[:, 1::2, 1::2])), cut


def _unpool(grads: Floats, pooled: Floats, cut: Floats, shape: tuple[int, ...]) -> Floats:
    """The gradient of the maps before pooling: each pooled gradient goes to its window's maximum."""
    h, w = shape[1:3]
    wide = np.repeat(np.repeat(pooled, 2, axis=1), 2, axis=2)
    out = np.zeros(shape, np.float32)
    out[:, :h // 2 * 2, :w // 2 * 2] = np.where(cut == wide, np.repeat(np.repeat(grads, 2, axis=1), 2, axis=2), 0)
    return out


# named as a string: `np.random` is imported on first use, and a reader never trains (19 ms a command)
Augment = Callable[[Floats, "np.random.Generator"], Floats]
_FEATURE_SAMPLE = 20000  # inputs whose features give the standardisation's mean and scale


def fit(inputs: Floats, labels: npt.NDArray[np.int64], classes: int, rng: np.random.Generator, *,
        hidden: tuple[int, ...], epochs: int, batch: int, rate: float = 1e-3, decay: float = 1e-4,
        standardise: bool = False, augment: Augment | None = None,
        features: Callable[[Floats], Floats] | None = None, convolutions: tuple[int, ...] = ()) -> Network:
    """A network trained on `inputs` (N × anything; N × height × width images when
    `convolutions`, the channels of each); `augment` changes each batch before it is seen (e.g.
    small shifts), `features` turns each batch (augmented) into what the network sees (its users
    then call it on the same features), `standardise` stores the features' mean and scale in the
    network (measured on a sample when `features` is given: they may be large)."""
    if standardise and convolutions:
        raise ValueError("standardised inputs are flat features, not images for convolutions")
    seen = features(inputs[:_FEATURE_SAMPLE if standardise else 1]) if features else inputs
    mean = scale = None
    if standardise:
        x = seen.reshape(len(seen), -1).astype(np.float32)
        mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-3
    kernels: list[Floats] = []
    channels = 1
    flat = int(np.prod(seen.shape[1:]))
    if convolutions:
        h, w = seen.shape[1:3]
        for out in convolutions:
            kernels.append(rng.normal(0, np.sqrt(2 / (9 * channels)), (9 * channels, out)).astype(np.float32))
            channels, h, w = out, (h - 2) // 2, (w - 2) // 2
        flat = h * w * channels
    sizes = (flat, *hidden, classes)
    weights = [*kernels, *(rng.normal(0, np.sqrt(2 / a), (a, b)).astype(np.float32) for a, b in itertools.pairwise(sizes))]
    biases = [np.zeros(w.shape[1], np.float32) for w in weights]
    params = [*weights, *biases]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    convs, layers = len(kernels), len(weights) - len(kernels)
    steps_total = epochs * math.ceil(len(inputs) / batch)
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(len(inputs))
        for start in range(0, len(inputs), batch):
            idx = order[start:start + batch]
            xb = augment(inputs[idx], rng) if augment else inputs[idx]
            xb = features(xb) if features else xb
            maps: list[tuple[Floats, Floats, Floats, Floats]] = []  # per convolution: patches, activation, pooled, cut
            if convs:
                xb = xb[..., None]
                for k in range(convs):
                    maps.append(_convolve(xb, weights[k], biases[k]))
                    xb = maps[-1][2]
            xb = xb.reshape(len(idx), -1)
            if mean is not None and scale is not None:
                xb = (xb - mean) / scale
            yb = labels[idx]
            acts = [xb]
            for k in range(convs, convs + layers):
                z = acts[-1] @ weights[k] + biases[k]
                acts.append(np.maximum(0, z) if k < convs + layers - 1 else z)
            logits = acts[-1] - acts[-1].max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1
            delta = p / len(yb)
            grads_w: list[Floats] = [np.empty(0, np.float32)] * len(weights)
            grads_b: list[Floats] = [np.empty(0, np.float32)] * len(weights)
            for k in reversed(range(layers)):
                grads_w[convs + k] = acts[k].T @ delta + decay * weights[convs + k]
                grads_b[convs + k] = delta.sum(axis=0)
                if k or convs:
                    delta = delta @ weights[convs + k].T
                    if k:
                        delta = delta * (acts[k] > 0)
            for k in reversed(range(convs)):
                patches, active, pooled, cut = maps[k]
                grad = _unpool(delta.reshape(pooled.shape), pooled, cut, active.shape) * (active > 0)
                rows = grad.reshape(-1, grad.shape[-1])
                grads_w[k] = patches.reshape(len(rows), -1).T @ rows + decay * weights[k]
                grads_b[k] = rows.sum(axis=0)
                if k:
                    delta = _unpatch(grad @ weights[k].T, maps[k - 1][2].shape)
            step += 1
            lr = rate * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / steps_total)))
            for param, grad, (m, v) in zip(params, [*grads_w, *grads_b], moments, strict=True):
                m[:] = 0.9 * m + 0.1 * grad
                v[:] = 0.999 * v + 0.001 * grad * grad
                m_hat, v_hat = m / (1 - 0.9 ** step), v / (1 - 0.999 ** step)
                param -= (lr * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)
        log.info("epoch %d done", epoch + 1)
    return Network(tuple(zip(weights[convs:], biases[convs:], strict=True)), mean, scale,
                   tuple(zip(weights[:convs], biases[:convs], strict=True)))
