"""Build canonical units from the real public data (ToolBench trees, tau-bench demos) for curation tests.

Loader only for tests: the lead's segmenter produces the real units in the pipeline.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from flywheel_assets.schema import message, new_unit, tool_call, units_frame


def toolbench_units(realdata: Path) -> list[dict]:
    units = []
    for f in sorted((realdata / "toolbench_trees" / "answer").glob("*/*.json")):
        d = json.loads(f.read_text())
        ag = d["answer_generation"]
        train = ag.get("train_messages") or []
        if not train:
            continue
        msgs, last_id = [], None
        for k, m in enumerate(train[-1]):
            role = m.get("role")
            if role in ("system", "user"):
                msgs.append(message(role, m.get("content") or ""))
            elif role == "assistant":
                fc = m.get("function_call")
                if fc:
                    last_id = f"call_{k}"
                    msgs.append(message("assistant", m.get("content") or "",
                                        tool_calls=[tool_call(last_id, fc["name"], fc.get("arguments") or "{}")]))
                else:
                    msgs.append(message("assistant", m.get("content") or ""))
            elif role == "function":
                content = m.get("content") or ""
                try:
                    err = json.loads(content).get("error")
                except (ValueError, AttributeError):
                    err = None
                if err:
                    content = f"ERROR: {err}"
                msgs.append(message("tool", content, name=m.get("name"), tool_call_id=last_id))
        tools = [{"type": "function", "function": fn} for fn in ag.get("function") or []]
        units.append(new_unit(msgs, session_id=f"toolbench/{f.parent.name}/{f.stem}", tools=tools,
                              source_format="toolbench", source_files=[str(f.relative_to(realdata))],
                              reward=1.0 if d.get("win") else 0.0))
    return units


_LINE = re.compile(r"^(user|assistant|tool): ?(.*)$")


def tau_units(realdata: Path) -> list[dict]:
    units = []
    for f in sorted((realdata / "tau_bench_demos").glob("*.jsonl")):
        for n, line in enumerate(f.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            turns: list[list[str]] = []
            for ln in json.loads(line)["messages_display"].split("\n"):
                m = _LINE.match(ln)
                if m:
                    turns.append([m.group(1), m.group(2)])
                elif turns:
                    turns[-1][1] += "\n" + ln
            msgs, pending = [], None
            for k, (role, content) in enumerate(turns):
                if role == "assistant" and content.strip() == "None":
                    pending = f"call_{k}"
                    msgs.append(message("assistant", "", tool_calls=[tool_call(pending, "unknown_tool", {})]))
                elif role == "tool":
                    msgs.append(message("tool", content, name="unknown_tool", tool_call_id=pending))
                else:
                    msgs.append(message(role, content))
            units.append(new_unit(msgs, session_id=f"tau/{f.stem}/{n}", source_format="transcript",
                                  source_files=[str(f.relative_to(realdata))], outcome="success"))
    return units


def real_units(realdata: Path) -> pl.DataFrame:
    return units_frame(toolbench_units(realdata) + tau_units(realdata))
