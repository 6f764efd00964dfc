"""Per-unit metadata from redacted text only: task_type, domain, language, outcome, latency, tools, hops.

Nothing here reads raw identifiers: placeholders (``<PERSON_1>``) are stripped before language detection and the
lexicons match topic words, never names.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from flywheel_assets.curate.config import MetadataConfig
from flywheel_assets.curate.parsed import PLACEHOLDER_RE, ParsedUnit

TASK_TYPES = ("agentic", "coding", "extraction", "summarization", "translation", "creative", "qa", "chit-chat", "other")

_CODE_RE = re.compile(
    r"```|\bdef \w+\(|\bfunction \w*\(|\bclass \w+[:(]|\bimport \w+|\bSELECT\b.+\bFROM\b|#include|\bconsole\.log|"
    r"\b(?:python|javascript|typescript|java|rust|golang|c\+\+|sql|regex|bash script|stack trace|traceback|"
    r"compile|refactor|unit test)\b", re.IGNORECASE)
_EXTRACT_RE = re.compile(r"\b(?:extract|parse|pull out|list all|fill in|classify|categori[sz]e|tag the|"
                         r"as json|in json|json object|named entities|key fields)\b", re.IGNORECASE)
_SUMMARY_RE = re.compile(r"\b(?:summari[sz]e|summary|tl;?dr|condense|key points)\b", re.IGNORECASE)
_TRANSLATE_RE = re.compile(r"\btranslat(?:e|ion)\b", re.IGNORECASE)
_CREATIVE_RE = re.compile(r"\b(?:write (?:a|an|me a) (?:poem|story|song|haiku|joke|essay)|poem|short story|lyrics|"
                          r"brainstorm)\b", re.IGNORECASE)
_CHITCHAT_RE = re.compile(r"^\s*(?:hi|hello|hey|thanks|thank you|good (?:morning|evening|night)|how are you|"
                          r"what'?s up|bye|lol|ok(?:ay)?)\b[\s!.?,]*", re.IGNORECASE)
_QUESTION_RE = re.compile(r"\?|^\s*(?:what|who|when|where|why|how|which|can|could|is|are|does|do|explain|tell me)\b",
                          re.IGNORECASE | re.MULTILINE)


def task_type(pu: ParsedUnit) -> str:
    if pu.calls:
        return "agentic"
    user = pu.user_text
    if not user.strip():
        return "other"
    text = user + "\n" + pu.final_answer
    if _TRANSLATE_RE.search(user):
        return "translation"
    if _SUMMARY_RE.search(user):
        return "summarization"
    if _CODE_RE.search(text):
        return "coding"
    if _EXTRACT_RE.search(user):
        return "extraction"
    if _CREATIVE_RE.search(user):
        return "creative"
    greet = _CHITCHAT_RE.match(user)
    if greet and len(user) < 80:
        rest = user[greet.end():]
        if len(rest.split()) < 4 or not _QUESTION_RE.search(rest):
            return "chit-chat"
    if _QUESTION_RE.search(user):
        return "qa"
    return "chit-chat" if len(user) < 40 else "other"


@lru_cache(maxsize=8)
def _domain_res(items: tuple[tuple[str, tuple[str, ...]], ...]):
    return [(d, re.compile(r"\b(?:" + "|".join(re.escape(k) for k in kws) + r")", re.IGNORECASE)) for d, kws in items]


def domain(pu: ParsedUnit, cfg: MetadataConfig) -> str:
    """Lexicon vote over user/assistant text and tool names (underscores read as spaces)."""
    text = "\n".join(pu.texts(("user", "assistant"))) + " " + " ".join(c.name.replace("_", " ") for c in pu.calls)
    text += " " + " ".join(n.replace("_", " ") for n in pu.declared_tool_names)
    best, best_n = "general", 0
    for d, rx in _domain_res(tuple(sorted((k, tuple(v)) for k, v in cfg.domain_keywords.items() if v))):
        n = len(rx.findall(text))
        if n > best_n:
            best, best_n = d, n
    return best


def language(pu: ParsedUnit, cfg: MetadataConfig) -> str:
    import py3langid

    text = PLACEHOLDER_RE.sub(" ", pu.user_text or pu.final_answer)
    text = re.sub(r"\s+", " ", text).strip()[:2000]
    if len(re.sub(r"[\W\d_]", "", text)) < cfg.language_min_chars:
        return "und"
    lang, _ = py3langid.classify(text)
    return str(lang)


def _num(v) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def outcome(pu: ParsedUnit, row: dict, tags: dict, cfg: MetadataConfig) -> tuple[str, str]:
    """(outcome, source). Precedence: explicit feedback (thumbs, rating) > reward > logged outcome > final
    status > errors without recovery > unknown."""
    thumbs = row.get("feedback_thumbs")
    if thumbs == "up":
        return "success", "thumbs"
    if thumbs == "down":
        return "failure", "thumbs"
    rating = _num(row.get("feedback_rating"))
    if rating is not None:
        if rating <= 1.0:
            return ("success" if rating >= 0.5 else "failure"), "rating"
        if rating >= cfg.rating_success_min:
            return "success", "rating"
        if rating <= cfg.rating_failure_max:
            return "failure", "rating"
    reward = _num(row.get("reward"))
    if reward is not None:
        if reward >= cfg.reward_success_min:
            return "success", "reward"
        if reward <= cfg.reward_failure_max:
            return "failure", "reward"
    if row.get("outcome") in ("success", "failure"):
        return row["outcome"], "log"
    status = str(pu.attributes.get("status") or pu.attributes.get("final_status") or "").lower()
    if status in ("error", "failed", "failure", "cancelled", "timeout"):
        return "failure", "status"
    errors = int(tags.get("errors") or 0)
    if errors and not int(tags.get("recoveries") or 0) and not pu.final_answer.strip():
        return "failure", "errors"
    return "unknown", "none"


def latency_ms(row: dict) -> float | None:
    v = _num(row.get("latency_ms"))
    if v is not None:
        return v
    s, e = row.get("started_at"), row.get("ended_at")
    if s is not None and e is not None:
        return max(0.0, (e - s).total_seconds() * 1000.0)
    return None


def tools_used(pu: ParsedUnit) -> list[str]:
    return sorted({c.name for c in pu.calls if c.name})


def hops(pu: ParsedUnit) -> int:
    """Sequential tool rounds: assistant messages that issue at least one tool call."""
    return sum(1 for m in pu.messages if m["role"] == "assistant" and m.get("tool_calls"))


def unit_metadata(pu: ParsedUnit, row: dict, tags: dict, cfg: MetadataConfig) -> dict:
    out, src = outcome(pu, row, tags, cfg)
    return {
        "task_type": task_type(pu),
        "domain": domain(pu, cfg),
        "language": language(pu, cfg),
        "outcome": out,
        "outcome_source": src,
        "latency_ms": latency_ms(row),
        "tools_used": tools_used(pu),
        "hops": hops(pu),
    }
