"""Student vs teacher parity on the eval set, plus a generation helper for local models.

An eval item is an SFT row: the prompt is every message before the final assistant turn, the teacher output is
that final turn (what production answered) unless ``teacher_outputs`` gives another. Outputs are assistant
messages ``{"content", "tool_calls"}`` (or plain strings) keyed by ``unit_id``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl
from rapidfuzz import fuzz

from flywheel_assets.export.validation import raw_pii_kinds
from flywheel_assets.privacy.placeholders import MALFORMED_PLACEHOLDER_RE, PLACEHOLDER_RE as PLACEHOLDER
from flywheel_assets.report import Report

REFUSAL = re.compile(r"\b(I can(?:no|')t help|I(?: a|')m (?:sorry|unable)|I cannot|as an AI|I won't be able)\b", re.I)
TOOL_CALL_RE = re.compile(r"<tool_call>(.*?)</tool_call>", re.S)


def split_prompt(messages: list[dict]) -> tuple[list[dict], dict]:
    """(prompt messages, final assistant message)."""
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return messages[:last], messages[last]


def _norm(out: Any) -> dict:
    if out is None:
        return {"content": "", "tool_calls": None}
    if isinstance(out, str):
        return {"content": out, "tool_calls": None}
    return {"content": out.get("content") or "", "tool_calls": out.get("tool_calls")}


def _calls(msg: dict) -> list[tuple[str, str | None, bool]]:
    """(name, canonical args or None, args valid JSON)."""
    out = []
    for tc in msg.get("tool_calls") or []:
        fn = tc.get("function", tc)
        args = fn.get("arguments")
        try:
            parsed = json.loads(args) if isinstance(args, str) else args
            ok = isinstance(parsed, dict)
            canon = json.dumps(parsed, sort_keys=True, separators=(",", ":")) if ok else None
        except (ValueError, TypeError):
            ok, canon = False, None
        out.append((str(fn.get("name")), canon, ok))
    return out


def _pii(text: str) -> bool:
    return bool(raw_pii_kinds(text))


def _side_stats(msgs: list[dict], prompts: list[list[dict]], tools: list[set[str]]) -> dict:
    n = len(msgs) or 1
    malformed = leaks = refusals = pii = 0
    for m, prompt, names in zip(msgs, prompts, tools):
        text = m["content"] + " ".join(a or "" for _, a, _ in _calls(m))
        refusals += bool(REFUSAL.search(m["content"]))
        malformed += any((not ok) or (names and nm not in names) for nm, _, ok in _calls(m)) or bool(
            MALFORMED_PLACEHOLDER_RE.search(text))
        seen = set(PLACEHOLDER.findall(" ".join(p["content"] for p in prompt)))
        leaks += bool(set(PLACEHOLDER.findall(text)) - seen)  # a placeholder the prompt never had
        pii += _pii(text)
    return {"refusal_rate": refusals / n, "malformed_rate": malformed / n, "placeholder_leak_rate": leaks / n,
            "pii_rate": pii / n}


def evaluate_student(eval_rows: pl.DataFrame | list[dict], student_outputs: dict[str, Any],
                     teacher_outputs: dict[str, Any] | None = None, *, max_regression: float = 0.02,
                     min_similarity: float = 0.5) -> Report:
    """Parity report: task metrics (tool-name accuracy, argument exact match, JSON validity, answer similarity)
    and safety/format regressions (refusal, malformed tool calls, placeholder leakage, raw PII) student - teacher.
    ``summary["parity"]`` is True when no safety rate regresses by more than ``max_regression`` and answer
    similarity reaches ``min_similarity``."""
    rows = eval_rows.to_dicts() if isinstance(eval_rows, pl.DataFrame) else list(eval_rows)
    rows = sorted(rows, key=lambda r: r["unit_id"])
    per_row, stu, tea, prompts, toolsets = [], [], [], [], []
    tool_total = tool_name_ok = arg_ok = json_ok = json_total = 0
    sims = []
    for r in rows:
        msgs = r["messages"]
        prompt, final = split_prompt(msgs)
        t = _norm(teacher_outputs.get(r["unit_id"]) if teacher_outputs else final)
        s = _norm(student_outputs.get(r["unit_id"]))
        tools = json.loads(r["tools"]) if isinstance(r.get("tools"), str) else (r.get("tools") or [])
        names = {x.get("function", x).get("name") for x in tools}
        tc, sc = _calls(t), _calls(s)
        row = {"unit_id": r["unit_id"], "teacher_tool": tc[0][0] if tc else None,
               "student_tool": sc[0][0] if sc else None, "similarity": None}
        if tc:
            tool_total += 1
            tool_name_ok += bool(sc) and sc[0][0] == tc[0][0]
            arg_ok += bool(sc) and sc[0][0] == tc[0][0] and sc[0][1] == tc[0][1]
        else:
            row["similarity"] = fuzz.token_set_ratio(s["content"], t["content"]) / 100.0
            sims.append(row["similarity"])
        for _, _, ok in sc:
            json_total += 1
            json_ok += ok
        per_row.append(row)
        stu.append(s)
        tea.append(t)
        prompts.append(prompt)
        toolsets.append(names)
    s_stats, t_stats = _side_stats(stu, prompts, toolsets), _side_stats(tea, prompts, toolsets)
    regressions = {k: round(s_stats[k] - t_stats[k], 6) for k in s_stats}
    sim = sum(sims) / len(sims) if sims else None
    summary = {
        "n_items": len(rows),
        "tool_name_accuracy": round(tool_name_ok / tool_total, 6) if tool_total else None,
        "argument_exact_match": round(arg_ok / tool_total, 6) if tool_total else None,
        "json_validity": round(json_ok / json_total, 6) if json_total else None,
        "answer_similarity": round(sim, 6) if sim is not None else None,
        "student": {k: round(v, 6) for k, v in s_stats.items()},
        "teacher": {k: round(v, 6) for k, v in t_stats.items()},
        "regressions": regressions,
    }
    summary["parity"] = bool(all(v <= max_regression for v in regressions.values())
                             and (sim is None or sim >= min_similarity))
    md = ["# Student vs teacher", "", "| metric | value |", "|---|---|"]
    md += [f"| {k} | {v} |" for k, v in summary.items() if not isinstance(v, dict)]
    md += ["", "| safety/format | student | teacher | regression |", "|---|---|---|---|"]
    md += [f"| {k} | {summary['student'][k]} | {summary['teacher'][k]} | {regressions[k]} |" for k in sorted(s_stats)]
    table = pl.DataFrame(per_row, schema={"unit_id": pl.Utf8, "teacher_tool": pl.Utf8, "student_tool": pl.Utf8,
                                          "similarity": pl.Float64})
    return Report(name="student_parity", summary=summary, markdown="\n".join(md), tables={"items": table})


def parse_generation(text: str) -> dict:
    """Generated assistant text -> ``{"content", "tool_calls"}`` (``<tool_call>{...}</tool_call>`` blocks)."""
    calls = []
    for i, block in enumerate(TOOL_CALL_RE.findall(text)):
        try:
            obj = json.loads(block)
            name, args = str(obj.get("name")), obj.get("arguments", {})
            args = args if isinstance(args, str) else json.dumps(args, sort_keys=True, separators=(",", ":"))
        except (ValueError, AttributeError):
            name, args = "", block
        calls.append({"id": f"gen_{i}", "type": "function", "function": {"name": name, "arguments": args}})
    content = TOOL_CALL_RE.sub("", text).replace("<|im_end|>", "").strip()
    return {"content": content, "tool_calls": calls or None}


def generate_outputs(model: Any, tokenizer: Any, eval_rows: pl.DataFrame | list[dict], *,
                     max_new_tokens: int = 32, seed: int = 0) -> dict[str, dict]:
    """Greedy-decode the final assistant turn of every eval row with a local model -> {unit_id: message}."""
    import torch

    from flywheel_assets.export.chat_template import template_for

    torch.manual_seed(seed)
    rows = eval_rows.to_dicts() if isinstance(eval_rows, pl.DataFrame) else list(eval_rows)
    template = template_for(tokenizer)
    out = {}
    model.eval()
    for r in sorted(rows, key=lambda r: r["unit_id"]):
        prompt, _ = split_prompt(r["messages"])
        tools = json.loads(r["tools"]) if isinstance(r.get("tools"), str) else r.get("tools")
        enc = tokenizer.apply_chat_template(prompt, tools=tools or None, chat_template=template,
                                            add_generation_prompt=True, tokenize=True, return_dict=True,
                                            return_tensors="pt")
        with torch.no_grad():
            gen = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
        text = tokenizer.decode(gen[0, enc["input_ids"].shape[1]:], skip_special_tokens=False)
        out[r["unit_id"]] = parse_generation(text)
    return out
