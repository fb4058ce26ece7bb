"""Distances between two distributions given as counts over the same bins or categories.

The local stand-in for Lakehouse Monitoring fills its drift metrics table with these; Spark does the
counting, these finish on the small histograms. Numeric columns use quantile bins (`numeric`), so the
Kolmogorov-Smirnov statistic and the Wasserstein distance are their binned approximations;
categorical columns compare category frequencies (`categorical`).
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats
from scipy.spatial.distance import jensenshannon

EPSILON = 1e-6  # keeps the population stability index finite when a bin is empty on one side


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total else counts.astype(float)


def numeric(p_counts: np.ndarray, q_counts: np.ndarray, points: np.ndarray) -> dict[str, float]:
    """KS statistic and p-value, Wasserstein distance and PSI of two histograms over bins at `points`."""
    p, q = _shares(p_counts), _shares(q_counts)
    gap = np.abs(np.cumsum(p) - np.cumsum(q))
    ks = float(gap.max()) if len(gap) else 0.0
    n, m = p_counts.sum(), q_counts.sum()
    effective = n * m / (n + m) if n and m else 0.0
    pvalue = float(special.kolmogorov(np.sqrt(effective) * ks)) if effective else 1.0
    wasserstein = float(np.sum(gap[:-1] * np.diff(points))) if len(points) > 1 else 0.0
    pe, qe = np.maximum(p, EPSILON), np.maximum(q, EPSILON)
    psi = float(np.sum((qe - pe) * np.log(qe / pe)))
    return {"ks_statistic": ks, "ks_pvalue": pvalue, "wasserstein_distance": wasserstein,
            "population_stability_index": psi}


def categorical(p_counts: np.ndarray, q_counts: np.ndarray) -> dict[str, float]:
    """Jensen-Shannon distance (base 2), chi-squared test, total variation and L-infinity distances."""
    p, q = _shares(p_counts), _shares(q_counts)
    js = float(jensenshannon(p, q, base=2)) if p.sum() and q.sum() else 0.0
    table = np.vstack([p_counts, q_counts])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] > 1 and (table.sum(axis=1) > 0).all():
        chi2, pvalue, _, _ = stats.chi2_contingency(table)
    else:
        chi2, pvalue = 0.0, 1.0
    return {"js_distance": js, "chi_squared_statistic": float(chi2), "chi_squared_pvalue": float(pvalue),
            "tv_distance": float(0.5 * np.abs(p - q).sum()), "l_infinity_distance": float(np.abs(p - q).max())}
