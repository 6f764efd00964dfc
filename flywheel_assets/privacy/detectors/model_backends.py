"""Extra NER models next to spaCy: a local GLiNER PII checkpoint or a local Hugging Face token-classification
checkpoint, named by path in ``flywheel.yaml``::

    privacy:
      model_backends:
        - {kind: gliner, path: /models/gliner-pii, labels: [person, email, phone number], threshold: 0.5}
        - {kind: hf_token_classification, path: /models/deid-roberta, threshold: 0.6}

Every backend exposes ``detect_batch(texts) -> list[list[Span]]``; the cascade adds their spans to spaCy's and the
rules' before overlap resolution (a union: a model can add a span, never remove one). Nothing is downloaded: paths
are loaded with ``local_files_only``; a missing path is a configuration error raised when the cascade is built.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from .base import Span, first_line_part
from .gliner_ner import LABEL_TO_TYPE, detect_gliner_batch, load_gliner

# token-classification label (BIO prefix removed, upper case) -> our entity type; unknown labels keep their name
HF_LABEL_TO_TYPE = {
    "PER": "PERSON", "PERSON": "PERSON", "NAME": "PERSON", "FIRSTNAME": "PERSON", "LASTNAME": "PERSON",
    "PATIENT": "PERSON", "DOCTOR": "PERSON", "USERNAME": "USER_ID", "ORG": "ORGANIZATION", "ORGANIZATION": "ORGANIZATION",
    "COMPANY": "ORGANIZATION", "HOSPITAL": "ORGANIZATION", "LOC": "LOCATION", "LOCATION": "LOCATION",
    "GPE": "LOCATION", "CITY": "LOCATION", "COUNTRY": "LOCATION", "STATE": "LOCATION", "STREET": "STREET_ADDRESS",
    "ADDRESS": "STREET_ADDRESS", "STREET_ADDRESS": "STREET_ADDRESS", "ZIP": "STREET_ADDRESS", "EMAIL": "EMAIL_ADDRESS",
    "PHONE": "PHONE_NUMBER", "PHONE_NUMBER": "PHONE_NUMBER", "TELEPHONENUM": "PHONE_NUMBER", "DATE": "DATE_TIME",
    "DOB": "DATE_TIME", "DATEOFBIRTH": "DATE_TIME", "SSN": "US_SSN", "SOCIALNUM": "US_SSN", "IDNUM": "NATIONAL_ID",
    "ID": "NATIONAL_ID", "CREDITCARDNUMBER": "CREDIT_CARD", "ACCOUNTNUM": "ACCOUNT_ID", "IBAN": "IBAN_CODE",
    "URL": "URL", "IP": "IP_ADDRESS", "PASSWORD": "SECRET", "MISC": "MISC",
}
_LINE_TYPES = ("PERSON", "ORGANIZATION", "LOCATION", "USER_ID")  # model spans of these never cross a line break


class ModelBackend(Protocol):
    name: str

    def detect_batch(self, texts: list[str]) -> list[list[Span]]: ...


class GlinerBackend:
    """GLiNER zero-shot NER asked for ``labels`` (see ``gliner_ner.LABEL_TO_TYPE``)."""

    def __init__(self, model, labels: list[str], threshold: float = 0.5, name: str = "gliner"):
        self.model, self.labels, self.threshold, self.name = model, list(labels), threshold, name

    @classmethod
    def from_path(cls, path: str, labels: list[str] | None, threshold: float) -> "GlinerBackend":
        return cls(load_gliner(_local_dir(path)), labels or list(LABEL_TO_TYPE)[:12], threshold)

    def detect_batch(self, texts: list[str]) -> list[list[Span]]:
        return detect_gliner_batch(texts, self.model, self.labels, self.threshold)


class HFTokenClassificationBackend:
    """A Hugging Face token-classification checkpoint (BIO tags aggregated into word spans by the ``transformers``
    pipeline, ``aggregation_strategy="simple"``), windows of ``max_chars``."""

    def __init__(self, pipe, threshold: float = 0.5, label_map: dict[str, str] | None = None,
                 max_chars: int = 2000, name: str = "hf_ner"):
        self.pipe, self.threshold, self.max_chars, self.name = pipe, threshold, max_chars, name
        self.label_map = {**HF_LABEL_TO_TYPE, **{k.upper(): v for k, v in (label_map or {}).items()}}

    @classmethod
    def from_path(cls, path: str, threshold: float, label_map: dict[str, str] | None) -> "HFTokenClassificationBackend":
        return cls(load_token_classifier(_local_dir(path)), threshold, label_map)

    def type_of(self, label: str) -> str:
        raw = str(label).upper()
        if raw[:2] in ("B-", "I-", "E-", "S-", "L-", "U-"):
            raw = raw[2:]
        return self.label_map.get(raw, raw)

    def detect_batch(self, texts: list[str]) -> list[list[Span]]:
        out: list[list[Span]] = []
        for text in texts:
            spans: list[Span] = []
            for off in range(0, len(text), self.max_chars):
                chunk = text[off:off + self.max_chars]
                if not chunk.strip():
                    continue
                for e in self.pipe(chunk):
                    score = float(e.get("score", 0.0))
                    et = self.type_of(e.get("entity_group") or e.get("entity") or "")
                    if score < self.threshold or et in ("O", "MISC", ""):
                        continue
                    s, t = int(e["start"]) + off, int(e["end"]) + off
                    while s < t and text[s].isspace():
                        s += 1
                    if et in _LINE_TYPES and "\n" in text[s:t]:
                        s, t = first_line_part(text, s, t)
                    if t > s:
                        spans.append(Span(s, t, et, score, self.name))
            out.append(sorted(spans))
        return out


def _local_dir(path: str) -> str:
    p = Path(os.path.expanduser(path))
    if not p.is_dir():
        raise FileNotFoundError(f"model backend path {path!r} is not a local directory (nothing is downloaded)")
    return str(p)


@lru_cache(maxsize=4)
def load_token_classifier(model_dir: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, local_files_only=True)
    model.eval()
    return pipeline("token-classification", model=model, tokenizer=tok, aggregation_strategy="simple", device=-1)


def build_backends(specs: list) -> list[ModelBackend]:
    """Backends from ``PrivacyConfig.model_backends`` entries (``kind``, ``path``, ``labels``, ``threshold``,
    ``label_map``)."""
    out: list[ModelBackend] = []
    for spec in specs:
        if spec.kind == "gliner":
            out.append(GlinerBackend.from_path(spec.path, spec.labels, spec.threshold))
        elif spec.kind == "hf_token_classification":
            out.append(HFTokenClassificationBackend.from_path(spec.path, spec.threshold, spec.label_map))
        else:
            raise ValueError(f"unknown model backend kind {spec.kind!r} (gliner | hf_token_classification)")
    return out
