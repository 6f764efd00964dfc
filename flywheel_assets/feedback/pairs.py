"""DPO preference pairs mined from feedback.

Sources (``pair_source``):

- ``thumbs``: answers to the same prompt (same normalised prompt prefix) with different feedback: thumbs up vs down,
  else a rating margin, else human rank among siblings (``attributes.rank``, OpenAssistant style; ``signal='rank'``);
- ``edit``: the user's edited answer chosen over the model's;
- ``outcome``: a successful vs a failed trajectory for the same intent. Intent is matched from content only
  (near-duplicate / embedding similarity of the first user request), never from ids in the logs. The prompt is the
  shared prefix (system + user, extended over identical leading steps), chosen/rejected the diverging continuations;
  for paraphrased requests the prompt is the chosen unit's and the pair is down-weighted (``prompt_match``);
- ``concise``: the concise answer over a verbose one where feedback prefers it (a feedback pair whose chosen is much
  shorter, an edit that shortened the answer, or "too long" complaints followed by a shorter answer in a thread);
- ``synthetic``: governed synthetic negatives (broken JSON, wrong tool, wrong arguments); off by default, capped in
  share, always ``is_synthetic``.

Output: one row per pair (:data:`PAIR_SCHEMA`), after length balancing (see :mod:`length_balance`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import combinations

import polars as pl

from flywheel_assets.feedback import messages as c
from flywheel_assets.feedback import scores as sc
from flywheel_assets.feedback import signals as ts
from flywheel_assets.feedback.comparison import comparison_pairs
from flywheel_assets.feedback.config import FeedbackConfig, PairsConfig
from flywheel_assets.feedback.intent_index import IntentIndex, intent_index
from flywheel_assets.feedback.pair_rows import PairUnit, pair_row, same_continuation
from flywheel_assets.feedback.synthetic_pairs import synthetic_pairs
from flywheel_assets.report import Report

PAIR_SCHEMA: dict[str, pl.DataType] = {
    "pair_id": pl.Utf8,
    "pair_source": pl.Utf8,  # thumbs | edit | outcome | concise | synthetic | comparison
    # finer signal: thumbs | rating | rank | edit | edit_shortened | complaint | outcome | broken_json | wrong_tool
    # | wrong_args
    "signal": pl.Utf8,
    "prompt": pl.Utf8,  # JSON list of canonical messages
    "chosen": pl.Utf8,  # JSON list of continuation messages
    "rejected": pl.Utf8,
    "tools": pl.Utf8,
    "chosen_session_id": pl.Utf8,
    "rejected_session_id": pl.Utf8,
    "chosen_unit_id": pl.Utf8,
    "rejected_unit_id": pl.Utf8,
    "group_id": pl.Utf8,  # intent group (content-matched, merged with dup clusters) for leakage-free splits
    "prompt_match": pl.Utf8,  # same_unit | exact | paraphrase
    "similarity": pl.Float64,  # first-request similarity (outcome pairs), 1.0 otherwise
    "chosen_len": pl.Int64,
    "rejected_len": pl.Int64,
    "length_ratio": pl.Float64,  # chosen_len / rejected_len (rejected_len 0 -> chosen_len)
    "weight": pl.Float64,
    "is_synthetic": pl.Boolean,
    "event_date": pl.Date,
}

SOURCES = ("thumbs", "edit", "outcome", "concise", "synthetic", "comparison")


@dataclass
class PairsResult:
    pairs: pl.DataFrame  # usable pairs (length-balanced)
    dropped: pl.DataFrame  # PAIR_SCHEMA + drop_reason (extreme ratio, identical, empty rejected)
    report: Report
    stats: dict = field(default_factory=dict)


def preference_pairs(curated: pl.DataFrame, cfg: FeedbackConfig | None = None) -> pl.DataFrame:
    """The contract the Dagster layer calls: usable, length-balanced pairs (PAIR_SCHEMA), sorted by pair_id."""
    return mine_pairs(curated, cfg).pairs


# --------------------------------------------------------------------------------------------------------------
# unit view


def _rank_of(attrs: dict) -> int | None:
    r = attrs.get("rank")
    if r is None:
        fb = attrs.get("feedback")
        if isinstance(fb, dict):
            fb = [fb]
        if isinstance(fb, list):
            for f in fb:
                if isinstance(f, dict) and f.get("rank") is not None:
                    r = f.get("rank")
    try:
        return None if r is None or isinstance(r, bool) else int(r)
    except (TypeError, ValueError):
        return None


def _outcome_success(row: dict) -> bool | None:
    o = row.get("outcome")
    if o == "success":
        return True
    if o == "failure":
        return False
    rew = row.get("reward")
    if isinstance(rew, (int, float)) and rew == rew:
        if rew >= 0.5:
            return True
        if rew <= 0.0:
            return False
    return None


def _units(df: pl.DataFrame, pcfg: PairsConfig) -> list[PairUnit]:
    out = []
    for row in df.iter_rows(named=True):
        msgs = c.messages_of(row)
        prompt, cont = c.split_prompt(msgs)
        attrs = c.attrs_of(row)
        out.append(PairUnit(
            row=row, msgs=msgs, prompt=prompt, cont=cont,
            pkey=c.prompt_key(prompt) if prompt else "",
            first=c.first_user(msgs), score=sc.feedback_score(row), rank=_rank_of(attrs),
            success=_outcome_success(row), date=row.get("event_date"),
        ))
    return out


# --------------------------------------------------------------------------------------------------------------
# pair construction


def _concise(chosen: list, rejected: list, pcfg: PairsConfig) -> bool:
    cl, rl = c.text_len(chosen), c.text_len(rejected)
    return cl > 0 and rl / cl >= pcfg.concise_min_ratio


def _votes(a: PairUnit, b: PairUnit, pcfg: PairsConfig) -> list[tuple[str, int, float]]:
    """Each comparable signal between two answers on the same scale: (signal, +1 a better / -1 b better, strength)."""
    out = []
    ta, tb = sc.thumbs_value(a.row.get("feedback_thumbs")), sc.thumbs_value(b.row.get("feedback_thumbs"))
    if ta is not None and tb is not None and ta != tb:
        out.append(("thumbs", 1 if ta > tb else -1, abs(ta - tb)))
    ra, rb = a.row.get("_rating01"), b.row.get("_rating01")
    if pcfg.use_rating and ra is not None and rb is not None and abs(ra - rb) >= pcfg.rating_margin:
        out.append(("rating", 1 if ra > rb else -1, abs(ra - rb)))
    if pcfg.use_rank and a.rank is not None and b.rank is not None and a.rank != b.rank:
        out.append(("rank", 1 if a.rank < b.rank else -1, 0.5 / (1 + min(a.rank, b.rank))))
    return out


def _preference(a: PairUnit, b: PairUnit, pcfg: PairsConfig):
    """(chosen, rejected), signal, strength. Only signals on the same scale are compared (thumbs vs thumbs, rating vs
    rating, rank vs rank); the strongest kind decides (thumbs > rating > rank) and any disagreeing signal -> conflict."""
    votes = _votes(a, b, pcfg)
    if not votes:
        return None, None, 0.0
    if len({d for _, d, _ in votes}) > 1:
        return None, "conflict", 0.0
    signal, d, strength = votes[0]
    return ((a, b) if d > 0 else (b, a)), signal, strength


def _thumbs_pairs(units: list[PairUnit], group_of, pcfg: PairsConfig, stats: dict) -> list[dict]:
    groups: dict[str, list[PairUnit]] = {}
    for u in units:
        if u.cont and (u.row.get("feedback_thumbs") is not None or u.row.get("feedback_rating") is not None
                       or (pcfg.use_rank and u.rank is not None)):
            groups.setdefault(u.pkey, []).append(u)
    out = []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda u: u.row["unit_id"])
        cands = []
        for a, b in combinations(members, 2):
            if same_continuation(a.cont, b.cont):
                stats["skipped_identical"] = stats.get("skipped_identical", 0) + 1
                continue
            pref, signal, strength = _preference(a, b, pcfg)
            if signal == "conflict":
                stats["skipped_conflicting"] = stats.get("skipped_conflicting", 0) + 1
                continue
            if pref is None:
                continue
            cu, ru = pref
            w = 1.0 if signal != "rank" else pcfg.rank_weight
            source = "concise" if _concise(cu.cont, ru.cont, pcfg) else "thumbs"
            cands.append((-strength, cu.row["unit_id"], ru.row["unit_id"],
                          pair_row(source, signal, cu.prompt, cu.cont, ru.cont, cu, ru, group_of(cu), w,
                                prompt_match="exact")))
        cands.sort(key=lambda t: t[:3])
        if len(cands) > pcfg.max_pairs_per_prompt:
            stats["capped_per_prompt"] = stats.get("capped_per_prompt", 0) + len(cands) - pcfg.max_pairs_per_prompt
        out.extend(t[3] for t in cands[: pcfg.max_pairs_per_prompt])
    return out


def _edit_pairs(units: list[PairUnit], group_of, pcfg: PairsConfig) -> list[dict]:
    out = []
    for u in units:
        edited = u.row.get("edited_response")
        if not isinstance(edited, str) or not edited.strip() or not u.cont:
            continue
        orig = c.final_answer(u.cont)
        if c.norm_light(edited) == c.norm_light(orig):
            continue
        # chosen: the continuation with its final answer replaced by the user's edit
        last = max(i for i, m in enumerate(u.cont)
                   if m["role"] == "assistant" and (c.content(m).strip() or not orig))
        new_last = dict(u.cont[last])
        new_last["content"] = edited
        new_last["tool_calls"] = None
        chosen = u.cont[:last] + [new_last]
        rejected = u.cont[: last + 1]
        source, signal = ("concise", "edit_shortened") if _concise(chosen, rejected, pcfg) else ("edit", "edit")
        out.append(pair_row(source, signal, u.prompt, chosen, rejected, u, u, group_of(u), 1.0,
                            prompt_match="same_unit"))
    return out


def _complaint_pairs(units: list[PairUnit], group_of, pcfg: PairsConfig) -> list[dict]:
    """In a thread: user asks, assistant answers verbosely, user complains "too long", assistant answers shorter."""
    out = []
    for u in units:
        msgs = u.msgs
        users = [i for i, m in enumerate(msgs) if m["role"] == "user"]
        for k in range(1, len(users)):
            i_prev, i_comp = users[k - 1], users[k]
            comp = c.content(msgs[i_comp])
            if len(comp) > ts.COMPLAINT_MAX_CHARS or not ts.VERBOSE_RE.search(comp):
                continue
            rejected = msgs[i_prev + 1: i_comp]
            nxt = users[k + 1] if k + 1 < len(users) else len(msgs)
            chosen = msgs[i_comp + 1: nxt]
            if not any(m["role"] == "assistant" for m in rejected) or not any(m["role"] == "assistant" for m in chosen):
                continue
            if c.text_len(chosen) >= c.text_len(rejected) or same_continuation(chosen, rejected):
                continue
            out.append(pair_row("concise", "complaint", msgs[: i_prev + 1], chosen, rejected, u, u, group_of(u), 1.0,
                             prompt_match="same_unit"))
    return out


def _common_prefix(a: list, b: list) -> int:
    n = 0
    for x, y in zip(a, b):
        if c.msg_key(x) != c.msg_key(y):
            break
        n += 1
    return n


def _outcome_pairs_single(units: list[PairUnit], index: IntentIndex, group_of, pcfg: PairsConfig,
                          stats: dict) -> list[dict]:
    """Single-request units (one user turn): the whole intent is in that request, matched by the intent index."""
    succ = [u for u in units if u.success is True and u.cont and _n_user(u) == 1]
    fail = [u for u in units if u.success is False and u.cont and _n_user(u) == 1]
    by_group: dict[str, list[PairUnit]] = {}
    for u in succ:
        by_group.setdefault(index.group_of_text[c.intent_text(u.first)], []).append(u)
    used: dict[str, int] = {}
    out = []
    for f in sorted(fail, key=lambda u: u.row["unit_id"]):
        nf = c.intent_text(f.first)
        cands = []
        for s in by_group.get(index.group_of_text[nf], []):
            if s.row["unit_id"] == f.row["unit_id"]:
                continue
            sim = index.similarity(nf, c.intent_text(s.first))
            exact = s.pkey == f.pkey
            if exact or sim >= pcfg.intent_threshold:
                cands.append((0 if exact else 1, -sim, used.get(s.row["unit_id"], 0), s.row["unit_id"], s, sim))
        if not cands:
            continue
        cands.sort(key=lambda t: t[:4])
        pick = next((t for t in cands if used.get(t[3], 0) < pcfg.max_pairs_per_prompt), None)
        if pick is None:
            stats["capped_per_prompt"] = stats.get("capped_per_prompt", 0) + 1
            continue
        exact, s, sim = pick[0] == 0, pick[4], pick[5]
        used[s.row["unit_id"]] = used.get(s.row["unit_id"], 0) + 1
        if exact:
            # extend the shared prefix over identical leading steps; continuations must start with an assistant turn
            n = _common_prefix(s.msgs, f.msgs)
            n = max(n, len(s.prompt))
            while n > len(s.prompt) and not (n < len(s.msgs) and n < len(f.msgs)
                                             and s.msgs[n]["role"] == "assistant" and f.msgs[n]["role"] == "assistant"):
                n -= 1
            prompt, chosen, rejected = s.msgs[:n], s.msgs[n:], f.msgs[n:]
            w, match = 1.0, "exact"
        else:
            prompt, chosen, rejected = s.prompt, s.cont, f.cont
            w, match = pcfg.paraphrase_weight, "paraphrase"
        if same_continuation(chosen, rejected):
            stats["skipped_identical"] = stats.get("skipped_identical", 0) + 1
            continue
        out.append(pair_row("outcome", "outcome", prompt, chosen, rejected, s, f, group_of(s), w, prompt_match=match,
                         similarity=1.0 if exact else sim))
    return out


def _n_user(u: PairUnit) -> int:
    return sum(1 for m in u.msgs if m["role"] == "user")


def _answers(u: PairUnit) -> bool:
    """The run has an assistant turn after a user turn (something an agent did for the user)."""
    seen_user = False
    for m in u.msgs:
        if m["role"] == "user":
            seen_user = True
        elif m["role"] == "assistant" and seen_user:
            return True
    return False


def _digests_of(row: dict) -> list[str]:
    try:
        d = json.loads(row.get("pii_digests") or "[]")
    except (TypeError, ValueError):
        return []
    return [x for x in d if isinstance(x, str)] if isinstance(d, list) else []


def _outcome_pairs_multi(units: list[PairUnit], group_of, pcfg: PairsConfig, stats: dict) -> list[dict]:
    """Multi-turn trajectories: intent from the whole user side and the actions (:mod:`intent`), the pair cut where
    the two runs diverge (:mod:`divergence`)."""
    from flywheel_assets.feedback.divergence import cut
    from flywheel_assets.feedback.intent import intent_features, match_outcomes, similarity_matrix

    cands = sorted((u for u in units if u.success is not None and _n_user(u) > 1 and _answers(u)),
                   key=lambda u: u.row["unit_id"])
    if not any(u.success is False for u in cands) or not any(u.success is True for u in cands):
        return []
    # keyed digests of the values redaction replaced (clean zone, ``redact_units``); absent on unredacted input
    digests = [_digests_of(u.row) for u in cands]
    feats = intent_features([u.msgs for u in cands], digests=digests)
    sim = similarity_matrix(feats, backend=pcfg.embedding_backend).total
    matches, skipped = match_outcomes(sim, [u.success for u in cands], pcfg.outcome_threshold, pcfg.outcome_margin,
                                      pcfg.outcome_same_as, pcfg.outcome_mutual_k)
    for k, v in skipped.items():
        stats["outcome_skipped_" + k] = stats.get("outcome_skipped_" + k, 0) + v
    out = []
    for m in matches:
        s, f = cands[m.success], cands[m.failure]
        k = cut(s.msgs, f.msgs)
        if k is None:
            stats["outcome_skipped_no_divergence"] = stats.get("outcome_skipped_no_divergence", 0) + 1
            continue
        w = 1.0 if k.prompt_match == "exact" else pcfg.paraphrase_weight
        out.append(pair_row("outcome", k.signal, k.prompt, k.chosen, k.rejected, s, f, group_of(s), w,
                         prompt_match=k.prompt_match, similarity=m.score))
    stats["outcome_multi_turn_matches"] = len(matches)
    return out


def _outcome_pairs(units: list[PairUnit], index: IntentIndex, group_of, pcfg: PairsConfig, stats: dict) -> list[dict]:
    return _outcome_pairs_single(units, index, group_of, pcfg, stats) + _outcome_pairs_multi(units, group_of, pcfg,
                                                                                              stats)


# --------------------------------------------------------------------------------------------------------------


def mine_pairs(curated: pl.DataFrame, cfg: FeedbackConfig | None = None) -> PairsResult:
    """Mine, deduplicate, length-balance and report preference pairs. Deterministic for a given input + config."""
    from flywheel_assets.feedback.length_balance import balance, length_report

    cfg = cfg or FeedbackConfig()
    pcfg = cfg.pairs
    prepared = sc.prepare(curated)
    reject_only_reasons = list(pcfg.reject_only_reasons)
    df = prepared.filter(pl.col("kept").fill_null(True)
                         | pl.col("filter_reason").is_in(reject_only_reasons).fill_null(False))
    reject_only = set(prepared.filter(~pl.col("kept").fill_null(True)
                                      & pl.col("filter_reason").is_in(reject_only_reasons).fill_null(False))
                      ["unit_id"].to_list())
    units = _units(df, pcfg)
    stats: dict = {"units_in": len(units)}

    links = []
    dup_first: dict[str, str] = {}
    for u in units:
        d = u.row.get("dup_cluster_id")
        if d:
            if d in dup_first:
                links.append((dup_first[d], u.first))
            else:
                dup_first[d] = u.first
    index = intent_index([u.first for u in units if u.cont], pcfg.intent_threshold, pcfg.intent_fuzzy_threshold,
                         backend=pcfg.embedding_backend, dup_links=links)

    def group_of(u: PairUnit) -> str:
        return index.group_of_text.get(c.intent_text(u.first), "intent:none")

    rows: list[dict] = []
    if "edit" in pcfg.sources or "concise" in pcfg.sources:
        rows += _edit_pairs(units, group_of, pcfg)
    if "concise" in pcfg.sources:
        rows += _complaint_pairs(units, group_of, pcfg)
    if "thumbs" in pcfg.sources or "concise" in pcfg.sources:
        rows += _thumbs_pairs(units, group_of, pcfg, stats)
    if "outcome" in pcfg.sources:
        rows += _outcome_pairs(units, index, group_of, pcfg, stats)
    rows = [r for r in rows if r["pair_source"] in pcfg.sources]
    # a unit curation filtered for a bad answer may only be rejected (or the original of its own edit pair)
    rows = [r for r in rows if r["chosen_unit_id"] not in reject_only
            or (r["chosen_unit_id"] == r["rejected_unit_id"] and str(r["signal"]).startswith("edit"))]
    stats["reject_only_units"] = len(reject_only)
    if "comparison" in pcfg.sources:  # explicit A/B picks (own unit rules, see feedback.comparison); first in dedup
        rows = comparison_pairs(prepared, pair_row, group_of, reject_only_reasons, stats) + rows
    # deduplicate: earlier sources win (edit/concise > thumbs > outcome)
    seen, dedup = set(), []
    for r in rows:
        cu, ru = r["chosen_unit_id"], r["rejected_unit_id"]
        # two units are compared once (whatever the source); within one unit, distinct texts are distinct pairs
        key = (min(cu, ru), max(cu, ru)) if cu != ru else (cu, r["chosen"], r["rejected"])
        if key in seen:
            continue
        seen.add(key)
        dedup.append(r)
    if "synthetic" in pcfg.sources:
        # the cap is a share of the pairs that are *used*: count the real pairs that survive length balancing
        real = pl.DataFrame(dedup, schema=PAIR_SCHEMA) if dedup else pl.DataFrame(schema=PAIR_SCHEMA)
        n_real = balance(real.unique(subset=["pair_id"], keep="first").sort("pair_id"), cfg.length)[0].height
        dedup += synthetic_pairs([u for u in units if u.row["unit_id"] not in reject_only], group_of, pcfg,
                                  n_real=n_real)
    pairs = pl.DataFrame(dedup, schema=PAIR_SCHEMA) if dedup else pl.DataFrame(schema=PAIR_SCHEMA)
    pairs = pairs.unique(subset=["pair_id"], keep="first").sort("pair_id")
    kept, dropped = balance(pairs, cfg.length)
    stats.update({
        "pairs_raw": pairs.height,
        "pairs": kept.height,
        "dropped": dropped.height,
        "by_source": {s: int(kept.filter(pl.col("pair_source") == s).height) for s in SOURCES},
        "intent_groups": len(set(index.group_of_text.values())),
    })
    report = length_report(kept, dropped, cfg.length)
    report.name = "preference_pairs"
    report.summary.update({k: v for k, v in stats.items() if not isinstance(v, dict)})
    report.summary["by_source"] = stats["by_source"]
    src_md = "\n".join(f"| {s} | {n} |" for s, n in stats["by_source"].items())
    report.markdown = (f"# Preference pairs\n\n{kept.height} pairs kept, {dropped.height} dropped "
                       f"(from {len(units)} kept units).\n\n| source | pairs |\n|---|---|\n{src_md}\n\n"
                       + report.markdown)
    return PairsResult(pairs=kept, dropped=dropped, report=report, stats=stats)


def pair_messages(row: dict) -> tuple[list, list, list]:
    """Decode a pair row's prompt / chosen / rejected JSON."""
    return json.loads(row["prompt"]), json.loads(row["chosen"]), json.loads(row["rejected"])
