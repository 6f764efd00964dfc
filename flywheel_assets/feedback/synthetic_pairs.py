"""Governed synthetic negatives: a successful unit's real trajectory against a corrupted copy of one step (a broken
JSON answer where JSON was asked for, a wrong tool, a dropped argument), capped at ``synthetic_max_share`` of the real
pairs and chosen deterministically by seed."""

from __future__ import annotations

import numpy as np

from flywheel_assets.feedback import messages as c
from flywheel_assets.feedback import signals as ts
from flywheel_assets.feedback.config import PairsConfig
from flywheel_assets.feedback.pair_rows import PairUnit, pair_row, same_continuation
from flywheel_assets.schema import stable_id, to_json


def synthetic_pairs(units: list[PairUnit], group_of, pcfg: PairsConfig, n_real: int) -> list[dict]:
    share = min(max(pcfg.synthetic_max_share, 0.0), 0.9)
    cap = int(np.floor(share / (1.0 - share) * n_real)) if share > 0 else 0
    if cap <= 0:
        return []
    cands = []
    for u in units:
        if not u.cont or not (u.success is True or (u.score is not None and u.score >= 0.75)):
            continue
        asked_json = any(ts.JSON_ASK_RE.search(c.content(m)) for m in u.prompt)
        ans = c.final_answer(u.cont)
        if asked_json and ts.try_parse_json_answer(ans):
            s = ans.rstrip()
            broken = s[:-1] if len(s) > 1 else s + "{"
            last = max(i for i, m in enumerate(u.cont) if m["role"] == "assistant" and c.content(m).strip())
            rej = [dict(m) for m in u.cont[: last + 1]]
            rej[last]["content"] = broken
            cands.append((u, "broken_json", rej))
            continue
        declared = [((t or {}).get("function") or {}).get("name") for t in c.load_json(u.row.get("tools"), [])
                    if isinstance(t, dict)]
        declared = sorted({d for d in declared if d})
        for i, m in enumerate(u.cont):
            calls = m.get("tool_calls") or []
            if m["role"] != "assistant" or not calls:
                continue
            call = calls[0]
            fn = dict(call.get("function") or {})
            others = [d for d in declared if d != fn.get("name")]
            rej_msg = dict(m)
            if others:
                fn["name"] = others[int(stable_id(pcfg.seed, u.row["unit_id"], length=8), 16) % len(others)]
                signal = "wrong_tool"
            else:
                args = c.load_json(fn.get("arguments"), {})
                if not args:
                    break
                k = sorted(args)[0]
                args = {kk: v for kk, v in args.items() if kk != k}
                fn["arguments"] = to_json(args)
                signal = "wrong_args"
            rej_msg["tool_calls"] = [dict(call, function=fn)] + list(calls[1:])
            cands.append((u, signal, u.cont[:i] + [rej_msg]))  # the trajectory diverges at the corrupted call
            break
    cands.sort(key=lambda t: stable_id(pcfg.seed, t[0].row["unit_id"], t[1]))
    out = []
    for u, signal, rej in cands[:cap]:
        # chosen is the real trajectory up to the same step, rejected the corrupted step
        chosen = u.cont[: len(rej)]
        if same_continuation(chosen, rej):
            continue
        out.append(pair_row("synthetic", signal, u.prompt, chosen, rej, u, u, group_of(u), pcfg.synthetic_weight,
                         prompt_match="same_unit", synthetic=True))
    return out
