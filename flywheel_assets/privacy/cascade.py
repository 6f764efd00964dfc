"""The detector cascade: rules + secrets -> lower-case name lexicon -> org dictionary -> spaCy NER (via Presidio,
only on texts with a candidate word; long texts windowed) -> GLiNER (optional),
then allow-list, type filter, overlap resolution, postal-address block bridging, contact blocks (the title /
employer lines between a name and an address) and name propagation. An
all-lower-case text also gets a cased copy (``truecase.py``, same offsets) that rules and lexicon detectors read as
well and spaCy and post-processing read instead (``truecase_lowercase``).

``Cascade(cfg).scan_many(texts)`` is the batch entry point (one ``nlp.pipe`` call, cache by text hash so repeated
system prompts / tool schemas are scanned once). Output spans are sorted, non-overlapping and deterministic.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from .address_merge import address_blocks, bridge_addresses
from .config import PrivacyConfig
from .detectors.base import Span, overlap_test
from .detectors.dictionary import cached_allow_list, cached_dictionary
from .detectors.name_forms import join_inverted_names
from .detectors.rules import detect_rules
from .overlaps import resolve_overlaps
from .placeholders import PLACEHOLDER_RE  # noqa: F401  (redact imports it from here)
from .propagation import email_name_spans, known_values, propagate
from .text_view import reading_view
from .truecase import truecase

# log timestamps / clock times are operational data, not birthdays
_LOG_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+\-]\d{2}:?\d{2})?)?|"
                       r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b|\b\d{10,13}\b")
# rules whose dates are personal by their label (a birth date, an event's date-time), kept even when they look like
# log timestamps
_CONTEXT_DATES = frozenset({"dob_ctx", "event_datetime", "date_iso_event"})


def _not_overlapping(extra: list[Span], spans: list[Span]) -> list[Span]:
    """The spans of ``extra`` that overlap none of ``spans`` (what a late detector adds to the cascade's result)."""
    hits = overlap_test(spans)
    return [e for e in extra if not hits(e.start, e.end)]


def _hints(spans: list[Span]) -> tuple[tuple[int, int], ...]:
    """Extents of the names / places / firms found so far: truecasing capitalises their words."""
    return tuple(sorted((s.start, s.end) for s in spans if s.entity_type in ("PERSON", "LOCATION", "ORGANIZATION")))


def _lexicon_detectors(cfg: PrivacyConfig) -> list:
    """The cheap lexicon / context detectors switched on in ``cfg``, in a fixed order (each ``text -> [Span]``)."""
    out = []
    if cfg.gazetteer:
        from .detectors.gazetteer import detect_places

        out.append(detect_places)
    if cfg.person_cues:
        from .detectors.person_cues import detect_person_cues

        out.append(detect_person_cues)
    if cfg.job_titles:
        from .detectors.titles import detect_titles

        out.append(detect_titles)
    if cfg.org_heads:
        from .detectors.organisations import detect_organisations

        out.append(detect_organisations)
    return out


class Cascade:
    def __init__(self, cfg: PrivacyConfig | None = None, gliner_model=None, backends: list | None = None):
        """``backends``: model backends (``detectors.model_backends``) to use besides those the config names."""
        self.cfg = cfg or PrivacyConfig()
        self.dictionary = cached_dictionary(tuple(self.cfg.dictionaries)) if self.cfg.dictionaries else None
        self.allow = cached_allow_list(tuple(self.cfg.allow_list), self.cfg.use_default_allow_list)
        self.gliner_model = gliner_model
        if self.gliner_model is None and self.cfg.gliner_model_dir:
            from .detectors.gliner_ner import load_gliner

            self.gliner_model = load_gliner(self.cfg.gliner_model_dir)
        self.backends = list(backends or [])
        if self.cfg.model_backends:
            from .detectors.model_backends import build_backends

            self.backends += build_backends([b.model_copy(update={"labels": b.labels or self.cfg.gliner_labels})
                                             for b in self.cfg.model_backends])
        self._cache: dict[str, tuple[Span, ...]] = {}
        self.stats: dict[str, int] = {}  # ner_chars_skipped / ner_texts_truncated (cumulative)

    # -- public ------------------------------------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Load every enabled lexicon and model now (the spaCy model, given names, places, titles: a few seconds once
        per process) instead of on the first texts that need them. Results are not cached."""
        cfg = self.cfg
        if cfg.person_cues:
            from .detectors.person_cues import preload

            preload()
        if cfg.gazetteer:
            from .lexicons.places import lexicon

            lexicon()
        if cfg.presidio_ner:
            from .detectors.presidio_ner import spacy_nlp

            spacy_nlp(cfg.spacy_model)
        sample = ["Dr. Ana Lopez, Senior Software Engineer at Initech Robotics, moved from Lyon to 12 Rue de la Paix, "
                  "75002 Paris, France. Call me anna; oskari lehtinen works at Zentrix42.",
                  "user: what's the name on the account?\nagent: priya raman, 60614 Chicago, IL",
                  "hi, i'm oskari lehtinen from grimsby, i work at zentrix42"]  # truecasing (all lower case)
        self._scan_uncached(sample)

    def scan(self, text: str) -> list[Span]:
        return self.scan_many([text])[0]

    def scan_many(self, texts: list[str]) -> list[list[Span]]:
        keys = [hashlib.sha1((t or "").encode("utf-8", "surrogatepass")).hexdigest() for t in texts]
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts):
            if k not in self._cache and k not in todo:
                todo[k] = t or ""
        if todo:
            order = sorted(todo)
            results = self._scan_uncached([todo[k] for k in order])
            if len(self._cache) + len(order) > self.cfg.cache_size:
                self._cache.clear()
            for k, r in zip(order, results):
                self._cache[k] = tuple(r)
        return [list(self._cache[k]) for k in keys]

    # -- internals ---------------------------------------------------------------------------------------------------
    def _scan_uncached(self, texts: list[str]) -> list[list[Span]]:
        """Scan ``texts``; a logged string literal (escapes) or a text with invisible format characters is scanned
        through its ``reading_view`` (``I\\'m Jane\\'s daughter`` reads as ``I'm Jane's daughter``, ``Customer:\\nMaria``
        as two lines, ``jo\\u200bhn@`` as ``john@``) and its spans are mapped back to the original offsets."""
        cfg = self.cfg
        views = [reading_view(t, unescape=cfg.unescape_literals, invisible=cfg.read_invisible) for t in texts] \
            if cfg.unescape_literals or cfg.read_invisible else [None] * len(texts)
        extra = [i for i, v in enumerate(views) if v is not None]
        if not extra:
            return self._scan_texts(texts)
        out = self._scan_texts([t if v is None else v[0] for t, v in zip(texts, views)])
        for i in extra:  # back to the original offsets; a span keeps the escapes / invisible chars inside it
            out[i] = [Span(*views[i].span(s.start, s.end), s.entity_type, s.score, s.source) for s in out[i]]
        return out

    def _scan_texts(self, texts: list[str]) -> list[list[Span]]:
        cfg = self.cfg
        per: list[list[Span]] = [[] for _ in texts]
        if cfg.rules:
            for i, t in enumerate(texts):
                if t:
                    per[i].extend(detect_rules(t, mask_dates=cfg.mask_dates))
        if cfg.name_lexicon:
            from .detectors.lowercase_names import detect_lowercase_names

            for i, t in enumerate(texts):
                if t:
                    per[i].extend(detect_lowercase_names(t, cfg.name_lexicon_max_last))
        if self.dictionary is not None:
            for i, t in enumerate(texts):
                per[i].extend(self.dictionary.find(t))
        for detect in _lexicon_detectors(cfg):  # gazetteers, person cues, job titles, organisation heads
            for i, t in enumerate(texts):
                if t:
                    per[i].extend(detect(t))
        # all-lower-case texts: a cased copy with the same offsets (truecase.py; what the lower-case-aware detectors
        # above found gets capitals too). Rules and lexicon detectors read it as well, spaCy and post-processing instead
        cased = [truecase(t, hints=_hints(sp)) for t, sp in zip(texts, per)] if cfg.truecase_lowercase else texts
        low = [i for i, (t, c) in enumerate(zip(texts, cased)) if c is not t]
        for i in low:  # the copy adds what needs capitals (street grammar); names are person_cues' job
            if cfg.rules:
                per[i].extend(s for s in detect_rules(cased[i], mask_dates=cfg.mask_dates) if s.entity_type != "PERSON")
            for detect in _lexicon_detectors(cfg):
                per[i].extend(detect(cased[i]))
        if cfg.presidio_ner:
            from .detectors.presidio_ner import detect_ner_batch

            # gating: NER reads only around candidate words no earlier span (one that _finish keeps) explains
            known = [[s for s in sp if s.score >= cfg.min_score and s.entity_type not in cfg.skip_types]
                     for sp in per] if cfg.ner_gating else None
            for i, spans in enumerate(detect_ner_batch(cased, model_name=cfg.spacy_model, score=cfg.ner_min_score,
                                                       mask_dates=cfg.mask_dates,
                                                       skip_lowercase=cfg.ner_skip_lowercase,
                                                       max_chars=cfg.ner_max_chars, stats=self.stats,
                                                       known=known, context_tokens=cfg.ner_context_tokens)):
                per[i].extend(spans)
        if self.gliner_model is not None:
            from .detectors.gliner_ner import detect_gliner_batch

            for i, spans in enumerate(detect_gliner_batch(texts, self.gliner_model, cfg.gliner_labels,
                                                          cfg.gliner_threshold)):
                per[i].extend(spans)
        for backend in self.backends:
            for i, spans in enumerate(backend.detect_batch(texts)):
                per[i].extend(spans)
        return [self._finish(c, s) for c, s in zip(cased, per)]  # offsets are shared: spans fit both texts

    def _finish(self, text: str, spans: list[Span]) -> list[Span]:
        cfg = self.cfg
        spans = [s for s in spans if s.score >= cfg.min_score and s.entity_type not in cfg.skip_types
                 and (cfg.entity_types is None or s.entity_type in cfg.entity_types)]
        # never re-redact our own placeholders
        ph = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
        if ph:
            spans = [s for s in spans if not any(a < s.end and s.start < b for a, b in ph)]
        if any(s.entity_type == "DATE_TIME" for s in spans):
            ts = [(m.start(), m.end()) for m in _LOG_TIME.finditer(text)]
            if ts:
                spans = [s for s in spans if s.entity_type != "DATE_TIME" or s.source in _CONTEXT_DATES or not any(
                    a < s.end and s.start < b for a, b in ts)]
        spans = [_trim(text, s) for s in spans]
        spans = [s for s in spans if s.end > s.start]
        if not spans:  # most log texts: skip the allow-list scan (~10% of the cascade's CPU when it runs)
            return spans
        spans = self.allow.filter(text, spans)
        spans = resolve_overlaps(spans)
        if "@" in text:
            extra = _not_overlapping(email_name_spans(text, spans), spans)
            if extra:
                spans = resolve_overlaps(spans + extra)
        if cfg.person_cues and ("," in text or " and " in text or "&" in text):
            # a list with one person found by any detector ("Neymar, Messi and Mbappe"): its name-like members join
            from .detectors.person_cues import extend_name_lists

            extra = _not_overlapping(
                extend_name_lists(text, [(s.start, s.end) for s in spans if s.entity_type == "PERSON"]), spans)
            if extra:
                spans = resolve_overlaps(spans + self.allow.filter(text, extra))
        spans = bridge_addresses(text, spans)
        spans = address_blocks(text, spans)
        if cfg.contact_blocks and "\n" in text:  # name / title / employer lines above a postal address
            from .detectors.contact_blocks import contact_block_spans

            extra = contact_block_spans(text, spans)
            if extra:
                spans = resolve_overlaps(spans + self.allow.filter(text, extra))
        if cfg.propagate:
            spans = propagate(text, spans, known_values(text, spans))
            spans = self.allow.filter(text, spans) if spans else spans
        if "," in text or ". " in text:  # "Allen, Phillip K.": one person, not two pieces
            spans = join_inverted_names(text, spans)
        return spans


def _trim(text: str, s: Span) -> Span:
    a, b = s.start, s.end
    while a < b and text[a] in " \t\r\n,;:'\"":
        a += 1
    while b > a and text[b - 1] in " \t\r\n,;:'\"":
        b -= 1
    while b > a and text[b - 1] in ")]" and text.count("(", a, b) + text.count("[", a, b) < \
            text.count(")", a, b) + text.count("]", a, b):
        b -= 1
    while a < b and text[a] in "([" and text.count("(", a, b) + text.count("[", a, b) > \
            text.count(")", a, b) + text.count("]", a, b):
        a += 1
    if s.entity_type == "URL":
        while b > a and text[b - 1] in ".,;:!?":
            b -= 1
    return Span(a, b, s.entity_type, s.score, s.source) if (a, b) != (s.start, s.end) else s


@lru_cache(maxsize=4)
def _default_cascade_for(cfg_json: str) -> Cascade:
    return Cascade(PrivacyConfig.model_validate_json(cfg_json))


def default_cascade(cfg: PrivacyConfig | None = None) -> Cascade:
    cfg = cfg or PrivacyConfig()
    return _default_cascade_for(cfg.model_dump_json())


def scan_text(text: str, cfg: PrivacyConfig | None = None) -> list[Span]:
    """Detect PII/secret spans in one text with the configured cascade (cached per config)."""
    return default_cascade(cfg).scan(text or "")
