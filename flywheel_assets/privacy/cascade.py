"""The detector cascade: rules + secrets -> lower-case name lexicon -> org dictionary -> spaCy NER (via Presidio,
only on texts with a candidate word; long texts windowed) -> GLiNER (optional),
then allow-list, type filter, overlap resolution, postal-address block bridging and name propagation.

``Cascade(cfg).scan_many(texts)`` is the batch entry point (one ``nlp.pipe`` call, cache by text hash so repeated
system prompts / tool schemas are scanned once). Output spans are sorted, non-overlapping and deterministic.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from .config import PrivacyConfig
from .detectors.base import Span
from .detectors.dictionary import cached_allow_list, cached_dictionary
from .detectors.rules import detect_rules

PLACEHOLDER_RE = re.compile(r"<[A-Z][A-Z_]*_\d+>")
_NAME_TOKEN = re.compile(r"[A-ZÀ-Þ][a-zà-ÿ'’\-]{2,}")
_ADDRESS_GAP = re.compile(r"^[\s,;]*(?:(?:[A-ZÀ-Þ][\w'’.\-]*|\d{3,6})[\s,;]*){0,3}$")
_TYPE_RANK = {  # tie-break when overlapping spans disagree on type: more specific / more sensitive first
    "SECRET": 0, "CREDIT_CARD": 1, "IBAN_CODE": 1, "US_SSN": 1, "EMAIL_ADDRESS": 2, "PHONE_NUMBER": 3,
    "IP_ADDRESS": 3, "MAC_ADDRESS": 3, "US_DRIVER_LICENSE": 3, "US_PASSPORT": 3, "CRYPTO": 3, "URL": 4,
    "STREET_ADDRESS": 5, "PERSON": 6, "USER_ID": 6, "LOCATION": 7, "ORGANIZATION": 8, "DATE_TIME": 9,
}
_MODEL_SOURCES = ("spacy", "gliner")
# log timestamps / clock times are operational data, not birthdays
_LOG_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+\-]\d{2}:?\d{2})?)?|"
                       r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b|\b\d{10,13}\b")
_NOT_NAMES = frozenset("""the and for but not you your our his her its their this that these those with from into
about have has had was were are will would could should can may might must shall please thanks thank hello dear
yes no okay sure mr mrs ms dr prof street road avenue city state country january february march april june july
august september october november december monday tuesday wednesday thursday friday saturday sunday""".split())


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Union overlapping spans; the merged span takes the type of its best member (score, specificity, length)."""
    if not spans:
        return []
    spans = sorted(spans, key=lambda s: (s.start, -s.end, s.entity_type, s.source))
    out: list[Span] = []
    group = [spans[0]]
    end = spans[0].end
    for s in spans[1:]:
        if s.start < end:
            group.append(s)
            end = max(end, s.end)
        else:
            out.append(_merge(group, end))
            group, end = [s], s.end
    out.append(_merge(group, end))
    return out


def _merge(group: list[Span], end: int) -> Span:
    best = min(group, key=lambda s: (-round(s.score, 3), _TYPE_RANK.get(s.entity_type, 10), -(s.end - s.start),
                                     s.entity_type, s.source))
    return Span(group[0].start, end, best.entity_type, max(s.score for s in group), best.source)


def bridge_addresses(text: str, spans: list[Span]) -> list[Span]:
    """Join STREET_ADDRESS/LOCATION spans separated only by commas/newlines and <=3 capitalised words or a postcode
    (a postal address block) into one STREET_ADDRESS span."""
    if len(spans) < 2:
        return spans
    out = [spans[0]]
    for s in spans[1:]:
        prev = out[-1]
        kinds = {prev.entity_type, s.entity_type}
        if kinds <= {"STREET_ADDRESS", "LOCATION"} and "STREET_ADDRESS" in kinds and s.start - prev.end <= 40 \
                and _ADDRESS_GAP.match(text[prev.end:s.start]):
            out[-1] = Span(prev.start, s.end, "STREET_ADDRESS", max(prev.score, s.score), prev.source)
        else:
            out.append(s)
    return out


_COMMA_SEG = re.compile(r"[ \t]*,[ \t]*([^\n,;:()]{2,40}?)(?=[ \t]*(?:,|\n|$|\.(?:\s|$)))")
_LEAD_NUMBER = re.compile(r"(?:^|(?<=\s))\d{1,5}[A-Za-z]?[ ,]+$")
_POSTCODE_END = re.compile(r"(?:^|\s)\d{4,6}(?:-\d{3,4})?\s*$|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\s*$")


_LINE_PREFIX = re.compile(r"^[\s>?*|#\-]*")


def _short_line(line: str, max_tokens: int, max_chars: int) -> bool:
    s = _LINE_PREFIX.sub("", line).strip()
    return 0 < len(s) <= max_chars and len(s.split()) <= max_tokens and not re.search(r"[@:;!?=<>{}\[\]\"]", s)


def address_blocks(text: str, spans: list[Span]) -> list[Span]:
    """Grow STREET_ADDRESS spans to the postal-address block they sit in: a house number just before the street on
    the same line, the street line just before a unit/city line, and up to two following short lines that end in
    a postcode (``city`` / ``country 12345``)."""
    if "\n" not in text and not any(s.entity_type == "STREET_ADDRESS" for s in spans):
        return spans
    out = []
    for s in spans:
        if s.entity_type != "STREET_ADDRESS":
            out.append(s)
            continue
        a, b = s.start, s.end
        m = _LEAD_NUMBER.search(text, max(0, a - 12), a)
        if m:
            a = m.start()
        ls = text.rfind("\n", 0, a) + 1
        if not _LINE_PREFIX.sub("", text[ls:a]).strip() and ls > 0:  # span starts its line: street line above?
            ps = text.rfind("\n", 0, ls - 1) + 1
            prev = text[ps:ls - 1]
            if _short_line(prev, 6, 50) and re.search(r"\d", prev) and not re.search(r"\d{6,}", prev):
                a = ps + _LINE_PREFIX.match(prev).end()
        # same line: ", City, Country 12345" after the street
        pos, best = b, None
        for _ in range(3):
            m = _COMMA_SEG.match(text, pos)
            if not m:
                break
            pos = m.end()
            seg = m.group(1)
            if _POSTCODE_END.search(seg) or any(o.start <= m.start(1) and m.end(1) <= o.end and o.entity_type in (
                    "LOCATION", "STREET_ADDRESS") for o in spans):
                best = m.end(1)
        if best is not None:
            b = best
        le = text.find("\n", b)
        if le != -1 and not text[b:le].strip():
            lines, pos = [], le + 1
            for _ in range(2):
                nl = text.find("\n", pos)
                nl = len(text) if nl == -1 else nl
                lines.append((pos, nl))
                pos = nl + 1
                if pos > len(text):
                    break
            for k in range(len(lines), 0, -1):
                chunk = lines[:k]
                last = text[chunk[-1][0]:chunk[-1][1]]
                if all(_short_line(text[x:y], 4, 40) for x, y in chunk) and (_POSTCODE_END.search(last) or any(
                        o.entity_type == "LOCATION" and chunk[-1][0] <= o.start < chunk[-1][1] for o in spans)):
                    y = chunk[-1][1]
                    b = y - (len(text[chunk[-1][0]:y]) - len(text[chunk[-1][0]:y].rstrip()))
                    break
        out.append(Span(a, b, s.entity_type, s.score, s.source) if (a, b) != (s.start, s.end) else s)
    return resolve_overlaps(out)


def name_parts(value: str) -> list[str]:
    return [t for t in _NAME_TOKEN.findall(value) if t.casefold() not in _NOT_NAMES]


def propagate(text: str, spans: list[Span], known: dict[str, str]) -> list[Span]:
    """Mark further occurrences of known values (value -> entity type) not yet covered. Names match case-sensitive
    on word boundaries (a first name after a full name); other values case-insensitively."""
    if not known:
        return spans
    extra = []
    names = tuple(sorted((v for v, et in known.items() if et == "PERSON"), key=lambda v: (-len(v), v)))
    others = tuple(sorted((v for v, et in known.items() if et != "PERSON"), key=lambda v: (-len(v), v)))
    folded = {v.casefold(): et for v, et in known.items() if et != "PERSON"}
    if names:
        for m in _alternation(names, False).finditer(text):
            extra.append(Span(m.start(), m.end(), "PERSON", 0.45, "propagate"))
    if others:
        for m in _alternation(others, True).finditer(text):
            et = folded.get(m.group(0).casefold())
            if et:
                extra.append(Span(m.start(), m.end(), et, 0.45, "propagate"))
    if not extra:
        return spans
    # a known value explains a model (NER) span around it: keep the known value's extent and type
    kept = [s for s in spans if not (s.source in _MODEL_SOURCES and any(
        e.start < s.end and s.start < e.end and (e.end - e.start) < (s.end - s.start) for e in extra))]
    for e in extra:
        kept = [s if not (s.source in _MODEL_SOURCES and s.start < e.end and e.start < s.end) else
                Span(s.start, s.end, s.entity_type, min(s.score, 0.44), s.source) for s in kept]
    return resolve_overlaps(kept + extra)


def email_name_spans(text: str, spans: list[Span]) -> list[Span]:
    """Names spelled in an email's local part (ana.lopez@, KosaraReisl@) mark the same capitalised words in the
    text as PERSON (``Ana Lopez wrote from ana.lopez@...``)."""
    toks: set[str] = set()
    for s in spans:
        if s.entity_type != "EMAIL_ADDRESS":
            continue
        local = text[s.start:s.end].split("@")[0]
        local = re.sub(r"([a-z])([A-Z])", r"\1 \2", local)
        for t in re.split(r"[\s._\-+\d]+", local):
            if len(t) >= 3 and t.isalpha() and t.casefold() not in _NOT_NAMES:
                toks.add(t.casefold())
    if not toks:
        return []
    alt = "|".join(sorted((re.escape(t) for t in toks), key=lambda x: (-len(x), x)))
    word = r"(?i:" + alt + r")"
    out = []
    for m in re.finditer(r"(?<![\w@.])" + word + r"(?:\s+" + word + r")*(?![\w@])", text):
        if m.group(0)[0].isupper():
            out.append(Span(m.start(), m.end(), "PERSON", 0.6, "email_name"))
    return out


@lru_cache(maxsize=4096)
def _alternation(values: tuple[str, ...], ignore_case: bool) -> re.Pattern:
    alt = "|".join(re.escape(v) for v in values)
    return re.compile(r"(?<![\w@.\-])(?:" + alt + r")(?![\w@\-]|\.\w)", re.IGNORECASE if ignore_case else 0)


_NAME_PART = r"[A-ZÀ-Þ][a-zà-ÿ'’]+(?:-[A-ZÀ-Þ]?[a-zà-ÿ'’]+)*"
_POSTCODE_IN = re.compile(r"(?<![\w\-])\d{5}(?:-\d{4})?(?![\w\-])|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
_NAME_LIKE = re.compile(r"^" + _NAME_PART + r"(?:\s+" + _NAME_PART + r"){0,3}$")


def _name_support(v: str) -> bool:
    from .detectors.names_lexicon import name_support

    return name_support(v)


def known_values(text: str, spans: list[Span]) -> dict[str, str]:
    """Values worth looking for elsewhere: rule/dictionary/JSON-key values, and person names. A name's parts are
    propagated only when a reliable source found it (title, introduction, email, dictionary, first_name/last_name
    key); a spaCy PERSON only when it looks like a name (capitalised words), its parts only for a full name."""
    known: dict[str, str] = {}
    for s in spans:
        v = text[s.start:s.end].strip()
        if s.entity_type == "PERSON":
            if s.source in _MODEL_SOURCES or s.source == "propagate":
                if _NAME_LIKE.match(v) and _name_support(v):
                    known.setdefault(v, "PERSON")
                    if " " in v:  # a full name: its parts are later first-/last-name mentions
                        for p in name_parts(v):
                            known.setdefault(p, "PERSON")
                continue
            for p in name_parts(v):
                known.setdefault(p, "PERSON")
        if len(v) >= 4 and s.entity_type not in ("DATE_TIME", "LOCATION", "ORGANIZATION", "URL") and \
                s.source not in _MODEL_SOURCES:
            known.setdefault(v, s.entity_type)
            if s.entity_type == "STREET_ADDRESS" and v != v.strip("0123456789- "):
                # the postcode of an address is repeated alone ("Sure, it's 78773"): propagate it too
                for m in _POSTCODE_IN.finditer(v):
                    known.setdefault(m.group(0), "STREET_ADDRESS")
    return known


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
    def __init__(self, cfg: PrivacyConfig | None = None, gliner_model=None):
        self.cfg = cfg or PrivacyConfig()
        self.dictionary = cached_dictionary(tuple(self.cfg.dictionaries)) if self.cfg.dictionaries else None
        self.allow = cached_allow_list(tuple(self.cfg.allow_list), self.cfg.use_default_allow_list)
        self.gliner_model = gliner_model
        if self.gliner_model is None and self.cfg.gliner_model_dir:
            from .detectors.gliner_ner import load_gliner

            self.gliner_model = load_gliner(self.cfg.gliner_model_dir)
        self._cache: dict[str, tuple[Span, ...]] = {}
        self.stats: dict[str, int] = {}  # ner_chars_skipped / ner_texts_truncated (cumulative)

    # -- public ------------------------------------------------------------------------------------------------------
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
        cfg = self.cfg
        per: list[list[Span]] = [[] for _ in texts]
        if cfg.rules:
            for i, t in enumerate(texts):
                if t:
                    per[i].extend(detect_rules(t, mask_dates=cfg.mask_dates))
        if cfg.name_lexicon:
            from .detectors.names_lexicon import detect_lowercase_names

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
        if cfg.presidio_ner:
            from .detectors.presidio_ner import detect_ner_batch

            for i, spans in enumerate(detect_ner_batch(texts, model_name=cfg.spacy_model, score=cfg.ner_min_score,
                                                       mask_dates=cfg.mask_dates,
                                                       skip_lowercase=cfg.ner_skip_lowercase,
                                                       max_chars=cfg.ner_max_chars, stats=self.stats)):
                per[i].extend(spans)
        if self.gliner_model is not None:
            from .detectors.gliner_ner import detect_gliner_batch

            for i, spans in enumerate(detect_gliner_batch(texts, self.gliner_model, cfg.gliner_labels,
                                                          cfg.gliner_threshold)):
                per[i].extend(spans)
        return [self._finish(t, s) for t, s in zip(texts, per)]

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
                spans = [s for s in spans if s.entity_type != "DATE_TIME" or s.source == "dob_ctx" or not any(
                    a < s.end and s.start < b for a, b in ts)]
        spans = [_trim(text, s) for s in spans]
        spans = [s for s in spans if s.end > s.start]
        spans = self.allow.filter(text, spans)
        spans = resolve_overlaps(spans)
        if "@" in text:
            extra = [e for e in email_name_spans(text, spans)
                     if not any(s.start < e.end and e.start < s.end for s in spans)]
            if extra:
                spans = resolve_overlaps(spans + extra)
        spans = bridge_addresses(text, spans)
        spans = address_blocks(text, spans)
        if cfg.propagate:
            spans = propagate(text, spans, known_values(text, spans))
            spans = self.allow.filter(text, spans)
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
