"""Intent groups of single-request units, from content only: the first user requests (normalised by
``messages.intent_text``) are embedded and joined when their cosine reaches the threshold or their fuzzy ratio does;
``dup_links`` adds equivalences such as a shared dedup cluster. Used by outcome pairing (``pairs``) and failure
triage (``triage``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flywheel_assets.feedback import messages as c
from flywheel_assets.schema import stable_id

EMBED_CHARS = 300  # the gist of a request; long scaffolding would only slow the encoder down


class _Disjoint:
    def __init__(self, n: int):
        self.p = list(range(n))

    def find(self, i: int) -> int:
        while self.p[i] != i:
            self.p[i] = self.p[self.p[i]]
            i = self.p[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


@dataclass
class IntentIndex:
    texts: list[str]  # unique normalised first requests, sorted
    vecs: np.ndarray
    group_of_text: dict[str, str]
    fuzzy_threshold: float

    def similarity(self, a: str, b: str) -> float:
        ia, ib = self._idx[a], self._idx[b]
        if ia == ib:
            return 1.0
        cos = float(self.vecs[ia] @ self.vecs[ib])
        from rapidfuzz import fuzz

        if fuzz.ratio(a, b) >= self.fuzzy_threshold:
            return max(cos, 0.99)
        return cos

    def __post_init__(self):
        self._idx = {t: i for i, t in enumerate(self.texts)}


def intent_index(first_requests: list[str], threshold: float, fuzzy_threshold: float = 90.0,
                 backend: str = "auto", dup_links: list[tuple[str, str]] | None = None) -> IntentIndex:
    """Group first user requests by content: union of pairs with cosine >= threshold or fuzzy ratio >= fuzzy
    threshold (on normalised text). ``dup_links`` adds extra equivalences (e.g. same dedup cluster)."""
    from rapidfuzz import fuzz, process

    from flywheel_assets.embeddings import embed

    texts = sorted({c.intent_text(t) for t in first_requests})
    if not texts:
        return IntentIndex([], np.zeros((0, 1), np.float32), {}, fuzzy_threshold)
    vecs = embed([t[:EMBED_CHARS] for t in texts], backend=backend)
    dsu = _Disjoint(len(texts))
    step = 1024
    for s in range(0, len(texts), step):
        sims = vecs[s:s + step] @ vecs.T
        ii, jj = np.nonzero(sims >= threshold)
        for i, j in zip(ii.tolist(), jj.tolist()):
            if s + i < j:
                dsu.union(s + i, j)
    if len(texts) > 1:
        scores = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=fuzzy_threshold, dtype=np.uint8)
        ii, jj = np.nonzero(scores)
        for i, j in zip(ii.tolist(), jj.tolist()):
            if i < j:
                dsu.union(i, j)
    idx = {t: i for i, t in enumerate(texts)}
    for a, b in dup_links or []:
        na, nb = c.intent_text(a), c.intent_text(b)
        if na in idx and nb in idx:
            dsu.union(idx[na], idx[nb])
    group = {t: "intent:" + stable_id("intent", texts[dsu.find(i)], length=16) for i, t in enumerate(texts)}
    return IntentIndex(texts, vecs, group, fuzzy_threshold)
