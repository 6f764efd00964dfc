"""Quality filters. Each unit gets at most one reason code (the first that applies, in REASONS order);
filtered units stay in the table with ``kept = False``.

Reason codes
  invalid_messages   messages JSON unparseable / empty / unknown roles
  empty_answer       no assistant turn, or the last assistant turn has neither text nor tool calls
  truncated_answer   finish_reason length/max_tokens, status truncated, unclosed code fence or cut-off JSON
  error_only         errors and no successful tool result and no assistant text at all
  invalid_tool_call  a call to an undeclared tool, arguments that are not JSON, or that fail the tool's JSON schema
  invalid_json       JSON was requested (user/system text or attributes.response_format) and the answer is not JSON
  unexpected_refusal the answer refuses although the request holds none of the expected-refusal keywords
  flagged_wrong      feedback marks the answer wrong / incorrect / outdated
  off_topic          no configured topic keyword, or too far from the domain centroid (when configured)
(dedup adds ``duplicate`` and ``near_duplicate`` for non-representative cluster members.)
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import numpy as np

from flywheel_assets.curate.config import FilterConfig
from flywheel_assets.curate.parsed import ParsedUnit, embedding_text
from flywheel_assets.jsontext import json_leaves

REASONS = ("invalid_messages", "empty_answer", "truncated_answer", "error_only", "invalid_tool_call", "invalid_json",
           "unexpected_refusal", "flagged_wrong", "off_topic", "duplicate", "near_duplicate")

_FENCE_RE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)


@lru_cache(maxsize=8)
def _rx(patterns: tuple[str, ...]) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


@lru_cache(maxsize=4096)
def _validator(schema_json: str):
    from jsonschema import validators
    from jsonschema.exceptions import SchemaError

    schema = json.loads(schema_json)
    try:
        cls = validators.validator_for(schema, default=validators.Draft202012Validator)
        cls.check_schema(schema)
        return cls(schema)
    except SchemaError:
        return None  # a broken declared schema is not the unit's fault: skip validation


def _last_assistant(pu: ParsedUnit) -> dict | None:
    for m in reversed(pu.messages):
        if m["role"] == "assistant":
            return m
    return None


def is_empty(pu: ParsedUnit, cfg: FilterConfig) -> bool:
    last = _last_assistant(pu)
    if last is None:
        return True
    return not last.get("tool_calls") and len(last["content"].strip()) < cfg.min_answer_chars


def is_truncated(pu: ParsedUnit) -> bool:
    a = pu.attributes
    if str(a.get("finish_reason") or "").lower() in ("length", "max_tokens", "max_output_tokens") or a.get("truncated") is True:
        return True
    if str(a.get("status") or "").lower() == "truncated":
        return True
    ans = pu.final_answer.strip()
    if not ans:
        return False
    if ans.count("```") % 2 == 1:
        return True
    if ans[0] in "{[" and ans[-1] not in "}]":
        try:
            json.loads(ans)
        except ValueError:
            return True
    return False


def is_error_only(pu: ParsedUnit, errors: int) -> bool:
    has_text = any(m["role"] == "assistant" and m["content"].strip() for m in pu.messages)
    return errors > 0 and pu.tool_successes == 0 and not has_text


def invalid_tool_call(pu: ParsedUnit) -> str | None:
    """Why the first invalid call is invalid (a short code), or None."""
    declared = set(pu.declared_tool_names)
    for c in pu.calls:
        try:
            args = json.loads(c.arguments) if c.arguments.strip() else {}
        except (ValueError, RecursionError):
            return "arguments_not_json"
        if isinstance(args, dict) and set(args) == {"_raw"}:
            return "arguments_not_json"  # schema.json_text wraps unparseable arguments as {"_raw": ...}
        if not declared:
            continue
        if c.name not in declared:
            return "undeclared_tool"
        schema = pu.tool_schema(c.name)
        if schema:
            v = _validator(json.dumps(schema, sort_keys=True))
            if v is not None and next(iter(v.iter_errors(args)), None) is not None:
                return "schema_violation"
    return None


def _json_requested(pu: ParsedUnit, cfg: FilterConfig) -> bool:
    rf = pu.attributes.get("response_format")
    if rf is not None and "json" in json.dumps(rf).lower():
        return True
    rx = _rx(tuple(cfg.json_request_patterns))
    # with tool calls, agent system prompts talk about JSON for the *calls*; only a user's request for a JSON
    # answer counts there ("status of A-1 in JSON format" -> the final answer must parse)
    roles = ("user",) if pu.calls else ("system", "user")
    text = "\n".join(pu.texts(roles))
    return bool(rx and rx.search(text))


def _parses_as_json(ans: str) -> bool:
    t = _FENCE_RE.sub("", ans.strip())
    for cand in (t, t[t.find("{"): t.rfind("}") + 1] if "{" in t else "", t[t.find("["): t.rfind("]") + 1] if "[" in t else ""):
        if cand:
            try:
                json.loads(cand)
                return True
            except ValueError:
                pass
    return False


def is_invalid_json(pu: ParsedUnit, cfg: FilterConfig) -> bool:
    if not _json_requested(pu, cfg):
        return False
    ans = pu.final_answer
    return bool(ans.strip()) and not _parses_as_json(ans)


def is_unexpected_refusal(pu: ParsedUnit, cfg: FilterConfig) -> bool:
    rx = _rx(tuple(cfg.refusal_patterns))
    ans = pu.final_answer[:400]
    if not rx or not rx.search(ans):
        return False
    user = pu.user_text.lower()
    return not any(k.lower() in user for k in cfg.expected_refusal_keywords)


def is_flagged_wrong(pu: ParsedUnit, cfg: FilterConfig) -> bool:
    texts: list[str] = []
    for key in ("feedback", "feedback_comment", "feedback_tags", "feedback_labels"):
        texts.extend(v.lower() for v in json_leaves(pu.attributes.get(key)) if isinstance(v, str))
    blob = "\n".join(texts)
    return any(re.search(r"\b" + re.escape(k.lower()), blob) for k in cfg.wrong_feedback_keywords)


def unit_reason(pu: ParsedUnit, tags: dict, cfg: FilterConfig) -> str | None:
    """First row-local reason code (off_topic is decided in batch by off_topic_mask)."""
    if not pu.ok:
        return "invalid_messages"
    if is_empty(pu, cfg):
        return "empty_answer"
    if is_truncated(pu):
        return "truncated_answer"
    if is_error_only(pu, int(tags.get("errors") or 0)):
        return "error_only"
    if invalid_tool_call(pu):
        return "invalid_tool_call"
    if is_invalid_json(pu, cfg):
        return "invalid_json"
    if is_unexpected_refusal(pu, cfg):
        return "unexpected_refusal"
    if is_flagged_wrong(pu, cfg):
        return "flagged_wrong"
    return None


def off_topic_mask(parsed: list[ParsedUnit], cfg: FilterConfig) -> np.ndarray:
    """True where a unit is off-topic (all False when neither keywords nor domain examples are configured)."""
    n = len(parsed)
    mask = np.zeros(n, dtype=bool)
    if cfg.topic_keywords:
        rx = re.compile("|".join(re.escape(k.lower()) for k in cfg.topic_keywords))
        mask |= np.array([not rx.search(pu.dialog_text.lower()) for pu in parsed], dtype=bool)
    if cfg.domain_examples and n:
        from flywheel_assets.embeddings import embed

        texts = [embedding_text(pu, cfg.embed_text_chars) for pu in parsed]  # same text as diversity
        vecs = embed(list(cfg.domain_examples) + texts, backend=cfg.embedding_backend)
        centroid = vecs[: len(cfg.domain_examples)].mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
        sims = vecs[len(cfg.domain_examples):] @ centroid
        mask |= sims < cfg.min_domain_similarity
    return mask
