"""NER reads each distinct piece once (per call and across calls, shortest first, in char-capped batches): the spans
must be exactly those of reading every text on its own with the cache empty."""

from __future__ import annotations


import spacy.language

import flywheel_assets.privacy.detectors.presidio_ner as ner
from flywheel_assets.privacy.detectors.presidio_ner import detect_ner_batch
from flywheel_assets_tests.privacy._helpers import oasst_texts



def test_repeated_pieces_read_once_and_spans_unchanged(realdata, monkeypatch):
    base = _oasst600(realdata, 12)
    greeting = "Yesterday I met Maria Fernandez in Chicago."
    texts = base + [greeting, "Ticket 4: " + greeting, greeting + " Thanks!"]
    ner._ENT_CACHE.clear()
    alone = []
    for t in texts:  # each text on its own, nothing cached
        ner._ENT_CACHE.clear()
        alone.append(detect_ner_batch([t], known=[[]], context_tokens=2))
    ner._ENT_CACHE.clear()
    read: list[str] = []
    real_pipe = spacy.language.Language.pipe

    def pipe(self, docs, **kw):
        docs = list(docs)
        read.extend(docs)
        return real_pipe(self, docs, **kw)

    monkeypatch.setattr(spacy.language.Language, "pipe", pipe)
    together = detect_ner_batch(texts, known=[[] for _ in texts], context_tokens=2)
    assert together == [a[0] for a in alone]
    assert read and len(read) == len(set(read))  # no piece read twice
    assert sum(greeting in p for p in read) == 1  # the sentence (cropped the same way in all three) read once
    # the person in the repeated sentence is found in all three texts
    for i in (-3, -2, -1):
        t = texts[i]
        assert any(t[s.start:s.end] == "Maria Fernandez" and s.entity_type == "PERSON" for s in together[i])
    # a second call hits the cache: same spans, the model is not run
    read.clear()
    again = detect_ner_batch(texts, known=[[] for _ in texts], context_tokens=2)
    assert again == together and read == []


def test_batches_capped_by_chars_give_the_same_spans(realdata, monkeypatch):
    texts = _oasst600(realdata, 10)
    ner._ENT_CACHE.clear()
    ref = detect_ner_batch(texts)
    ner._ENT_CACHE.clear()
    monkeypatch.setattr(ner, "_BATCH_CHARS", 500)  # many small batches
    assert detect_ner_batch(texts, batch_size=3) == ref
    ner._ENT_CACHE.clear()


def _oasst600(realdata, n: int) -> list[str]:
    return [t[:600] for t in oasst_texts(realdata, n)]
