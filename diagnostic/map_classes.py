"""Classes of a choropleth: quantiles computed as mapclassify does (without its
start-up cost), other schemes through mapclassify, and French legend entries."""
from __future__ import annotations

import warnings

import numpy as np

from .vocabulary import format_number

SCHEMES = {
    "quantiles": "Quantiles",
    # Fisher-Jenks: the optimal "natural breaks", deterministic (mapclassify's
    # NaturalBreaks uses random k-means starts, so two runs could differ).
    "natural_breaks": "FisherJenks",
    "fisher_jenks": "FisherJenks",
    "equal_interval": "EqualInterval",
}


def quantile_bins(y, k: int) -> np.ndarray:
    """Upper bounds of ``k`` quantile classes: ``mapclassify.Quantiles(y, k=k).bins``.

    Computed exactly as mapclassify does (its ``quantile`` function: scipy's
    ``scoreatpercentile`` with "fraction" interpolation at 100/k, 200/k...
    percent, repeated values collapsed), without importing mapclassify, which
    imports scipy.stats and scikit-learn: about a second at the first map of
    every new process.
    """
    y = np.asarray(y).flatten()
    w = 100.0 / k
    p = np.arange(w, 100 + w, w)
    if p[-1] > 100.0:
        p[-1] = 100.0
    sorted_ = np.sort(y, axis=None)
    scores = []
    for per in p:
        if y.size == 0:
            scores.append(np.nan)
            continue
        if not (0 <= per <= 100):
            raise ValueError("percentile must be in the range [0, 100]")
        idx = per / 100. * (sorted_.shape[0] - 1)
        i = int(idx)
        if i == idx:
            part, weights, total = sorted_[i:i + 1], np.array(1), 1.0
        else:
            j = i + 1
            part = sorted_[i:i + 2]
            weights = np.array([(j - idx), (idx - i)], float)
            total = weights.sum()
        scores.append(np.add.reduce(part * weights, axis=0) / total)
    q = np.unique(np.array(scores))
    if len(q) < k:
        warnings.warn(f"Not enough unique values in array to form {k} classes. Setting k to {len(q)}.",
                      UserWarning, stacklevel=2)
    return q


def classify(valid: np.ndarray, classes: int, scheme: str) -> tuple[np.ndarray, int]:
    """Class of each valid value (0..k-1) and the number of classes."""
    unique = np.unique(valid)
    k = int(min(max(classes, 1), len(unique)))
    if k <= 1:
        return np.zeros(len(valid), dtype=int), 1
    name = SCHEMES.get(scheme)
    if name is None:
        raise ValueError(f"Méthode de discrétisation inconnue : « {scheme} » "
                         f"(possibles : {', '.join(SCHEMES)}).")
    if name == "Quantiles":
        raw = quantile_bins(valid, k)
    else:
        import mapclassify  # scipy.stats and scikit-learn: imported only when needed

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Nn]umba.*")
            raw = getattr(mapclassify, name)(valid, k=k).bins
    bins = np.unique(np.asarray(raw, dtype=float))
    yb = np.searchsorted(bins, valid, side="left")
    yb = np.clip(yb, 0, len(bins) - 1)
    # Drop empty classes (ties in quantiles) and renumber.
    used = np.unique(yb)
    remap = {old: new for new, old in enumerate(used)}
    return np.array([remap[c] for c in yb]), len(used)


def class_labels(values: np.ndarray, yb: np.ndarray, k: int, unit: str, decimals: int) -> list[str]:
    """French legend entries « de 12,5 à 18,0 % » from the actual values of each class."""
    labels = []
    # A symbol (%, €) follows each bound; a word (« habitants ») is in the legend title only.
    unit = unit if len(unit) <= 2 else ""
    for c in range(k):
        members = values[yb == c]
        lo, hi = float(members.min()), float(members.max())
        if format_number(lo, decimals) == format_number(hi, decimals):
            labels.append(format_number(lo, decimals, unit))
        else:
            labels.append(f"de {format_number(lo, decimals)} à {format_number(hi, decimals, unit)}")
    return labels


def legend_decimals(values: np.ndarray) -> int:
    if values.size == 0:
        return 0
    spread = float(values.max() - values.min())
    if np.all(np.abs(values - np.round(values)) < 1e-9) or spread >= 100 or float(np.abs(values).max()) >= 1000:
        return 0
    return 1 if spread >= 1 or spread == 0 else 2
