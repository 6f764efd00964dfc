"""GLiNER zero-shot NER from a *local* checkpoint directory (``PrivacyConfig.gliner_model_dir``; off when None).

Loaded with ``GLiNER.from_pretrained(dir, local_files_only=True)``; never a hub download. Tests pass an
already-built model object (a tiny random GLiNER over a locally made backbone) through ``detect_gliner_batch``.
"""

from __future__ import annotations

import os
from functools import lru_cache

from .base import Span, first_line_part

LABEL_TO_TYPE = {
    "person": "PERSON", "name": "PERSON", "organization": "ORGANIZATION", "company": "ORGANIZATION",
    "location": "LOCATION", "city": "LOCATION", "country": "LOCATION", "street address": "STREET_ADDRESS",
    "address": "STREET_ADDRESS", "email": "EMAIL_ADDRESS", "phone number": "PHONE_NUMBER",
    "credit card number": "CREDIT_CARD", "social security number": "US_SSN", "date of birth": "DATE_TIME",
    "username": "USER_ID", "password": "SECRET", "ip address": "IP_ADDRESS",
}


@lru_cache(maxsize=2)
def load_gliner(model_dir: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gliner import GLiNER

    model = GLiNER.from_pretrained(model_dir, local_files_only=True)
    model.eval()
    return model


def detect_gliner_batch(texts: list[str], model, labels: list[str], threshold: float = 0.5,
                        max_chars: int = 2000) -> list[list[Span]]:
    """Run GLiNER over texts (each cut into windows of ``max_chars``); returns spans per text. A name / place / firm
    span is cut at its first line break (``base.first_line_part``, as for spaCy)."""
    out: list[list[Span]] = []
    for text in texts:
        spans: list[Span] = []
        for off in range(0, len(text), max_chars):
            chunk = text[off:off + max_chars]
            if not chunk.strip():
                continue
            ents = model.predict_entities(chunk, labels, threshold=threshold)
            for e in ents:
                et = LABEL_TO_TYPE.get(str(e["label"]).lower(), str(e["label"]).upper().replace(" ", "_"))
                s, t = int(e["start"]) + off, int(e["end"]) + off
                if et != "STREET_ADDRESS" and "\n" in text[s:t]:  # a name / place / firm never spans lines
                    s, t = first_line_part(text, s, t)
                if t > s:
                    spans.append(Span(s, t, et, float(e.get("score", threshold)), "gliner"))
        out.append(sorted(spans))
    return out
