"""Content-addressed embedding cache (flywheel_assets.embeddings): reuse, dedupe, bounds, on-disk store,
determinism with and without the cache."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest

from flywheel_assets import embeddings as E
from flywheel_assets.embeddings import EmbeddingCache, embed, text_key


def _fake_compute(calls: list):
    """A stand-in encoder: deterministic vector per text, records what it was asked to encode."""
    def compute(batch):
        calls.append(list(batch))
        out = []
        for t in batch:
            rng = np.random.default_rng(int.from_bytes(text_key("fake", "m", t)[:8], "little"))
            v = rng.standard_normal(8).astype(np.float32)
            out.append(v / np.linalg.norm(v))
        return np.stack(out)
    return compute


@pytest.fixture(scope="module")
def oasst_texts(realdata) -> list[str]:
    """First prompts and replies of the real Open Assistant trees (repeats included, as in production)."""
    texts = []
    for line in (realdata / "oasst_feedback" / "en_100_tree.jsonl").read_text().splitlines()[:10]:
        tree = json.loads(line)
        texts.append(tree["prompt"]["text"][:300])
        for r in tree["prompt"].get("replies", [])[:1]:
            texts.append(r["text"][:300])
    return texts + texts[:5]  # repeated requests


def test_misses_only_and_dedupe_within_call():
    calls: list = []
    c = EmbeddingCache(max_items=100)
    a = c.lookup_or_compute("fake", "m", ["b", "a", "b", "c", "a"], _fake_compute(calls))
    assert calls == [["a", "b", "c"]]  # each distinct text once, sorted
    assert (c.hits, c.misses) == (0, 3)
    assert np.array_equal(a[0], a[2]) and np.array_equal(a[1], a[4]) and not np.array_equal(a[0], a[1])
    b = c.lookup_or_compute("fake", "m", ["c", "d", "a"], _fake_compute(calls))
    assert calls[-1] == ["d"]
    assert (c.hits, c.misses) == (2, 4)
    assert np.array_equal(b[0], a[3]) and np.array_equal(b[2], a[1])


def test_key_covers_backend_model_and_text():
    keys = {text_key("minilm", "m1", "x"), text_key("minilm", "m2", "x"), text_key("tfidf", "m1", "x"),
            text_key("minilm", "m1", "x "), text_key("minilm", "m1x", "")}
    assert len(keys) == 5
    calls: list = []
    c = EmbeddingCache()
    c.lookup_or_compute("fake", "m1", ["x"], _fake_compute(calls))
    c.lookup_or_compute("fake", "m2", ["x"], _fake_compute(calls))  # other model: a miss
    assert calls == [["x"], ["x"]]


def test_lru_is_bounded_and_evicts_least_recent():
    calls: list = []
    c = EmbeddingCache(max_items=2)
    c.lookup_or_compute("fake", "m", ["a", "b"], _fake_compute(calls))
    c.lookup_or_compute("fake", "m", ["a"], _fake_compute(calls))  # a is now most recent
    c.lookup_or_compute("fake", "m", ["c"], _fake_compute(calls))  # evicts b
    assert len(c) == 2
    c.lookup_or_compute("fake", "m", ["a", "b"], _fake_compute(calls))
    assert calls[-1] == ["b"]


def test_disk_store_roundtrip_permissions_and_corruption(tmp_path):
    calls: list = []
    d = tmp_path / "cache"
    c1 = EmbeddingCache(directory=d)
    v1 = c1.lookup_or_compute("fake", "m", ["p", "q", "p"], _fake_compute(calls))
    files = sorted(d.glob("*.npz"))
    assert len(files) == 1 and not list(d.glob("*.tmp"))
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    c2 = EmbeddingCache(directory=d)  # a new process reads what the first one wrote
    v2 = c2.lookup_or_compute("fake", "m", ["q", "p"], _fake_compute(calls))
    assert len(calls) == 1 and (c2.hits, c2.misses) == (2, 0)
    assert np.array_equal(v2, v1[[1, 0]])
    c2.lookup_or_compute("fake", "m", ["r"], _fake_compute(calls))  # merged, not overwritten
    c3 = EmbeddingCache(directory=d)
    c3.lookup_or_compute("fake", "m", ["p", "q", "r"], _fake_compute(calls))
    assert (c3.hits, c3.misses) == (3, 0)
    files[0].write_bytes(b"not a numpy file")  # a corrupt store is a miss, never an error
    c4 = EmbeddingCache(directory=d)
    v4 = c4.lookup_or_compute("fake", "m", ["p"], _fake_compute(calls))
    assert c4.misses == 1 and np.array_equal(v4[0], v1[0])
    assert EmbeddingCache(directory=d).lookup_or_compute("fake", "m", ["p"], _fake_compute(calls)).shape == (1, 8)


def test_unwritable_directory_keeps_working(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    c = EmbeddingCache(directory=blocker / "sub")  # cannot mkdir below a file
    v = c.lookup_or_compute("fake", "m", ["a"], _fake_compute([]))
    assert v.shape == (1, 8)


def test_minilm_identical_with_and_without_cache(oasst_texts, tmp_path, monkeypatch):
    monkeypatch.setenv(E.CACHE_ENV, str(tmp_path / "c"))
    none = embed(oasst_texts, backend="minilm", cache=None)
    fresh = EmbeddingCache(directory=tmp_path / "c")
    cold = embed(oasst_texts, backend="minilm", cache=fresh)
    warm = embed(oasst_texts, backend="minilm", cache=EmbeddingCache(directory=tmp_path / "c"))
    assert none.shape == (len(oasst_texts), 384)
    assert np.array_equal(none, cold) and np.array_equal(cold, warm)  # bitwise
    rev = embed(oasst_texts[::-1], backend="minilm", cache=None)[::-1]
    assert np.array_equal(rev, none)  # input order does not matter
    # a different batch composition (half the texts cached) gives bitwise the same vectors (no padded batches)
    half = EmbeddingCache()
    embed(oasst_texts[::2], backend="minilm", cache=half)
    mixed = embed(oasst_texts, backend="minilm", cache=half)
    assert np.array_equal(mixed, none)
    assert half.hits > 0
    # the default cache (env var set) writes the on-disk store
    E.embed(oasst_texts[:3], backend="minilm")
    assert list((tmp_path / "c").glob("minilm-*.npz"))


def test_vector_depends_on_its_text_only(oasst_texts):
    """encode_exact: a text's vector is bitwise the one it gets when encoded alone, whatever else (shorter, longer,
    more or fewer texts) is in the call; a plain padded batch differs in the last bits for some text (what made
    incremental and from-scratch runs disagree)."""
    model = E._sentence_model(None)
    texts = sorted(set(oasst_texts))
    alone = np.stack([E.encode_exact(model, [t])[0] for t in texts])
    together = E.encode_exact(model, texts)
    subset = E.encode_exact(model, texts[1::3] + texts[:2])
    assert np.array_equal(together, alone)
    assert np.array_equal(subset, np.concatenate([alone[1::3], alone[:2]]))
    lens = {len(t) for t in texts}
    assert len(lens) > 3  # the texts differ in length, so a padded batch would pad
    padded = np.asarray(model.encode(texts, batch_size=64, normalize_embeddings=True), dtype=np.float32)
    assert np.abs(padded - alone).max() < 1e-5


def test_tfidf_is_not_cached(oasst_texts):
    c = EmbeddingCache()
    a = embed(oasst_texts, backend="tfidf", cache=c)
    assert np.array_equal(a, E.tfidf_embed(oasst_texts))
    assert len(c) == 0 and c.hits == c.misses == 0


def test_downstream_labels_same_cold_and_warm(oasst_texts):
    """Diversity k-means over cached vectors gives the same labels as over freshly computed ones."""
    from flywheel_assets.curate.config import DiversityConfig
    from flywheel_assets.curate.diversity import cluster_texts

    cfg = DiversityConfig(embedding_backend="minilm", n_clusters=4)
    E._DEFAULT, E._DEFAULT_DIR = EmbeddingCache(max_items=0), os.environ.get(E.CACHE_ENV) or None
    try:
        no_cache = cluster_texts(oasst_texts, cfg)
        E._DEFAULT = EmbeddingCache()
        embed(oasst_texts[1::2], backend="minilm")  # warm half of them
        warm = cluster_texts(oasst_texts, cfg)
    finally:
        E._DEFAULT = None
    assert no_cache.tolist() == warm.tolist()
    assert len(set(no_cache.tolist())) == 4
