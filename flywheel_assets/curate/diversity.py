"""Semantic clusters (embeddings + k-means) and sample weights that cap any cluster's share of the total weight."""

from __future__ import annotations

import math

import numpy as np

from flywheel_assets.curate.config import DiversityConfig


def cluster_texts(texts: list[str], cfg: DiversityConfig, vectors: list | None = None) -> np.ndarray:
    """k-means labels (int, >= 0) for texts; deterministic (seeded, fixed n_init). Labels are renumbered by
    first appearance so they do not depend on k-means' internal numbering.

    ``vectors``: per text, its stored MiniLM vector (``curate.features``) or None; used when the clustering runs
    on MiniLM, the missing ones are embedded here (bitwise the same vectors: ``embeddings.encode_exact``)."""
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    k = cfg.n_clusters or int(round(math.sqrt(n / 2)))
    k = max(1, min(k, cfg.max_clusters, n))
    if k == 1:
        return np.zeros(n, dtype=np.int64)
    from sklearn.cluster import KMeans

    from flywheel_assets.embeddings import embed

    backend = cfg.embedding_backend
    if backend == "auto" and n > cfg.auto_tfidf_above:
        backend = "tfidf"
    if backend != "tfidf" and vectors is not None and any(v is not None for v in vectors):
        todo = [i for i, v in enumerate(vectors) if v is None]
        rows = [None if v is None else np.asarray(v, dtype=np.float32) for v in vectors]
        if todo:
            for i, v in zip(todo, embed([texts[i][: cfg.text_chars] for i in todo], backend="minilm")):
                rows[i] = v
        vecs = np.stack(rows).astype(np.float64)
    else:
        vecs = embed([t[: cfg.text_chars] for t in texts], backend=backend).astype(np.float64)
    raw = KMeans(n_clusters=k, random_state=cfg.seed, n_init=4).fit_predict(vecs)
    remap: dict[int, int] = {}
    return np.array([remap.setdefault(int(c), len(remap)) for c in raw], dtype=np.int64)


def capped_weights(labels: np.ndarray, max_share: float) -> np.ndarray:
    """Per-item weight in (0, 1] such that every cluster's share of the summed weight is <= max_share.

    Water-filling: each cluster contributes min(n_c, t) weight (spread evenly over its members) with
    t = max_share * sum_c min(n_c, t), found by bisection. With k clusters the cap cannot go below 1/k.
    """
    n = len(labels)
    if n == 0:
        return np.zeros(0)
    _, inv, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    cap = max(max_share, 1.0 / len(sizes))
    if sizes.max() <= cap * n:
        return np.ones(n)
    lo, hi = 0.0, float(sizes.max())
    for _ in range(100):  # f(t) = cap * sum min(n_c, t) - t is concave; find its positive root
        mid = (lo + hi) / 2
        if cap * np.minimum(sizes, mid).sum() - mid >= 0:
            lo = mid
        else:
            hi = mid
    t = lo
    w_cluster = np.minimum(sizes, t) / sizes
    return w_cluster[inv]
