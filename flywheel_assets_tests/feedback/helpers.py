"""Builders of realistic (redacted) curated units for the feedback tests."""

from __future__ import annotations

from datetime import date

import polars as pl

from flywheel_assets.schema import message, new_unit, tool_call, units_frame

SYS = "You are a helpful support assistant for an online shop."


def qa(session: str, question: str, answer: str, *, system: str = SYS, day: int = 1, **kw) -> dict:
    msgs = ([message("system", system)] if system else []) + [message("user", question), message("assistant", answer)]
    return new_unit(msgs, session_id=session, event_date=date(2026, 11, day), **kw)


def thread(session: str, turns: list[tuple[str, str]], *, day: int = 1, **kw) -> dict:
    msgs = [message("system", SYS)]
    for role, text in turns:
        msgs.append(message(role, text))
    return new_unit(msgs, session_id=session, event_date=date(2026, 11, day), **kw)


REFUND_TOOL = {"type": "function", "function": {
    "name": "issue_refund", "description": "Refund an order",
    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}},
                   "required": ["order_id", "amount"]}}}
LOOKUP_TOOL = {"type": "function", "function": {
    "name": "get_order", "description": "Look up an order",
    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}}}


def trajectory(session: str, request: str, calls: list[tuple[str, dict, str]], final: str, *, day: int = 1,
               tools=(REFUND_TOOL, LOOKUP_TOOL), **kw) -> dict:
    msgs = [message("system", SYS), message("user", request)]
    for i, (name, args, result) in enumerate(calls):
        cid = f"call_{i}"
        msgs.append(message("assistant", "", tool_calls=[tool_call(cid, name, args)]))
        msgs.append(message("tool", result, name=name, tool_call_id=cid))
    msgs.append(message("assistant", final))
    return new_unit(msgs, session_id=session, tools=list(tools), event_date=date(2026, 11, day), **kw)


def frame(rows: list[dict], **extra_cols) -> pl.DataFrame:
    df = units_frame(rows)
    for k, v in extra_cols.items():
        df = df.with_columns(pl.Series(k, v))
    return df
