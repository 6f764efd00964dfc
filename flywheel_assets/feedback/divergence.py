"""Where a successful and a failed trajectory of the same intent part ways, and the comparable continuations.

A trajectory is read as steps: the messages before the first user turn (system prompt, scripted greeting), then
for each user turn the *agent block* that follows it (assistant turns with their tool calls and tool results, up to
the next user turn). The two runs are walked step by step:

- while the agent blocks are identical the runs have not diverged (a user turn that is worded differently but
  answered identically is a paraphrase, remembered in ``prompt_match``);
- at the first step whose agent blocks differ, the **prompt** is the chosen run's conversation up to and including
  that step's user turn, **chosen** is its agent block and **rejected** the failed run's agent block at the same
  step. Both sides are one agent block, cut at the next user turn: the same unit of behaviour (what the agent did
  with that user turn), so their lengths compare like with like and neither side carries user text a trainer would
  score as the model's own output;
- when the failed run has no agent block there (it ended) the rejected side is an empty assistant turn
  (``outcome_empty``); a rejected block that hands the user off to a human is labelled ``outcome_handoff``. Both
  are the real behaviour and kept.

Assistant turns before the first user turn (a scripted greeting) are left out of the prompt: they are not a
choice either run made, and a chat export must start with the user (after the system prompt).

If the agent block starts inside the prompt's last turn (assistant text, then a tool call in the same block that
both runs share), the identical leading messages of the block move into the prompt so the continuations start at
the first differing assistant turn after a user or tool message.
"""

from __future__ import annotations

from dataclasses import dataclass

from flywheel_assets.feedback import messages as c
from flywheel_assets.feedback import signals as ts
from flywheel_assets.privacy.placeholders import PLACEHOLDER_RE


@dataclass
class Cut:
    prompt: list
    chosen: list
    rejected: list
    prompt_match: str  # exact | paraphrase
    signal: str  # outcome | outcome_empty | outcome_handoff
    step: int  # index of the diverging step (0 = the answer to the first user turn)


def steps(msgs: list[dict]) -> tuple[list[dict], list[tuple[dict, list[dict]]]]:
    """(head before the first user turn, [(user turn, agent block)])."""
    users = [i for i, m in enumerate(msgs) if m.get("role") == "user"]
    if not users:
        return list(msgs), []
    out = []
    for k, i in enumerate(users):
        end = users[k + 1] if k + 1 < len(users) else len(msgs)
        out.append((msgs[i], [m for m in msgs[i + 1:end] if m.get("role") in ("assistant", "tool")]))
    return list(msgs[: users[0]]), out


def _keys(block: list[dict]) -> list[str]:
    return [c.msg_key(m) for m in block]


def _user_same(a: dict, b: dict) -> bool:
    return c.norm_light(PLACEHOLDER_RE.sub("<>", c.content(a))) == c.norm_light(
        PLACEHOLDER_RE.sub("<>", c.content(b)))


def _handoff(block: list[dict]) -> bool:
    for m in block:
        if ts.ESCALATION_RE.search(c.content(m)):
            return True
        for call in m.get("tool_calls") or []:
            if isinstance(call, dict):
                name = str((call.get("function") or {}).get("name") or "")
                if ts.ESCALATION_RE.search(name.replace("_", " ")):
                    return True
    return False


def _empty() -> dict:
    return {"role": "assistant", "content": "", "tool_calls": None, "name": None, "tool_call_id": None,
            "event_ids": []}


def cut(chosen_msgs: list[dict], rejected_msgs: list[dict]) -> Cut | None:
    """The comparable pair for a successful (chosen) and a failed (rejected) run; None when the chosen run never
    answers a user turn, or the runs never differ in what the agent did."""
    head, s_steps = steps(chosen_msgs)
    _, f_steps = steps(rejected_msgs)
    # an opener the agent sent before the user spoke (a scripted greeting) is neither intent nor a choice the pair
    # compares; exports require the first non-system turn to be the user's, so only system turns stay in the head
    prompt = [m for m in head if m.get("role") == "system"]
    match = "exact"
    for k, (s_user, s_block) in enumerate(s_steps):
        if not any(m.get("role") == "assistant" for m in s_block):
            return None  # the chosen run ends on a user turn: nothing to prefer from here on
        if k >= len(f_steps):  # the failed run ended before this user turn: it never answered it
            return Cut(prompt + [s_user], list(s_block), [_empty()], "paraphrase", "outcome_empty", k)
        f_user, f_block = f_steps[k]
        if not _user_same(s_user, f_user):
            match = "paraphrase"
        sk, fk = _keys(s_block), _keys(f_block)
        if sk == fk:
            prompt += [s_user] + list(s_block)
            continue
        # identical leading messages of the block join the prompt when that keeps it ending on a user/tool turn
        n = 0
        while n < min(len(sk), len(fk)) and sk[n] == fk[n]:
            n += 1
        while n > 0 and not (s_block[n - 1].get("role") == "tool" and s_block[n].get("role") == "assistant"
                             and n < len(f_block) and f_block[n].get("role") == "assistant"):
            n -= 1
        chosen, rejected = list(s_block[n:]), list(f_block[n:])
        if not rejected or not any(m.get("role") == "assistant" for m in rejected):
            rejected = [_empty()]
            signal = "outcome_empty"
        else:
            signal = "outcome_handoff" if _handoff(rejected) and not _handoff(chosen) else "outcome"
        return Cut(prompt + [s_user] + list(s_block[:n]), chosen, rejected, match, signal, k)
    return None
