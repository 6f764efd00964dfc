"""NER gating / context cropping, the numpy matmul backend for spaCy's NER, and the regex-free value propagation
(all speed work: each must leave the detections as they were)."""

from __future__ import annotations

import random
import re

from flywheel_assets.privacy.cascade import Cascade
from flywheel_assets.privacy.propagation import _alternation, email_name_spans, find_values
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.detectors.base import Span
from flywheel_assets.privacy.detectors.presidio_ner import (_fast_matmul, context_windows, detect_ner_batch,
                                                           spacy_nlp, unexplained_candidates)
from flywheel_assets_tests.privacy._helpers import oasst_texts



def test_unexplained_candidates_skip_words_inside_known_spans():
    text = "Please ask Dr. Okafor at 14 Larchmont Road about Zorblat."
    road = text.index("14 Larchmont Road")
    known = [Span(road, road + len("14 Larchmont Road"), "STREET_ADDRESS")]
    words = [text[a:b] for a, b in unexplained_candidates(text, known)]
    assert words == ["Dr", "Okafor", "Zorblat"]  # Please / ask / about: stop or common words; the street: explained
    assert [text[a:b] for a, b in unexplained_candidates(text, [])] == ["Dr", "Okafor", "Larchmont", "Road",
                                                                        "Zorblat"]
    # digits count (dates, short phone numbers read as dates) only when asked, and not inside a known span
    t2 = "Call 604 2281 or visit 14 Larchmont Road"
    assert [t2[a:b] for a, b in unexplained_candidates(t2, [], digits=True)] == ["604", "2281", "Larchmont",
                                                                               "Road"]  # 'call': stop word
    assert [t2[a:b] for a, b in unexplained_candidates(t2, [])] == ["Larchmont", "Road"]


def test_sentence_opening_everyday_words_are_no_candidates():
    # "Maybe" / "Follow" open a sentence: their capital says nothing, so they alone do not send a text to the model;
    # a given name (Mark, Hope), a place, an accented word (Pécs) or a mid-sentence capital still does
    text = "Maybe later. Follow the steps: Mark said Hope moved to Pécs.\nNumber one is the Handoff Agent."
    words = [text[a:b] for a, b in unexplained_candidates(text, [])]
    assert "Maybe" not in words and "Follow" not in words and "Number" not in words
    assert words == ["Mark", "Hope", "Pécs", "Handoff"]  # Agent: a common word anywhere
    assert unexplained_candidates("Maybe. Sure! Follow up.", []) == []


def test_context_windows_merge_and_cover_the_candidates():
    words = [f"w{i}" for i in range(40)]
    words[5], words[8], words[30] = "Alpha", "Beta", "Gamma"
    text = " ".join(words)
    cands = [m.span() for m in re.finditer(r"Alpha|Beta|Gamma", text)]
    wins = context_windows(text, cands, 2)
    assert [text[a:b] for a, b in wins] == ["w3 w4 Alpha w6 w7 Beta w9 w10", "w28 w29 Gamma w31 w32"]
    assert context_windows("Hi Alpha", [(3, 8)], 2) == [(0, 8)]  # short text: whole
    assert context_windows(text, cands, 30) == [(0, len(text))]  # windows cover most: whole text


def test_gated_ner_skips_explained_texts_and_maps_cropped_offsets_back():
    filler = "we talked about the weather and the traffic for a while and then went home again "
    text = filler * 3 + "and later Angela Merkel arrived, " + filler * 3
    stats: dict = {}
    out = detect_ner_batch([text], known=[[]], context_tokens=3, stats=stats)
    got = {(text[s.start:s.end], s.entity_type) for s in out[0]}
    assert ("Angela Merkel", "PERSON") in got
    assert 0 < stats["ner_chars_read"] < len(text) // 3 and stats["ner_chars_gated"] > len(text) // 2
    # a long text (windowed): the crop is cut into windows too, offsets still map back
    out_long = detect_ner_batch([text], known=[[]], context_tokens=3, window=200)
    assert {(text[s.start:s.end], s.entity_type) for s in out_long[0]} == got
    # the same name explained by an earlier detector: NER does not run on the text at all
    a = text.index("Angela Merkel")
    stats2: dict = {}
    out2 = detect_ner_batch([text], known=[[Span(a, a + 13, "PERSON", 0.9, "dictionary")]], context_tokens=3,
                            stats=stats2)
    assert out2 == [[]] and stats2["ner_chars_gated"] == len(text) and stats2["ner_chars_read"] == 0


def test_gating_keeps_recall_on_real_chat(realdata):
    """On real chat text, gating + cropping finds the model's names/places where ungated NER finds them."""
    texts = oasst_texts(realdata, 60)
    full = detect_ner_batch(texts)
    gated = detect_ner_batch(texts, known=[[] for _ in texts], context_tokens=2)
    n_full = sum(len(x) for x in full)
    same = sum(len({(s.start, s.end) for s in a} & {(s.start, s.end) for s in b}) for a, b in zip(full, gated))
    assert n_full > 10 and same >= 0.8 * n_full


def test_fast_matmul_same_entities_and_restores_ops(realdata):
    nlp = spacy_nlp()
    ner = nlp.get_pipe("ner")
    before = [n.ops for n in ner.model.walk()]
    texts = oasst_texts(realdata, 60)
    with nlp.select_pipes(enable=["ner"]):
        ref = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
        with _fast_matmul(nlp):
            assert all(type(n.ops).__name__ == "NumpyOps" and not n.ops.use_blis for n in ner.model.walk())
            fast = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    assert fast == ref and sum(map(len, ref)) > 10
    assert [n.ops for n in ner.model.walk()] == before  # the shared pipeline (vanilla Presidio) is untouched


def test_find_values_matches_the_alternation_regex(realdata):
    rnd = random.Random(7)
    texts = oasst_texts(realdata, 200) + ["Ana met ANA and ana-b; ana.x and ana. Ana@", "Straße STRASSE ſtraße",
                                           "ΣΟΦΙΑ σοφια Σοφια", "İstanbul istanbul ıstanbul"]
    n = 0
    for t in texts:
        words = t.split()
        if not words:
            continue
        for _ in range(3):
            vals = set()
            for _ in range(rnd.randint(1, 4)):
                i = rnd.randrange(len(words))
                v = " ".join(words[i:i + rnd.randint(1, 2)])
                vals.add(v.upper() if rnd.random() < 0.3 else v)
            vals = tuple(sorted(vals, key=lambda v: (-len(v), v)))
            for ic in (False, True):
                assert find_values(t, vals, ic) == [m.span() for m in _alternation(vals, ic).finditer(t)]
                n += 1
    assert n > 500


def test_email_name_spans_prefilter_keeps_matches():
    text = "Ana Lopez wrote from ana.lopez@mail.example; later ana lopez called"
    a = text.index("ana.lopez@")
    spans = [Span(a, a + len("ana.lopez@mail.example"), "EMAIL_ADDRESS")]
    assert [text[s.start:s.end] for s in email_name_spans(text, spans)] == ["Ana Lopez"]
    t2 = "write to ana.lopez@mail.example please"
    b = t2.index("ana.lopez@")
    assert email_name_spans(t2, [Span(b, b + 22, "EMAIL_ADDRESS")]) == []


def test_cascade_deterministic_with_gating(realdata):
    texts = oasst_texts(realdata, 30)
    cfg = PrivacyConfig(ner_gating=True, ner_context_tokens=2)
    r1 = Cascade(cfg).scan_many(texts)
    r2 = Cascade(cfg).scan_many(list(reversed(texts)))
    assert r1 == list(reversed(r2))


def _pairwise_explained(spans, extra):
    """The former spans x values loop of ``propagate`` (reference for the bisect sweep)."""
    model = ("spacy", "gliner")
    kept = [s for s in spans if not (s.source in model and any(
        e.start < s.end and s.start < e.end and (e.end - e.start) < (s.end - s.start) for e in extra))]
    for e in extra:
        kept = [s if not (s.source in model and s.start < e.end and e.start < s.end) else
                Span(s.start, s.end, s.entity_type, min(s.score, 0.44), s.source) for s in kept]
    return kept


def test_propagate_sweep_matches_pairwise_reference(monkeypatch):
    """propagate() finds the model spans a known value explains with a sorted sweep; on random layouts it must
    keep, drop and down-score exactly the spans the old pairwise loop did."""
    import flywheel_assets.privacy.propagation as casc

    rng = random.Random(7)
    for _ in range(300):
        n = rng.randint(40, 120)
        text = "".join(rng.choice("ab ") for _ in range(n))
        spans = []
        for _ in range(rng.randint(0, 8)):
            a = rng.randint(0, n - 2)
            b = rng.randint(a + 1, min(n, a + 15))
            spans.append(Span(a, b, rng.choice(["PERSON", "ORGANIZATION"]), rng.choice([0.5, 0.6]),
                              rng.choice(["spacy", "gliner", "rules"])))
        extra = []
        for _ in range(rng.randint(1, 6)):
            a = rng.randint(0, n - 2)
            b = rng.randint(a + 1, min(n, a + 10))
            extra.append(Span(a, b, "PERSON", 0.45, "propagate"))
        captured = {}

        def fake_resolve(items, captured=captured):
            captured["kept"] = items
            return items

        monkeypatch.setattr(casc, "find_values", lambda t, values, ic, extra=extra: [(e.start, e.end) for e in extra]
                            if not ic else [])
        monkeypatch.setattr(casc, "resolve_overlaps", fake_resolve)
        casc.propagate(text, spans, {"x": "PERSON"})
        got = captured["kept"][:len(captured["kept"]) - len(extra)]
        assert got == _pairwise_explained(spans, extra)


def test_not_overlapping_sweep_matches_pairwise_reference():
    # the late detectors' "keep what overlaps nothing" filter is a sorted sweep; random (also overlapping, unsorted)
    # span sets give exactly what the pairwise check gives
    from flywheel_assets.privacy.cascade import _not_overlapping

    rng = random.Random(11)
    for _ in range(2000):
        def spans():
            starts = [rng.randint(0, 60) for _ in range(rng.randint(0, 8))]
            return [Span(a, a + rng.randint(1, 8), "PERSON") for a in starts]
        extra, known = spans(), spans()
        ref = [e for e in extra if not any(s.start < e.end and e.start < s.end for s in known)]
        assert _not_overlapping(extra, known) == ref


def test_disjoint_extents_match_a_pairwise_check():
    # the detectors' running "is this extent still free?" (sorted neighbours) answers like a pass over every extent
    from flywheel_assets.privacy.detectors.base import DisjointExtents

    rng = random.Random(12)
    for _ in range(500):
        placed, kept = DisjointExtents(), []
        for _ in range(rng.randint(1, 30)):
            a = rng.randint(0, 100)
            b = a + rng.randint(1, 9)
            free = not any(s < b and a < e for s, e in kept)
            assert placed.free(a, b) == free
            if free:
                placed.add(a, b)
                kept.append((a, b))
