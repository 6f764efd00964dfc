"""In-product A/B comparison records (``FORMAT = "comparison"``): a user saw two (or more) answers to the same
conversation and picked one. One JSONL line = one comparison.

Shapes read:

1. ``{"chosen": C, "rejected": R}`` (optionally ``"prompt": P``). ``C`` / ``R`` are whole conversations (a
   speaker-prefixed transcript string such as ``"\\n\\nHuman: ...\\n\\nAssistant: ..."``, or a list of
   ``{role, content}`` messages) or, when ``prompt`` is given, just the answers (a string or message(s)).
2. ``{"prompt" | "messages" | "conversation" | "context" | "question": P, "response_a": A, "response_b": B,
   "choice" | "preferred" | "preference" | "winner" | "selected": X}`` (also ``completion_a/b``, ``answer_a/b``,
   ``output_a/b``, or whole conversations ``conversation_a/b`` with no prompt), or ``"responses": [A, B, ...]``
   (also ``completions`` / ``answers`` / ``outputs`` / ``candidates``) with the pick as a 0-based index. The pick
   may be ``a`` / ``b`` / ``response_a`` / ``model_a`` / ``first`` / ``second`` / ``left`` / ``right``, a 0-based
   index, the picked answer's text, or a tie (``tie``, ``both``, ``neither``, ``tie (bothbad)``, ``none``).

Every answer becomes its own session ``<comparison>/<label>`` (label ``chosen`` / ``rejected``, ``a`` / ``b`` or
``r<i>``): the shared prompt turns, the answer turn(s), then one ``feedback`` event on the answer with
``attributes.comparison = {id, choice: chosen | rejected | tie, label, n}`` and thumbs ``up`` for the picked
answer, ``down`` for the others (none on a tie). The comparison id is the row's ``id`` / ``comparison_id`` /
``question_id``, else a stable hash of file + line. ``model_a`` / ``model_b`` (or ``model``), ``timestamp`` /
``created_at`` / ``tstamp``, a user id (hashed) and ``consent`` are read when present. The feedback stage pairs the
chosen answer with each rejected one (:mod:`flywheel_assets.feedback.comparison`, ``pair_source = "comparison"``).

Quarantine: ``wrong_type:record``, ``unknown_comparison_shape``, ``missing_field:choice``,
``invalid_value:choice``, ``empty_field:<key>``, ``wrong_type:<key>``, ``no_speaker_turns``.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.record_parsing import (
    Emitter,
    consent_of,
    first_json_objects,
    json_outcomes,
    text_of,
)
from flywheel_assets.ingest.source import Outcome, Quarantine, SourceFile
from flywheel_assets.ingest.transcripts import parse_turns
from flywheel_assets.schema import stable_id
from flywheel_assets.timeutil import parse_timestamp

FORMAT = "comparison"

PROMPT_KEYS = ("prompt", "messages", "conversation", "context", "question", "history")
AB_KEYS = (("response_a", "response_b"), ("completion_a", "completion_b"), ("answer_a", "answer_b"),
           ("output_a", "output_b"), ("conversation_a", "conversation_b"))
LIST_KEYS = ("responses", "completions", "answers", "outputs", "candidates")
CHOICE_KEYS = ("choice", "preferred", "preference", "winner", "selected", "pick", "chosen_index")
ID_KEYS = ("id", "comparison_id", "question_id", "pair_id")
USER_KEYS = ("user_id", "user", "judge", "annotator_id")
TIE = {"tie", "both", "neither", "none", "equal", "same", "tie (bothbad)", "both_bad", "bothbad", "draw"}
_A = {"a", "response_a", "model_a", "completion_a", "answer_a", "output_a", "conversation_a", "first", "left"}
_B = {"b", "response_b", "model_b", "completion_b", "answer_b", "output_b", "conversation_b", "second", "right"}
ROLES = {"user": "user", "human": "user", "prompter": "user", "assistant": "assistant", "gpt": "assistant",
         "bot": "assistant", "model": "assistant", "ai": "assistant", "chatbot": "assistant", "system": "system",
         "developer": "system"}
_SPEAKER = re.compile(r"(?im)^\s*(human|user|assistant|ai)\s*:")


def _shape(o: Any) -> str | None:
    if not isinstance(o, dict):
        return None
    if "chosen" in o and "rejected" in o:
        return "chosen_rejected"
    if any(a in o and b in o for a, b in AB_KEYS):
        return "ab"
    if any(isinstance(o.get(k), list) for k in LIST_KEYS) and any(k in o for k in CHOICE_KEYS):
        return "list"
    return None


def sniff(head: str, rel: str) -> float:
    objs = first_json_objects(head)
    if not objs:
        s = head.lstrip()
        if s.startswith("{") and re.match(r'\{\s*"(chosen|rejected|prompt)"', s) and '"rejected"' in head:
            return 0.6  # first line longer than the sniff window
        return 0.0
    ok = sum(1 for o in objs if _shape(o))
    return 0.97 * ok / len(objs)


def parse(src: SourceFile, ctx: IngestContext) -> Iterator[Outcome]:
    yield from json_outcomes(src, lambda obj, line, offset, raw: parse_record(obj, src, ctx, line, offset))


# ---------------------------------------------------------------------------------------------- conversations


def _message(m: Any, where: str) -> tuple[str, str] | None:
    if isinstance(m, str):
        return ("user", m) if m.strip() else None
    if not isinstance(m, dict):
        raise Quarantine(f"wrong_type:{where}", f"message of type {type(m).__name__}")
    role = ROLES.get(str(m.get("role", m.get("from", "user"))).lower())
    if role is None:
        return None  # tool / function turns are not part of a compared answer
    text, _ = text_of(m.get("content", m.get("value", m.get("text"))))
    return role, text


def conversation(value: Any, where: str, default_role: str = "user") -> list[tuple[str, str]]:
    """A prompt / answer / whole conversation -> (role, text) turns. A string with speaker prefixes is a
    transcript; a plain string is one turn of ``default_role``; a list holds messages; a dict is one message."""
    if value is None:
        return []
    if isinstance(value, str):
        if _SPEAKER.search(value):
            return [(r, t) for r, t in parse_turns(value) if r in ("user", "assistant", "system")]
        return [(default_role, value)] if value.strip() else []
    if isinstance(value, dict):
        if isinstance(value.get("messages"), list):
            value = value["messages"]
        else:
            m = _message({"role": default_role, **value} if "role" not in value else value, where)
            return [m] if m else []
    if isinstance(value, list):
        out = []
        for m in value:
            if isinstance(m, str):
                out.append((default_role, m))
            else:
                t = _message(m, where)
                if t:
                    out.append(t)
        return out
    raise Quarantine(f"wrong_type:{where}", f"{where} is {type(value).__name__}")


def _answer(value: Any, prompt: list, where: str) -> list[tuple[str, str]]:
    """The full conversation for one answer: a whole conversation stands alone, an answer follows the prompt."""
    turns = conversation(value, where, default_role="assistant")
    if not turns:
        raise Quarantine(f"empty_field:{where}", f"{where} holds no text")
    if prompt and turns[0][0] == "assistant":
        return prompt + turns
    return turns


# ---------------------------------------------------------------------------------------------- choice


def pick_index(choice: Any, labels: list[str], answers: list[Any]) -> int | None:
    """Index of the picked answer; None for a tie. Raises Quarantine when the value is not understood."""
    if isinstance(choice, bool):
        raise Quarantine("invalid_value:choice", "boolean choice")
    if isinstance(choice, (int, float)) and float(choice).is_integer() and 0 <= int(choice) < len(labels):
        return int(choice)
    if isinstance(choice, str):
        s = choice.strip().lower()
        if s in TIE or s.startswith("tie"):
            return None
        if s.isdigit() and int(s) < len(labels):
            return int(s)
        if len(labels) == 2 and s in _A:
            return 0
        if len(labels) == 2 and s in _B:
            return 1
        if s in labels:
            return labels.index(s)
        texts = [a.strip() if isinstance(a, str) else None for a in answers]
        if choice.strip() in texts and texts.count(choice.strip()) == 1:
            return texts.index(choice.strip())
    raise Quarantine("invalid_value:choice", f"choice {str(choice)[:80]!r} names none of {labels}")


# ---------------------------------------------------------------------------------------------- record


def parse_record(obj: Any, src: SourceFile, ctx: IngestContext, line: int, offset: int) -> Outcome:
    if not isinstance(obj, dict):
        raise Quarantine("wrong_type:record", f"record is {type(obj).__name__}")
    shape = _shape(obj)
    if shape is None:
        raise Quarantine("unknown_comparison_shape", "no chosen/rejected, response_a/response_b or responses+choice")
    pkey = next((k for k in PROMPT_KEYS if obj.get(k) not in (None, "", [])), None)
    prompt = conversation(obj[pkey], pkey) if pkey else []
    models: list[Any] = []
    if shape == "chosen_rejected":
        labels = ["chosen", "rejected"]
        convs = [_answer(obj["chosen"], prompt, "chosen"), _answer(obj["rejected"], prompt, "rejected")]
        picked: int | None = 0
    else:
        if shape == "ab":
            ka, kb = next((a, b) for a, b in AB_KEYS if a in obj and b in obj)
            answers, labels = [obj[ka], obj[kb]], ["a", "b"]
            models = [obj.get("model_a"), obj.get("model_b")]
        else:
            key = next(k for k in LIST_KEYS if isinstance(obj.get(k), list))
            answers = obj[key]
            if len(answers) < 2:
                raise Quarantine(f"empty_field:{key}", f"{key} holds {len(answers)} answer(s), need 2+")
            labels = [f"r{i}" for i in range(len(answers))]
            answers = [a.get("text", a.get("content", a)) if isinstance(a, dict) and "role" not in a else a
                       for a in answers]
        ckey = next((k for k in CHOICE_KEYS if k in obj and obj[k] is not None), None)
        if ckey is None:
            raise Quarantine("missing_field:choice", f"no {'/'.join(CHOICE_KEYS)}")
        picked = pick_index(obj[ckey], labels, answers)
        convs = [_answer(a, prompt, lbl) for a, lbl in zip(answers, labels)]
    for conv, lbl in zip(convs, labels):
        if not any(r == "assistant" for r, _ in conv):
            raise Quarantine(f"empty_field:{lbl}", f"{lbl} has no assistant turn")

    cid_raw = next((obj[k] for k in ID_KEYS if isinstance(obj.get(k), (str, int)) and obj[k] != ""), None)
    cid = str(cid_raw) if cid_raw is not None else "cmp_" + stable_id("comparison", src.rel, line, length=20)
    user = next((obj[k] for k in USER_KEYS if isinstance(obj.get(k), (str, int)) and obj[k] != ""), None)
    consent, purposes = consent_of(obj.get("consent"))
    ts = parse_timestamp(obj.get("timestamp", obj.get("created_at", obj.get("tstamp"))))
    em = Emitter(src, FORMAT, line, offset, timestamp=ts, consent_training=consent, purposes=purposes,
                 user_hash=ctx.hash_user(user) if user is not None and ctx is not None else None)
    common_model = obj.get("model") if isinstance(obj.get("model"), str) else None
    for i, (conv, lbl) in enumerate(zip(convs, labels)):
        session = f"{cid}/{lbl}"
        model = models[i] if i < len(models) and isinstance(models[i], str) else common_model
        last = None
        for role, text in conv:
            ev = em.emit(role, content=text, session_id=session, model=model if role == "assistant" else None)
            if role == "assistant":
                last = ev
        choice = "tie" if picked is None else ("chosen" if i == picked else "rejected")
        thumbs = None if picked is None else ("up" if i == picked else "down")
        em.emit("feedback", session_id=session, parent_event_id=last["event_id"], feedback_thumbs=thumbs,
                attributes={"comparison": {"id": cid, "choice": choice, "label": lbl, "n": len(convs)}})
    return em.outcome()
