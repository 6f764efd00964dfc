"""Exact + near-duplicate detection, global over every unit it is given.

* exact: ``content_hash`` = sha256 of the normalised dialog text (user/assistant/tool content and tool calls; the
  system prompt is excluded, placeholder indices are folded: ``<PERSON_3>`` -> ``<person>``);
* near: word-shingle MinHash (datasketch ``affine32`` scheme, signatures computed in vectorised numpy) + datasketch
  ``MinHashLSH`` for candidates, each candidate verified with ``rapidfuzz.fuzz.ratio`` *and* a word-level edit
  budget (``max_token_edits``: Levenshtein over token lists where numbers/ids stay verbatim and a redaction
  placeholder is one token); union-find gives clusters. The token budget is what separates a copy with a tiny edit
  (typo, one changed number) from a template sibling whose ids/amounts differ in several places: on redacted,
  templated logs the character ratio alone chains whole templates together (see docs/curation.md, "Measured on
  the demo drop").
  Shingles found in more than ``max_shingle_df`` of the units (boilerplate greetings, shared tool preambles)
  are dropped before hashing, so shared boilerplate cannot make distinct units collide.

Cost: tokenising and hashing are linear; LSH insert/query is linear in units (candidates per unit are capped by
``max_candidates``); see benchmarks/dedup_benchmark.py and docs/benchmarks_dedup.md.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import zlib
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from flywheel_assets.curate.config import DedupConfig
from flywheel_assets.privacy.placeholders import generic as generic_placeholders

_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"<[a-z_]+>|\w+")  # on normalised text: a folded placeholder is one token
_DIGITS = re.compile(r"\d+")
_M32 = np.uint64(0xFFFFFFFF)


def normalize(text: str) -> str:
    """Lower-case, fold placeholder indices, collapse whitespace."""
    text = generic_placeholders(text or "")
    return _WS.sub(" ", text.lower()).strip()


def normalized_hash(norm_text: str) -> str:
    """content_hash of a text already passed through ``normalize``."""
    return hashlib.sha256(norm_text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def content_hash(text: str) -> str:
    return normalized_hash(normalize(text))


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def shingle_sets(norm_texts: list[str], k: int, batch: int = 20000) -> tuple[np.ndarray, np.ndarray]:
    """Unique 32-bit word-k-gram hashes per document -> (doc index per shingle, shingle hash), sorted by doc.
    Works in batches of documents so token strings never all live at once (memory ~ linear in shingles)."""
    rng = np.random.RandomState(12345)
    mults = rng.randint(1, 2**31 - 1, size=k).astype(np.uint64) * np.uint64(2) + np.uint64(1)
    vocab: dict[str, int] = {}
    docs_out, hash_out = [], []
    for b0 in range(0, len(norm_texts), batch):
        d, h = _shingle_batch(norm_texts[b0:b0 + batch], k, mults, vocab)
        docs_out.append(d + b0)
        hash_out.append(h)
    if not docs_out:
        return np.zeros(0, np.int64), np.zeros(0, np.uint32)
    return np.concatenate(docs_out), np.concatenate(hash_out)


def _shingle_batch(texts: list[str], k: int, mults: np.ndarray, vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    toks = [_WORD.findall(t) for t in texts]
    lens = np.fromiter((len(t) for t in toks), dtype=np.int64, count=len(toks))
    flat = itertools.chain.from_iterable
    for w in set(flat(toks)).difference(vocab.keys()):
        vocab[w] = zlib.crc32(w.encode("utf-8", "surrogatepass"))
    n = int(lens.sum())
    ids = np.fromiter(map(vocab.__getitem__, flat(toks)), dtype=np.uint64, count=n)
    del toks
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]) if len(lens) else np.zeros(0, np.int64)
    doc_of_tok = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    docs_parts, hash_parts = [], []
    if n >= k:
        m = n - k + 1
        h = np.zeros(m, dtype=np.uint64)
        for j in range(k):  # polynomial hash of k consecutive token hashes (uint64 wraps)
            h = h * np.uint64(1099511628211) + ids[j:j + m] * mults[j]
        valid = doc_of_tok[:m] == doc_of_tok[k - 1:k - 1 + m]  # the k-gram does not cross a document boundary
        docs_parts.append(doc_of_tok[:m][valid])
        hash_parts.append(h[valid])
    short = np.nonzero((lens > 0) & (lens < k))[0]
    if len(short):  # documents shorter than k words: one shingle of all their words
        sh = np.zeros(len(short), dtype=np.uint64)
        for j in range(k - 1):
            take = lens[short] > j
            idx = np.minimum(starts[short] + j, max(n - 1, 0))
            sh = np.where(take, sh * np.uint64(1099511628211) + ids[idx] * mults[j], sh)
        docs_parts.append(short.astype(np.int64))
        hash_parts.append(sh)
    if not docs_parts:
        return np.zeros(0, np.int64), np.zeros(0, np.uint32)
    d = np.concatenate(docs_parts)
    h = np.concatenate(hash_parts)
    h32 = ((h >> np.uint64(32)) ^ (h & _M32)).astype(np.uint32)
    key = np.sort((d.astype(np.uint64) << np.uint64(32)) | h32.astype(np.uint64))
    if len(key):
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]  # unique (sort-based: faster than np.unique here)
    return (key >> np.uint64(32)).astype(np.int64), (key & _M32).astype(np.uint32)


def minhash_signatures(doc: np.ndarray, sh: np.ndarray, n_docs: int, num_perm: int, seed: int,
                       chunk: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """(n_docs, num_perm) uint32 signatures (datasketch affine32 permutations) and a has-shingles mask."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    a = a.astype(np.uint32)
    b = b.astype(np.uint32)
    sig = np.full((n_docs, num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    has = np.zeros(n_docs, dtype=bool)
    if len(doc) == 0:
        return sig, has
    has[doc] = True
    hv = _fmix32(sh)
    bounds = np.nonzero(np.diff(doc))[0] + 1  # first row of each doc after the first
    doc_starts = np.concatenate([[0], bounds])
    total = len(doc)
    k0 = 0  # index into doc_starts of the chunk's first document
    while k0 < len(doc_starts):
        pos = int(doc_starts[k0])
        k1 = int(np.searchsorted(doc_starts, pos + chunk, side="left"))  # chunk ends on a document boundary
        k1 = max(k1, k0 + 1)
        end = int(doc_starts[k1]) if k1 < len(doc_starts) else total
        phv = hv[pos:end, None] * a[None, :] + b[None, :]
        local_starts = doc_starts[k0:k1] - pos
        sig[doc[doc_starts[k0:k1]]] = np.minimum.reduceat(phv, local_starts, axis=0)
        k0 = k1
    return sig, has


class _UF:
    def __init__(self, n: int):
        self.p = list(range(n))

    def find(self, x: int) -> int:
        p = self.p
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra < rb:
                self.p[rb] = ra
            else:
                self.p[ra] = rb


@lru_cache(maxsize=16)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising weighted false positive + false negative probability (datasketch's optimiser)."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


def _candidate_pairs_numpy(sig: np.ndarray, has: np.ndarray, b: int, r: int, window: int) -> np.ndarray:
    """LSH banding in numpy: units sharing a band bucket become candidates. Within a bucket every unit is paired
    with up to ``window`` following members (bounds the cost of huge buckets). Returns sorted unique (i, j) pairs
    packed as i << 32 | j with i < j."""
    idx = np.nonzero(has)[0].astype(np.uint64)
    if len(idx) < 2:
        return np.zeros(0, dtype=np.uint64)
    rng = np.random.RandomState(7)
    mult = (rng.randint(1, 2**62, size=r, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1))
    out = []
    for band in range(b):
        cols = sig[idx.astype(np.int64), band * r:(band + 1) * r].astype(np.uint64)
        h = (cols * mult[None, :]).sum(axis=1, dtype=np.uint64) ^ np.uint64(band)
        order = np.argsort(h, kind="stable")
        hs = h[order]
        same = hs[1:] == hs[:-1]
        if not same.any():
            continue
        members = idx[order]
        for w in range(1, window + 1):
            if w > 1:
                same = same[:-1] & (hs[w:] == hs[:-w])
                if not same.any():
                    break
            a, c = members[:-w][same], members[w:][same]
            lo, hi = np.minimum(a, c), np.maximum(a, c)
            out.append((lo << np.uint64(32)) | hi)
    if not out:
        return np.zeros(0, dtype=np.uint64)
    pairs = np.sort(np.concatenate(out))
    return pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]


def _candidate_pairs_datasketch(sig: np.ndarray, has: np.ndarray, cfg: DedupConfig) -> np.ndarray:
    """Same contract with datasketch's MinHashLSH (query-then-insert); ~10x slower, kept for cross-checking."""
    lsh = MinHashLSH(threshold=cfg.lsh_threshold, num_perm=cfg.num_perm)
    out = []
    for i in np.nonzero(has)[0].tolist():
        m = LeanMinHash(seed=cfg.seed, hashvalues=sig[i], scheme="affine32")
        for j in sorted(lsh.query(m))[-cfg.max_candidates:]:
            out.append((j << 32) | i)
        lsh.insert(i, m, check_duplication=False)
    return np.array(sorted(set(out)), dtype=np.uint64)


def tokens(text: str) -> list[str]:
    """Word tokens of a normalised text (numbers and ids verbatim, ``<person>`` one token)."""
    return _TOKEN.findall(text)


def _close(a: str, b: str, cfg: DedupConfig) -> bool:
    if fuzz.ratio(a, b, score_cutoff=cfg.verify_ratio) < cfg.verify_ratio:
        return False
    if cfg.max_token_edits < 0:
        return True
    k = cfg.max_token_edits
    return Levenshtein.distance(tokens(a), tokens(b), score_cutoff=k) <= k


def similar(a: str, b: str, cfg: DedupConfig) -> bool:
    """Verification of a candidate pair: rapidfuzz ratio >= verify_ratio and at most max_token_edits word-level
    edits. Long texts are compared on their head *and* tail (verify_chars / 2 each), so two trajectories that share
    a long opening (same request, same first tool result) but end differently (different final answers) are not
    merged."""
    cut = cfg.verify_chars
    if len(a) <= cut and len(b) <= cut:
        return _close(a, b, cfg)
    half = cut // 2
    return _close(a[:half], b[:half], cfg) and _close(a[-half:], b[-half:], cfg)


def near_duplicate_labels(norm_texts: list[str], cfg: DedupConfig | None = None) -> tuple[np.ndarray, dict]:
    """Cluster normalised texts; labels[i] = smallest index of i's cluster. Returns (labels, stats)."""
    cfg = cfg or DedupConfig()
    n = len(norm_texts)
    uf = _UF(n)
    stats = {"n": n, "candidates": 0, "verified": 0, "dropped_shingles": 0}
    if n < 2:
        return np.arange(n), stats
    doc, sh = shingle_sets(norm_texts, cfg.shingle_words)
    if n >= cfg.df_min_units and len(sh):
        limit = max(2, cfg.max_shingle_df * n)
        srt = np.sort(sh)
        bounds = np.concatenate(([0], np.nonzero(srt[1:] != srt[:-1])[0] + 1, [len(srt)]))
        counts = np.diff(bounds)
        common = srt[bounds[:-1][counts > limit]]  # boilerplate shingles (few): drop them everywhere
        del srt
        stats["dropped_shingles"] = int(len(common))
        if len(common):
            keep = ~np.isin(sh, common)
            doc, sh = doc[keep], sh[keep]
    sig, has = minhash_signatures(doc, sh, n, cfg.num_perm, cfg.seed)
    if cfg.lsh_backend == "datasketch":
        pairs = _candidate_pairs_datasketch(sig, has, cfg)
    else:
        b, r = lsh_params(cfg.lsh_threshold, cfg.num_perm)
        pairs = _candidate_pairs_numpy(sig, has, b, r, cfg.max_candidates)
    stats["candidates"] = int(len(pairs))
    for p in pairs.tolist():
        i, j = p >> 32, p & 0xFFFFFFFF
        if uf.find(i) == uf.find(j):
            continue
        if similar(norm_texts[i], norm_texts[j], cfg):
            stats["verified"] += 1
            uf.union(i, j)
    return np.array([uf.find(i) for i in range(n)], dtype=np.int64), stats


def dedup_clusters(texts: list[str], cfg: DedupConfig | None = None, normalized: bool = False
                   ) -> tuple[list[str], np.ndarray, np.ndarray, dict]:
    """texts (raw dialog text per unit, in a canonical order; already ``normalize``d when ``normalized``) ->
    (content_hash per unit, exact-group label, near-dup cluster label, stats). Labels are the smallest index in
    the group/cluster."""
    cfg = cfg or DedupConfig()
    norms = list(texts) if normalized else [normalize(t) for t in texts]
    hashes = [normalized_hash(t) for t in norms]
    first: dict[str, int] = {}
    # units with no dialog text at all (broken messages) never group with each other
    exact = np.array([first.setdefault(h if norms[i] else f"empty:{i}", i) for i, h in enumerate(hashes)], dtype=np.int64)
    reps = np.nonzero(exact == np.arange(len(texts)))[0]
    cluster = exact.copy()
    stats = {"n": len(texts), "exact_groups": int(len(reps)), "candidates": 0, "verified": 0, "dropped_shingles": 0}
    if cfg.near_dup and len(reps) > 1:
        cmp = [norms[i] for i in reps]
        if cfg.fold_numbers:
            cmp = [_DIGITS.sub("0", t) for t in cmp]
        labels, st = near_duplicate_labels(cmp, cfg)
        stats.update({k: v for k, v in st.items() if k != "n"})
        rep_label = reps[labels]  # cluster root index in the full list
        root_of = dict(zip(reps.tolist(), rep_label.tolist()))
        cluster = np.array([root_of[e] for e in exact.tolist()], dtype=np.int64)
    return hashes, exact, cluster, stats
