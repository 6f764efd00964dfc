"""Open Assistant message trees (``FORMAT = "oasst"``), one tree per JSONL line.

A line is ``{"message_tree_id", "tree_state", "prompt": <message>}`` where a message holds ``message_id``,
``parent_id``, ``text``, ``role`` (``prompter`` | ``assistant``), ``lang``, ``deleted``, ``review_result``,
``synthetic``, ``model_name``, ``emojis`` ({"+1": n, "-1": n, ...}), ``rank`` (0 = best among siblings) and
``replies``. A bare message (a line that is itself a root message) is accepted too.

One record = one tree line. For EVERY assistant message in the tree the record emits a session
``"<tree_id>/<assistant_message_id>"`` holding the root -> ... -> that assistant message path (user/assistant
events) followed by one ``feedback`` event rating that assistant message:

- ``feedback_thumbs``: ``up`` when +1 > -1, ``down`` when -1 > +1, ``neutral`` on a non-zero tie, none otherwise;
- ``feedback_rating`` = 1 / (1 + rank) when the message was ranked (rank also kept in attributes).

Siblings therefore share the same prompt prefix, which the feedback stage mines for preference pairs. Every event
keeps ``message_id``, ``parent_id``, ``lang``, ``synthetic``, ``model_name`` (+ ``rank``, ``emojis``, ``deleted``,
``review_result`` when set) in attributes; deleted / review-failed messages are kept and flagged
(``deleted: true`` / ``review_failed: true``). Messages are visited in ``replies`` order (depth-first), so the output
is deterministic. oasst has no timestamps in this export and no user ids.
"""

from __future__ import annotations

from typing import Any, Iterator

from flywheel_assets.ingest.context import IngestContext
from flywheel_assets.ingest.record_parsing import (
    Emitter,
    first_json_objects,
    json_outcomes,
    to_int,
)
from flywheel_assets.ingest.source import Outcome, Quarantine, SourceFile

FORMAT = "oasst"
ROLES = {"prompter": "user", "assistant": "assistant", "user": "user"}
MAX_NODES = 100_000


def sniff(head: str, rel: str) -> float:
    objs = first_json_objects(head)
    if objs:
        ok = sum(1 for o in objs if isinstance(o, dict) and (
            ("message_tree_id" in o and isinstance(o.get("prompt"), dict)) or _is_message(o)))
        return 0.95 * ok / len(objs)
    s = head.lstrip()
    if s.startswith("{") and '"message_tree_id"' in head and '"prompter"' in head:
        return 0.7  # first tree longer than the sniff window
    return 0.0


def _is_message(o: Any) -> bool:
    return isinstance(o, dict) and "message_id" in o and o.get("role") in ("prompter", "assistant") and "replies" in o


def parse(src: SourceFile, ctx: IngestContext) -> Iterator[Outcome]:
    yield from json_outcomes(src, lambda obj, line, offset, raw: parse_tree(obj, src, line, offset))


def parse_tree(obj: Any, src: SourceFile, line: int, offset: int) -> Outcome:
    if not isinstance(obj, dict):
        raise Quarantine("wrong_type:record", f"record is {type(obj).__name__}")
    if "prompt" in obj:
        root = obj["prompt"]
        if not isinstance(root, dict):
            raise Quarantine("wrong_type:prompt", f"prompt is {type(root).__name__}")
    elif _is_message(obj):
        root = obj
    else:
        raise Quarantine("missing_field:prompt", "tree has no prompt message")
    tree_id = obj.get("message_tree_id") or root.get("message_id")
    if not isinstance(tree_id, str) or not tree_id:
        raise Quarantine("missing_field:message_tree_id", "tree without id")
    _check(root, "prompt")
    if ROLES.get(root.get("role")) != "user":
        raise Quarantine("invalid_value:prompt.role", "tree root is not a prompter message")

    em = Emitter(src, FORMAT, line, offset)
    tree_attrs = {"tree_id": tree_id}
    if obj.get("tree_state") is not None:
        tree_attrs["tree_state"] = obj["tree_state"]
    n = 0
    # iterative DFS over (message, path-to-parent) in replies order
    stack: list[tuple[dict, list[dict]]] = [(root, [])]
    while stack:
        msg, path = stack.pop()
        n += 1
        if n > MAX_NODES:
            raise Quarantine("tree_too_large", f"more than {MAX_NODES} messages")
        path = path + [msg]
        if ROLES[msg["role"]] == "assistant":
            _session(em, tree_id, path, tree_attrs)
        replies = msg.get("replies") or []
        if not isinstance(replies, list):
            raise Quarantine("wrong_type:replies", "replies is not a list")
        for i, r in enumerate(replies):
            _check(r, f"replies[{i}]")
        for r in reversed(replies):
            stack.append((r, path))
    if not em.events:
        # a prompt nobody answered: keep it as a single-turn session so it does not vanish
        _emit_msg(em, root, f"{tree_id}/{root.get('message_id')}", tree_attrs)
    return em.outcome()


def _check(m: Any, where: str) -> None:
    if not isinstance(m, dict):
        raise Quarantine("wrong_type:message", f"{where} is {type(m).__name__}")
    if not isinstance(m.get("text"), str):
        raise Quarantine("missing_field:text" if m.get("text") is None else "wrong_type:text", f"{where}.text")
    if m.get("role") not in ROLES:
        raise Quarantine("invalid_value:role", f"{where}.role")
    if not isinstance(m.get("message_id"), str):
        raise Quarantine("missing_field:message_id", where)


def _msg_attrs(m: dict, tree_attrs: dict) -> dict:
    a = dict(tree_attrs)
    for k in ("message_id", "parent_id", "lang", "synthetic", "model_name", "rank", "emojis", "deleted",
              "review_result", "review_count"):
        if m.get(k) is not None:
            a[k] = m[k]
    if m.get("deleted") is True:
        a["deleted"] = True
    if m.get("review_result") is False:
        a["review_failed"] = True
    return a


def _emit_msg(em: Emitter, m: dict, session: str, tree_attrs: dict) -> dict:
    return em.emit(ROLES[m["role"]], content=m["text"], session_id=session,
                   model=m.get("model_name") if isinstance(m.get("model_name"), str) else None,
                   attributes=_msg_attrs(m, tree_attrs))


def _session(em: Emitter, tree_id: str, path: list[dict], tree_attrs: dict) -> None:
    target = path[-1]
    session = f"{tree_id}/{target['message_id']}"
    last = None
    for m in path:
        last = _emit_msg(em, m, session, tree_attrs)
    thumbs, up, down = _thumbs(target.get("emojis"))
    rank = to_int(target.get("rank"))
    rating = 1.0 / (1.0 + rank) if rank is not None and rank >= 0 else None
    a = _msg_attrs(target, tree_attrs)
    a["upvotes"], a["downvotes"] = up, down
    em.emit("feedback", session_id=session, parent_event_id=last["event_id"], feedback_thumbs=thumbs,
            feedback_rating=rating, attributes=a)


def _thumbs(emojis: Any) -> tuple[str | None, int, int]:
    if not isinstance(emojis, dict):
        return None, 0, 0
    up = to_int(emojis.get("+1")) or 0
    down = to_int(emojis.get("-1")) or 0
    if up > down:
        return "up", up, down
    if down > up:
        return "down", up, down
    return ("neutral" if up else None), up, down
