"""feedback/messages.py, the message accessors of a unit row, on real units (OpenAssistant trees, ToolBench runs):
the prompt/continuation split cuts at the last user turn and loses nothing, the first request and final answer are
the turns they name, identity keys ignore lineage but not content, and a broken row gives empty structures."""

from __future__ import annotations

import pytest

from flywheel_assets.feedback import messages as c
from flywheel_assets_tests.feedback.real_units import real_units


@pytest.fixture(scope="module")
def rows(realdata, pii_key) -> list[dict]:
    return list(real_units(realdata, pii_key).iter_rows(named=True))


def test_prompt_split_first_request_and_final_answer(rows):
    assert {r["source_format"] for r in rows} >= {"oasst", "toolbench"}
    n_split = 0
    for row in rows:
        msgs = c.messages_of(row)
        assert msgs, row["unit_id"]
        prompt, cont = c.split_prompt(msgs)
        users = [i for i, m in enumerate(msgs) if m["role"] == "user"]
        if not prompt:  # no user turn, or no assistant turn after the last one
            assert cont == [] and (not users or all(m["role"] != "assistant" for m in msgs[users[-1] + 1:]))
            continue
        n_split += 1
        assert prompt + cont == msgs and len(prompt) == users[-1] + 1
        assert any(m["role"] == "assistant" for m in cont)
        assert c.first_user(msgs) == c.content(msgs[users[0]])
        answers = [c.content(m) for m in msgs if m["role"] == "assistant" and c.content(m).strip()]
        assert c.final_answer(msgs) == (answers[-1] if answers else "")
    assert n_split > 0


def test_identity_keys_ignore_lineage_not_content(rows):
    prompts = {}
    for row in rows:
        prompt, _ = c.split_prompt(c.messages_of(row))
        if not prompt:
            continue
        key = c.prompt_key(prompt)
        assert key == c.prompt_key(c.strip_lineage(prompt))  # event ids are lineage, not identity
        assert all(m["event_ids"] == [] for m in c.strip_lineage(prompt))
        changed = prompt[:-1] + [{**prompt[-1], "content": c.content(prompt[-1]) + " (and one more thing)"}]
        assert c.prompt_key(changed) != key
        prompts.setdefault(key, set()).add(tuple(c.msg_key(m) for m in prompt))
    # one key per distinct prompt: OpenAssistant siblings share their prompt, so keys repeat, but never collide
    assert len(prompts) > 1 and all(len(v) == 1 for v in prompts.values())


def test_text_len_and_tools_called_on_real_tool_runs(rows):
    runs = [c.messages_of(r) for r in rows if r["source_format"] == "toolbench"]
    assert runs
    for msgs in runs:
        calls = [tc for m in msgs for tc in (m.get("tool_calls") or [])]
        assert c.tools_called(msgs) == [tc["function"]["name"] for tc in calls if tc["function"].get("name")]
        assert c.text_len(msgs) == sum(len(c.content(m)) for m in msgs) + sum(
            len(tc["function"].get("name") or "") + len(tc["function"].get("arguments") or "") for tc in calls)
    assert any(c.tools_called(m) for m in runs)


def test_broken_rows_give_empty_structures():
    assert c.messages_of({"messages": "[{not json"}) == [] and c.messages_of({}) == []
    kept = c.messages_of({"messages": '[1, {"role": 2}, {"role": "user", "content": null}]'})
    assert kept == [{"role": "user", "content": None}] and c.content(kept[0]) == ""
    assert c.attrs_of({"attributes": "[]"}) == {} and c.attrs_of({"attributes": "{broken"}) == {}
    assert c.parse_args('{"_raw": "x"}') is None and c.parse_args("[1]") is None and c.parse_args("{") is None
    assert c.parse_args('{"order_id": "A1"}') == {"order_id": "A1"}
    assert c.split_prompt([{"role": "assistant", "content": "hi"}]) == ([], [])
