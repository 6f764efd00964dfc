"""The independent second detector over redacted output (the blocking residual-PII check): Presidio's stock
``AnalyzerEngine`` with its own recognizers, run over a deterministic sample of the redacted texts. Hits on our
placeholders and on allow-listed terms never count; name-like guesses are judged by the redactor's own rules
(``detectors.ner_plausibility``)."""

from __future__ import annotations

import hashlib

import polars as pl

from .cascade import PLACEHOLDER_RE
from .config import PrivacyConfig
from .detectors.base import Span
from .redact import context_snippet, unit_texts


_NAME_LIKE = {"PERSON", "LOCATION", "NRP", "ORGANIZATION"}
_RESIDUAL_BATCH = 64  # texts per nlp.pipe batch of the residual scan


def residual_hits(text: str, analyzer, allow, cfg: PrivacyConfig, nlp_artifacts=None) -> list[Span]:
    """The second detector's suspected raw PII in one redacted text: stock Presidio hits of ``cfg.residual_types``
    (score >= 0.5) off our placeholders and off allow-listed terms. A name-like guess (PERSON, LOCATION, NRP,
    ORGANIZATION) counts only when it looks like a name by the rules the redactor applies to its own model's guesses
    (``plausible_entity_extent``: no digits / underscores, not an everyday acronym or product word, not made of
    common or everyday words, not a lower-case word in capitalised text); with ``cfg.residual_name_rules`` False
    only digits / underscores / common words are dropped. Rule-based hits (e-mail, phone, card...) always count."""
    from .detectors.ner_plausibility import plausible_entity_extent, trim_common_words
    from .detectors.presidio_ner import informative_caps

    ph = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
    kw = {} if nlp_artifacts is None else {"nlp_artifacts": nlp_artifacts}  # batched spaCy output (residual_scan)
    res = analyzer.analyze(text=text, language="en", entities=list(cfg.residual_types), **kw)
    has_caps = None
    cands = []
    for r in sorted(res, key=lambda r: (r.start, r.end, r.entity_type)):
        if r.score < 0.5 or any(a < r.end and r.start < b for a, b in ph):
            continue
        a, b = r.start, r.end
        if r.entity_type in _NAME_LIKE:
            if cfg.residual_name_rules:
                if has_caps is None:
                    has_caps = informative_caps(text)
                ext = plausible_entity_extent(text, a, b, r.entity_type, has_caps)
                if ext is None:
                    continue
                a, b = ext
            else:
                # the stock model's name/place guesses on ids ("order A-117621", "order_id") and vocabulary ("Gift
                # cards") are not personal data: names carry no digits or underscores and are not common words
                a, b = trim_common_words(text, a, b)
                if a >= b or any(ch.isdigit() or ch == "_" for ch in text[a:b]):
                    continue
        cands.append(Span(a, b, r.entity_type, r.score, "ner"))
    # terms the deployment declared public (allow-list) are not residual PII for the second detector either:
    # hits made only of allowed terms are dropped, allowed words are trimmed off the others
    return list(allow.filter(text, cands))


def residual_scan(units: pl.DataFrame | list[str], cfg: PrivacyConfig | None = None, cache: dict | None = None) -> dict:
    """Independent second detector over redacted output: Presidio's stock AnalyzerEngine (its own recognizers and
    context logic), ignoring hits on our placeholders (``residual_hits``). Residual rate = suspected PII chars /
    total chars over a deterministic sample of at most ``cfg.residual_max_chars`` characters (texts ordered by
    hash). ``cache`` (sha1 of a sampled text -> its ``{"hits", "suspect", "examples"}``, see privacy/reuse.py):
    texts found there are not scanned again, the others are added; the result is the same either way."""
    from .detectors.dictionary import cached_allow_list
    from .detectors.presidio_ner import vanilla_analyzer

    cfg = cfg or PrivacyConfig()
    texts = units if isinstance(units, list) else unit_texts(units)
    texts = sorted({t for t in texts if t and t.strip()}, key=lambda t: hashlib.sha1(t.encode("utf-8",
                                                                                                "surrogatepass")).hexdigest())
    total_all = sum(len(t) for t in texts)
    sample, used = [], 0
    for t in texts:
        if used >= cfg.residual_max_chars:
            break
        t = t[: max(0, cfg.residual_max_chars - used)] if used + len(t) > cfg.residual_max_chars else t
        sample.append(t)
        used += len(t)
    keys = [hashlib.sha1(t.encode("utf-8", "surrogatepass")).hexdigest() for t in sample]
    cache = {} if cache is None else cache
    todo = [i for i, k in enumerate(keys) if k not in cache]
    if todo:
        analyzer = vanilla_analyzer(cfg.spacy_model)
        allow = cached_allow_list(tuple(cfg.allow_list), cfg.use_default_allow_list)
        # the stock pipeline (all of its components, its own ops) over the whole sample in nlp.pipe batches, shortest
        # first, instead of one spaCy call per text (per-call overhead was ~half of the scan's CPU on short log
        # texts); each text's NlpArtifacts then go to the stock analyze(), which runs its recognizers as before
        order = sorted(todo, key=lambda i: len(sample[i]))
        for i, (_t, art) in zip(order, analyzer.nlp_engine.process_batch([sample[i] for i in order], language="en",
                                                                          batch_size=_RESIDUAL_BATCH)):
            t = sample[i]
            mask = bytearray(len(t))
            found, ex = [], []
            for r in residual_hits(t, analyzer, allow, cfg, nlp_artifacts=art):
                found.append(r.entity_type)
                for j in range(r.start, r.end):
                    mask[j] = 1
                if len(ex) < 10:
                    ex.append(f"{r.entity_type}: " + context_snippet(t[:r.start] + f"[{r.entity_type}?]" + t[r.end:],
                                                                   r.start, r.start + len(r.entity_type) + 3, 30))
            cache[keys[i]] = {"hits": found, "suspect": sum(1 for j, c in enumerate(t) if mask[j] and not c.isspace()),
                              "examples": ex}
    hits: dict[str, int] = {}
    suspect = 0
    examples: list[str] = []
    for k in keys:
        one = cache[k]
        for et in one["hits"]:
            hits[et] = hits.get(et, 0) + 1
        suspect += one["suspect"]
        examples.extend(one["examples"][:max(0, 10 - len(examples))])
    nonspace = sum(sum(1 for c in t if not c.isspace()) for t in sample)
    rate = suspect / nonspace if nonspace else 0.0
    return {"residual_rate": round(rate, 6), "suspect_chars": suspect, "chars_scanned": nonspace,
            "chars_total": total_all, "sampled": used < total_all, "hits_by_type": dict(sorted(hits.items())),
            "threshold": cfg.residual_threshold, "passed": rate <= cfg.residual_threshold,
            "detector": "presidio AnalyzerEngine (default recognizers)", "examples_redacted_context": examples}
