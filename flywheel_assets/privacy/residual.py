"""The independent second detector over redacted output (the blocking residual-PII check): Presidio's stock
``AnalyzerEngine`` with its own recognizers, run over a deterministic sample of the redacted texts. Hits on our
placeholders and on allow-listed terms never count; name-like guesses are judged by the redactor's own rules
(``detectors.ner_plausibility``)."""

from __future__ import annotations

import hashlib
from functools import lru_cache

import polars as pl

from .cascade import PLACEHOLDER_RE
from .config import PrivacyConfig
from .detectors.base import Span
from .redact import context_snippet, unit_texts


_NAME_LIKE = {"PERSON", "LOCATION", "NRP", "ORGANIZATION"}
_RESIDUAL_BATCH = 64  # texts per nlp.pipe batch of the residual scan
# a text's residual hits depend only on the text and the scan's settings: kept per process, so the texts every day
# repeats (system prompts, tool schemas, template replies) are read once in a multi-day run; cleared when full
_HITS_CACHE: dict[tuple, tuple[Span, ...]] = {}
_HITS_CACHE_SIZE = 50_000


def lemma_only_pipes(nlp) -> tuple[str, ...]:
    """The components of the stock pipeline whose output only the lemmas read: the attribute ruler (tag -> POS /
    morph) and the lemmatizer. Presidio's recognizers read the entities; the lemmas feed only its context enhancer,
    which changes the score of a hit already found. They run after the parser and NER in the stock order and set
    TAG / POS / MORPH / DEP labels and LEMMA, none of which the NER reads (its features are NORM / PREFIX / SUFFIX /
    SHAPE, its transitions the parser's sentence starts), so running them later, and only on a text that has a hit,
    gives the same artifacts."""
    return tuple(n for n in ("attribute_ruler", "lemmatizer") if n in nlp.pipe_names
                 and not (getattr(nlp.get_pipe(n), "listening_components", None)))


def add_lemmas(art, nlp, pipes: tuple[str, ...]):
    """Run ``pipes`` (``lemma_only_pipes``) on the doc of NlpArtifacts ``art`` and refresh its lemmas and keywords in
    place (what the stock pipeline's artifacts hold). Returns ``art``."""
    from presidio_analyzer.nlp_engine import NlpArtifacts

    doc = art.tokens
    for name in pipes:
        doc = nlp.get_pipe(name)(doc)
    art.tokens = doc
    art.lemmas = [tok.lemma_ for tok in doc]
    art.keywords = NlpArtifacts.set_keywords(art.nlp_engine, art.lemmas, "en")
    return art


def _reads_lemmas(results, analyzer) -> bool:
    """Would Presidio's context enhancer read the lemmas for any of ``results``? Only for a hit whose recognizer has
    context words (the stock enhancer skips the others; no stock recognizer overrides ``enhance_using_context``).
    A hit whose recognizer is not found counts as reading them."""
    by_id = {r.id: r for r in analyzer.registry.recognizers}
    for r in results:
        rec = by_id.get((r.recognition_metadata or {}).get("recognizer_identifier"))
        if rec is None or rec.context or type(rec).enhance_using_context is not _base_enhance():
            return True
    return False


@lru_cache(maxsize=1)
def _base_enhance():
    from presidio_analyzer import EntityRecognizer

    return EntityRecognizer.enhance_using_context


def residual_hits(text: str, analyzer, allow, cfg: PrivacyConfig, nlp_artifacts=None,
                  add_lemmas=None) -> list[Span]:
    """The second detector's suspected raw PII in one redacted text: stock Presidio hits of ``cfg.residual_types``
    (score >= 0.5) off our placeholders and off allow-listed terms. A name-like guess (PERSON, LOCATION, NRP,
    ORGANIZATION) counts only when it looks like a name by the rules the redactor applies to its own model's guesses
    (``plausible_entity_extent``: no digits / underscores, not an everyday acronym or product word, not made of
    common or everyday words, not a lower-case word in capitalised text); with ``cfg.residual_name_rules`` False
    only digits / underscores / common words are dropped. Rule-based hits (e-mail, phone, card...) always count.

    ``add_lemmas`` (with ``nlp_artifacts`` made without the lemma components): called to complete the artifacts when
    analyze() finds a hit whose recognizer reads context (``_reads_lemmas``), which is then redone; lemmas only
    raise the score of such a hit found without them."""
    from .detectors.ner_plausibility import plausible_entity_extent, trim_common_words
    from .detectors.presidio_ner import informative_caps

    ph = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
    kw = {} if nlp_artifacts is None else {"nlp_artifacts": nlp_artifacts}  # batched spaCy output (residual_scan)
    res = analyzer.analyze(text=text, language="en", entities=list(cfg.residual_types), **kw)
    if res and add_lemmas is not None and _reads_lemmas(res, analyzer):
        res = analyzer.analyze(text=text, language="en", entities=list(cfg.residual_types),
                               nlp_artifacts=add_lemmas())
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


def residual_hits_many(texts: list[str], analyzer, allow, cfg: PrivacyConfig) -> list[list[Span]]:
    """``residual_hits`` of each text, the stock pipeline run over all of them in ``nlp.pipe`` batches (shortest
    first) instead of one spaCy call per text (per-call overhead was ~half of the scan's CPU on short log texts);
    each text's NlpArtifacts then go to the stock analyze(), which runs its recognizers as before. The lemma
    components (``lemma_only_pipes``) run only on the texts where analyze() finds anything: same hits as one
    ``residual_hits(text, analyzer, allow, cfg)`` call per text."""
    nlp = analyzer.nlp_engine.nlp["en"]
    late = lemma_only_pipes(nlp)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    artifacts: list = [None] * len(texts)
    with nlp.select_pipes(disable=list(late)):
        for i, (_t, art) in zip(order, analyzer.nlp_engine.process_batch([texts[i] for i in order], language="en",
                                                                          batch_size=_RESIDUAL_BATCH)):
            artifacts[i] = art
    return [residual_hits(t, analyzer, allow, cfg, nlp_artifacts=art,
                          add_lemmas=lambda a=art: add_lemmas(a, nlp, late)) for t, art in zip(texts, artifacts)]


def clear_residual_cache() -> None:
    """Forget the cached residual hits (``_HITS_CACHE``): the next scan reads every text again."""
    _HITS_CACHE.clear()


def _cached_hits(texts: list[str], analyzer, allow, cfg: PrivacyConfig) -> list[tuple[Span, ...]]:
    """``residual_hits_many`` through the per-process cache (``_HITS_CACHE``): only texts not seen with these settings
    run."""
    ck = (cfg.spacy_model, tuple(cfg.residual_types), cfg.residual_name_rules, tuple(cfg.allow_list),
          cfg.use_default_allow_list)
    todo = [t for t in dict.fromkeys(texts) if (ck, t) not in _HITS_CACHE]
    if todo:
        if len(_HITS_CACHE) + len(todo) > _HITS_CACHE_SIZE:
            _HITS_CACHE.clear()
        for t, found in zip(todo, residual_hits_many(todo, analyzer, allow, cfg)):
            _HITS_CACHE[(ck, t)] = tuple(found)
    return [_HITS_CACHE[(ck, t)] for t in texts]


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
        # the stock pipeline in nlp.pipe batches, lemmas only where a hit needs them, through the per-process
        # cache (residual_hits_many / _cached_hits): the same hits as one stock analyze() per text
        for i, found in zip(todo, _cached_hits([sample[i] for i in todo], analyzer, allow, cfg)):
            t = sample[i]
            mask = bytearray(len(t))
            ex = []
            for r in found:
                for j in range(r.start, r.end):
                    mask[j] = 1
                if len(ex) < 10:
                    ex.append(f"{r.entity_type}: " + context_snippet(t[:r.start] + f"[{r.entity_type}?]" + t[r.end:],
                                                                   r.start, r.start + len(r.entity_type) + 3, 30))
            cache[keys[i]] = {"hits": [r.entity_type for r in found],
                              "suspect": sum(1 for j, c in enumerate(t) if mask[j] and not c.isspace()),
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
