"""Text signals of the feedback stage: the patterns that name a failure in an answer or a complaint (refusal,
fallback, outdated, wrong, verbose, bad tool arguments, JSON asked for, sycophancy, a complaint about an action,
escalation, a refund amount), the user's complaint texts of a unit and whether an answer parses as JSON.

Pure and deterministic; never raises on malformed rows.
"""

from __future__ import annotations

import json
import re

from flywheel_assets.feedback.messages import attrs_of, content

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
