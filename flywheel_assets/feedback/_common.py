"""Helpers shared by the feedback modules: parsing units, prompt/continuation split, feedback scores, signals.

Everything here is pure, deterministic and never raises on malformed rows (bad JSON -> empty structures).
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl

from flywheel_assets.jsontext import json_or
from flywheel_assets.schema import to_json

REFUSAL_RE = re.compile(
    r"\b(i\s*(?:am|'m)\s+(?:sorry|afraid),?\s+(?:but\s+)?i\s+(?:can(?:no|')t|cannot|am\s+unable|'m\s+unable|won't)"
    r"|i\s+(?:can(?:no|')t|cannot|won't|am\s+not\s+able\s+to)\s+(?:help|assist|do\s+that|provide|comply)"
    r"|as\s+an\s+ai(?:\s+language\s+model)?,?\s+i\s+(?:can(?:no|')t|cannot|don't|am\s+not)"
    r"|i\s+(?:must|have\s+to)\s+decline)",
    re.I,
)
FALLBACK_RE = re.compile(
    r"\b(i\s+(?:do\s+not|don't)\s+(?:know|have\s+(?:any\s+)?(?:information|data|details))"
    r"|i(?:\s+am|'m)\s+not\s+(?:sure|familiar)"
    r"|i\s+(?:could\s+not|couldn't)\s+find"
    r"|(?:no|not\s+any)\s+information\s+(?:about|on|available)"
    r"|give_up_and_restart|outside\s+(?:of\s+)?my\s+(?:knowledge|scope))",
    re.I,
)
OUTDATED_RE = re.compile(
    r"(out\s*(?:-|\s)?(?:of\s*(?:-|\s)?)?dated|outdated|no\s+longer\s+(?:true|correct|valid|the\s+case)|old\s+information"
    r"|not\s+(?:up\s*-?\s*to\s*-?\s*date|current)|that\s+changed|has\s+changed\s+since|knowledge\s+cut\s*-?off"
    r"|as\s+of\s+my\s+(?:last|latest)\s+(?:update|training)"
    # stale facts named by the user: "that's an old policy", "those are the old prices", "not right anymore",
    # "changed to 60 days last month", "since the policy update"
    r"|\bold\s+(?:polic(?:y|ies)|prices?|pricing|rates?|fees?|info(?:rmation)?|versions?|terms|rules|plans?|numbers)\b"
    r"|\b(?:not|isn't|aren't|doesn't|don't|no)\b[^.?!\n]{0,40}\bany\s?more\b"
    r"|\b(?:changed|was\s+updated|were\s+updated)\s+(?:to\b[^.?!\n]{0,40}\b)?(?:last|this)\s+(?:week|month|year|quarter)"
    r"|\bsince\s+the\s+(?:policy|price|pricing|terms)\s+(?:update|change))",
    re.I,
)
WRONG_RE = re.compile(
    r"(that(?:'s|\s+is)\s+(?:wrong|not\s+(?:true|right|correct)|incorrect|false)|doesn't\s+exist|does\s+not\s+exist"
    r"|made\s+(?:that\s+|it\s+)?up|hallucinat|fabricat|never\s+said|not\s+a\s+real|isn't\s+real|wrong\s+answer"
    r"|incorrect)",
    re.I,
)
VERBOSE_RE = re.compile(
    r"(too\s+(?:long|verbose|wordy|much\s+text)|tl;?dr|be\s+(?:more\s+)?(?:brief|concise|shorter)"
    r"|(?:shorter|briefer|concise)\s+(?:please|answer|version|response)|just\s+(?:give|tell)\s+me\s+the\s+answer"
    r"|get\s+to\s+the\s+point|rambling)",
    re.I,
)
BAD_ARGS_RE = re.compile(
    r"(invalid\s+(?:argument|parameter|param|input|value|id|format)|missing\s+(?:required\s+)?(?:argument|parameter|field)"
    r"|unknown\s+(?:tool|function|parameter|argument)|unexpected\s+(?:keyword\s+)?argument|validation\s+error"
    r"|no\s+such\s+(?:tool|function)|not\s+a\s+valid|required\s+(?:property|field|parameter)|wrong\s+tool"
    # an identifier the tool does not know ("unknown tracking id A-1", "invalid order id"): the agent passed the
    # wrong value / the id of another entity
    r"|(?:unknown|invalid|unrecognized|malformed)\s+(?:[a-z_]+\s+){0,2}(?:id|ids|identifier|key|number)\b)",
    re.I,
)
JSON_ASK_RE = re.compile(
    r"((?:respond|reply|answer|return|output|format\w*|give\s+me|provide|write)\b[^.?!\n]{0,40}\bjson\b"
    r"|\b(?:in|as)\s+(?:valid\s+|strict\s+)?json\b|\bjson\s+only\b|\bvalid\s+json\b|\bjson\s+(?:object|schema)\s+"
    r"(?:with|containing|that)|response_format)", re.I)
from flywheel_assets.privacy.placeholders import PLACEHOLDER_RE  # noqa: E402,F401  (a redaction placeholder)
# sycophancy / filler in an answer: flattery, effusive thanks, restating the whole answer. Two distinct phrases in
# one down-voted answer are a preference problem (DPO), not a knowledge or capability gap.
SYCOPHANCY_RE = re.compile(
    r"(great\s+question|excellent\s+question|what\s+a\s+(?:great|wonderful)\s+question"
    r"|thank\s+you\s+so\s+much\s+for\s+(?:reaching\s+out|asking|your\s+patience|contacting)"
    r"|i(?:'m|\s+am)\s+(?:absolutely|so|truly|really)\s+(?:delighted|thrilled|happy|glad)\s+to"
    r"|i\s+completely\s+understand\s+how|you(?:'re|\s+are)\s+absolutely\s+right"
    r"|i\s+hope\s+this\s+(?:detailed\s+)?(?:explanation|answer|information)\s+(?:is|was)\s+helpful"
    r"|to\s+summari[sz]e\s+(?:once\s+more|again)|please\s+don't\s+hesitate\s+to)",
    re.I,
)
# a user objecting to an action the agent took with a tool ("You restarted PROD?!", "I asked you to triage",
# "that's the wrong order", "why did you delete ..."): a tool-use capability problem
ACTION_COMPLAINT_RE = re.compile(
    r"(\byou\s+(?:restarted|deleted|removed|dropped|cancel(?:l)?ed|refunded|closed|rolled\s+back|deployed|"
    r"updated|changed|sent|charged)\b[^.\n]{0,60}[?!]"
    r"|\bi\s+(?:asked|told)\s+you\s+(?:to|not\s+to|only)\b"
    r"|\bwhy\s+did\s+you\s+(?:restart|delete|remove|call|use|run|cancel|refund|change|update|deploy)"
    r"|\b(?:wrong|different)\s+(?:tool|order|account|service|customer|environment|ticket|id)\b"
    r"|\bthat(?:'s|\s+is)\s+not\s+what\s+i\s+asked)",
    re.I,
)
ESCALATION_RE = re.compile(r"(escalat|transfer(?:red)?\s+to\s+(?:a\s+)?(?:human|agent|supervisor)|human\s+agent"
                           r"|speak\s+to\s+(?:a\s+)?(?:manager|human)|complaint\s+filed)", re.I)
MONEY_RE = re.compile(r"(?:refund\w*)[^$€£\d]{0,40}[$€£]?\s?(\d{1,7}(?:[.,]\d{1,2})?)"
                      r"|[$€£]\s?(\d{1,7}(?:[.,]\d{1,2})?)[^.]{0,40}refund", re.I)


def load_json(text: Any, default: Any) -> Any:
    return json_or(text, default, expect=type(default))


def parse_args(text: Any) -> dict | None:
    """Tool-call arguments as a dict; None when they are not a JSON object (or were wrapped as {"_raw": ...})."""
    if isinstance(text, dict):
        v = text
    else:
        try:
            v = json.loads(text) if isinstance(text, str) else None
        except (ValueError, RecursionError):
            return None
    if not isinstance(v, dict) or (set(v) == {"_raw"}):
        return None
    return v


def messages_of(row: dict) -> list[dict]:
    msgs = load_json(row.get("messages"), [])
    return [m for m in msgs if isinstance(m, dict) and isinstance(m.get("role"), str)]


def attrs_of(row: dict) -> dict:
    return load_json(row.get("attributes"), {})


def content(m: dict) -> str:
    c = m.get("content")
    return c if isinstance(c, str) else ("" if c is None else to_json(c))


def split_prompt(msgs: list[dict]) -> tuple[list[dict], list[dict]]:
    """prompt = everything up to and including the last user message; continuation = the rest.
    Returns ([], []) when there is no user message or no assistant turn after it."""
    last_user = max((i for i, m in enumerate(msgs) if m["role"] == "user"), default=-1)
    if last_user < 0:
        return [], []
    cont = msgs[last_user + 1:]
    if not any(m["role"] == "assistant" for m in cont):
        return [], []
    return msgs[: last_user + 1], cont


def first_user(msgs: list[dict]) -> str:
    for m in msgs:
        if m["role"] == "user":
            return content(m)
    return ""


def final_answer(msgs: list[dict]) -> str:
    for m in reversed(msgs):
        if m["role"] == "assistant" and content(m).strip():
            return content(m)
    return ""


_WS = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")


def norm_text(s: str) -> str:
    return _WS.sub(" ", _PUNCT.sub(" ", (s or "").lower())).strip()


def norm_light(s: str) -> str:
    """Case and whitespace only: punctuation matters for identity (JSON, code, arguments)."""
    return _WS.sub(" ", (s or "").lower()).strip()


_IDLIKE = re.compile(r"\b\w*\d\w*\b")


def intent_text(s: str) -> str:
    """Normalised request for intent matching: ids, numbers and codes (tracking numbers, zips) become '#'."""
    return _WS.sub(" ", _IDLIKE.sub("#", norm_text(s))).strip()


def msg_key(m: dict) -> str:
    """Comparable identity of a message (role, normalised content, tool calls) - lineage ignored."""
    calls = [(c.get("function") or {}).get("name", "") + ":" + str((c.get("function") or {}).get("arguments", ""))
             for c in (m.get("tool_calls") or []) if isinstance(c, dict)]
    return to_json([m.get("role"), norm_light(content(m)), calls, m.get("name")])


def prompt_key(prompt: list[dict]) -> str:
    """Identity of a whole prompt: a hash over every message (never a cut prefix: sessions that open with the same
    long system prompt would all look alike)."""
    import hashlib

    return hashlib.sha256("|".join(msg_key(m) for m in prompt).encode("utf-8")).hexdigest()


def strip_lineage(msgs: list[dict]) -> list[dict]:
    out = []
    for m in msgs:
        m2 = dict(m)
        m2["event_ids"] = []
        out.append(m2)
    return out


def text_len(msgs: list[dict]) -> int:
    """Length in characters of what a model generates: content + tool call arguments."""
    n = 0
    for m in msgs:
        n += len(content(m))
        for c in m.get("tool_calls") or []:
            if isinstance(c, dict):
                f = c.get("function") or {}
                n += len(str(f.get("name") or "")) + len(str(f.get("arguments") or ""))
    return n


def rating01(r: Any) -> float | None:
    """Normalise a rating to 0..1: values in [0,1] stay, 1..5 stars -> (r-1)/4, up to 10 -> r/10."""
    if r is None:
        return None
    try:
        r = float(r)
    except (TypeError, ValueError):
        return None
    if r != r:  # NaN
        return None
    if 0.0 <= r <= 1.0:
        return r
    if 1.0 < r <= 5.0:
        return (r - 1.0) / 4.0
    if 5.0 < r <= 10.0:
        return r / 10.0
    if -1.0 <= r < 0.0:
        return (r + 1.0) / 2.0
    return None


def ratings01(values: list) -> list[float | None]:
    """Normalise a whole rating column to 0..1 with one scale detected from its range (so a 1-star rating of 1.0
    on a 1..5 column is not read as a perfect 1.0): [0,1] as is, [1,5] -> (r-1)/4, [0,10] -> r/10, [-1,1] ->
    (r+1)/2; anything else row by row (:func:`rating01`)."""
    vals = []
    for v in values:
        try:
            f = None if v is None else float(v)
        except (TypeError, ValueError):
            f = None
        vals.append(None if f is None or f != f else f)
    finite = [v for v in vals if v is not None]
    if not finite:
        return vals
    lo, hi = min(finite), max(finite)
    if 0.0 <= lo and hi <= 1.0:
        return vals
    if 1.0 <= lo and hi <= 5.0:
        return [None if v is None else (v - 1.0) / 4.0 for v in vals]
    if 0.0 <= lo and hi <= 10.0:
        return [None if v is None else v / 10.0 for v in vals]
    if -1.0 <= lo and hi <= 1.0:
        return [None if v is None else (v + 1.0) / 2.0 for v in vals]
    return [rating01(v) for v in vals]


def thumbs_value(t: Any) -> float | None:
    return {"up": 1.0, "down": 0.0, "neutral": 0.5}.get(str(t).lower()) if t is not None else None


def feedback_score(row: dict) -> float | None:
    """One scalar preference score in 0..1 from thumbs, else rating, else reward (clipped)."""
    t = thumbs_value(row.get("feedback_thumbs"))
    if t is not None and t != 0.5:
        return t
    r = row.get("_rating01", rating01(row.get("feedback_rating")))
    if r is not None:
        return r
    if t is not None:
        return t
    rew = row.get("reward")
    if isinstance(rew, (int, float)) and rew == rew:
        return max(0.0, min(1.0, float(rew))) if 0 <= rew <= 1 else (1.0 if rew > 0 else 0.0)
    return None


def success_of(row: dict) -> bool | None:
    """True/False when the unit's outcome (or, failing that, thumbs) says so; None when unknown."""
    o = row.get("outcome")
    if o == "success":
        return True
    if o == "failure":
        return False
    t = row.get("feedback_thumbs")
    if t == "up":
        return True
    if t == "down":
        return False
    return None


def col_or_null(df: pl.DataFrame, name: str, dtype: pl.DataType = pl.Utf8) -> pl.DataFrame:
    if name not in df.columns:
        return df.with_columns(pl.lit(None, dtype=dtype).alias(name))
    return df


def prepare(curated: pl.DataFrame) -> pl.DataFrame:
    """Add the optional curation columns as nulls when absent so downstream code can rely on them."""
    df = curated
    for name, dt in (("dup_cluster_id", pl.Utf8), ("kept", pl.Boolean), ("filter_reason", pl.Utf8),
                     ("task_type", pl.Utf8), ("domain", pl.Utf8), ("language", pl.Utf8),
                     ("complexity_bucket", pl.Utf8), ("tools_used", pl.List(pl.Utf8)),
                     ("feedback_thumbs", pl.Utf8), ("feedback_rating", pl.Float64), ("edited_response", pl.Utf8),
                     ("outcome", pl.Utf8), ("reward", pl.Float64), ("model", pl.Utf8), ("event_date", pl.Date),
                     ("attributes", pl.Utf8), ("messages", pl.Utf8), ("tools", pl.Utf8), ("session_id", pl.Utf8),
                     ("n_errors", pl.Int64)):
        df = col_or_null(df, name, dt)
    df = df.with_columns(pl.Series("_rating01", ratings01(df["feedback_rating"].to_list()), dtype=pl.Float64))
    if "complexity_bucket" in df.columns and df.schema["complexity_bucket"] != pl.Utf8:
        df = df.with_columns(pl.col("complexity_bucket").cast(pl.Utf8))
    return df.sort("unit_id")


def usable(df: pl.DataFrame) -> pl.DataFrame:
    """Units curation kept (kept is null -> kept)."""
    return df.filter(pl.col("kept").fill_null(True))


def tools_called(msgs: list[dict]) -> list[str]:
    out = []
    for m in msgs:
        for c in m.get("tool_calls") or []:
            if isinstance(c, dict):
                n = (c.get("function") or {}).get("name")
                if n:
                    out.append(str(n))
    return out


COMPLAINT_MAX_CHARS = 400  # a complaint is a short user turn; long turns are new requests / agent scaffolding


def feedback_texts(row: dict, msgs: list[dict]) -> list[str]:
    """User complaint texts: user turns after the first assistant answer + comments in attributes.feedback."""
    texts = []
    seen_asst = False
    for m in msgs:
        if m["role"] == "assistant":
            seen_asst = True
        elif m["role"] == "user" and seen_asst and len(content(m)) <= COMPLAINT_MAX_CHARS:
            texts.append(content(m))
    fb = attrs_of(row).get("feedback")
    if isinstance(fb, dict):
        fb = [fb]
    if isinstance(fb, list):
        for f in fb:
            if isinstance(f, dict):
                for k in ("comment", "text", "reason", "content", "note"):
                    if isinstance(f.get(k), str):
                        texts.append(f[k])
            elif isinstance(f, str):
                texts.append(f)
    return texts


def try_parse_json_answer(text: str) -> bool:
    s = (text or "").strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", s, re.S)
    if fence:
        s = fence.group(1).strip()
    if not s:
        return False
    try:
        json.loads(s)
        return True
    except (ValueError, RecursionError):
        return False
