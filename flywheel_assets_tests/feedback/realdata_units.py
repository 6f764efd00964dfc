"""Build UNIT_SCHEMA frames from the real public data in /work/shared/realdata for the feedback tests.

Uses the project's ingest + segmentation when the OASST / ToolBench parsers exist; otherwise a small loader that
follows the documented parser contract (docs/architecture.md; brief of the ingest engineer):

- OASST: one session ``<tree_id>/<assistant_msg_id>`` per assistant message = root -> ... -> that message; thumbs from
  emoji reactions (+1 > -1 -> up, -1 > +1 -> down, else neutral), sibling ``rank`` in attributes;
- ToolBench: one trajectory per answer file (final ``train_messages`` chain), ``outcome`` from ``win``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl

from flywheel_assets.schema import message, new_unit, tool_call, units_frame

D0 = date(2026, 11, 1)


def _thumbs(emojis: dict | None) -> str | None:
    if not emojis:
        return None
    up, down = int(emojis.get("+1", 0)), int(emojis.get("-1", 0))
    if up == down == 0:
        return None
    return "up" if up > down else "down" if down > up else "neutral"


def oasst_units(path: Path) -> pl.DataFrame:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            tree = json.loads(line)
            tid = tree["message_tree_id"]
            day = date(2026, 11, 1 + n % 28)

            def walk(m, path_msgs):
                role = "user" if m["role"] == "prompter" else "assistant"
                msgs = path_msgs + [message(role, m.get("text") or "", event_ids=[m["message_id"]])]
                if role == "assistant":
                    attrs = {"feedback": [{"emojis": m.get("emojis") or {}, "rank": m.get("rank")}]}
                    if m.get("rank") is not None:
                        attrs["rank"] = m["rank"]
                    rows.append(new_unit(msgs, session_id=f"{tid}/{m['message_id']}", source_format="oasst",
                                         event_date=day, model=m.get("model_name") or "human",
                                         feedback_thumbs=_thumbs(m.get("emojis")), attributes=attrs))
                for r in m.get("replies") or []:
                    walk(r, msgs)

            walk(tree["prompt"], [])
    return units_frame(rows)


def toolbench_units(root: Path) -> pl.DataFrame:
    rows = []
    for i, f in enumerate(sorted(root.glob("*/*.json"))):
        d = json.loads(f.read_text(encoding="utf-8"))
        ag = d.get("answer_generation") or {}
        tools = [{"type": "function", "function": fn} for fn in ag.get("function") or []]
        chain = (ag.get("train_messages") or [[]])[-1]
        msgs = []
        for k, m in enumerate(chain):
            role = m.get("role")
            if role == "function":
                msgs.append(message("tool", m.get("content") or "", name=m.get("name"), tool_call_id=f"c{k - 1}"))
            elif role == "assistant" and m.get("function_call"):
                fc = m["function_call"]
                msgs.append(message("assistant", m.get("content") or "",
                                    tool_calls=[tool_call(f"c{k}", fc.get("name"), fc.get("arguments"))]))
            elif role in ("system", "user", "assistant"):
                msgs.append(message(role, m.get("content") or ""))
        if not msgs:
            msgs = [message("user", ag.get("query") or "")]
        rel = str(f.relative_to(root))
        rows.append(new_unit(msgs, session_id=rel, tools=tools, source_format="toolbench",
                             source_files=[rel], event_date=date(2026, 11, 1 + i % 5), model="gpt-3.5-turbo",
                             outcome="success" if d.get("win") else "failure",
                             n_errors=sum(1 for m in msgs if m["role"] == "tool" and '"error": ""' not in m["content"]
                                          and '"error"' in m["content"])))
    return units_frame(rows)
