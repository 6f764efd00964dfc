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

import numpy as np
import polars as pl

from flywheel_assets.feedback import _common as c
from flywheel_assets.feedback.comparison import comparison_pairs
from flywheel_assets.feedback.config import FeedbackConfig, PairsConfig
from flywheel_assets.report import Report
from flywheel_assets.schema import stable_id, to_json

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

EMBED_CHARS = 300  # the gist of a request; long scaffolding would only slow the encoder down
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


@dataclass
class _U:
    row: dict
    msgs: list
    prompt: list
    cont: list
    pkey: str
    first: str
    score: float | None
    rank: int | None
    success: bool | None
    date: object


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


def _units(df: pl.DataFrame, pcfg: PairsConfig) -> list[_U]:
    out = []
    for row in df.iter_rows(named=True):
        msgs = c.messages_of(row)
        prompt, cont = c.split_prompt(msgs)
        attrs = c.attrs_of(row)
        out.append(_U(
            row=row, msgs=msgs, prompt=prompt, cont=cont,
            pkey=c.prompt_key(prompt) if prompt else "",
            first=c.first_user(msgs), score=c.feedback_score(row), rank=_rank_of(attrs),
            success=_outcome_success(row), date=row.get("event_date"),
        ))
    return out


# --------------------------------------------------------------------------------------------------------------
# intent groups (content only)


class _DSU:
    def __init__(self, n: int):
        self.p = list(range(n))

    def find(self, i: int) -> int:
        while self.p[i] != i:
            self.p[i] = self.p[self.p[i]]
            i = self.p[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


@dataclass
class IntentIndex:
    texts: list[str]  # unique normalised first requests, sorted
    vecs: np.ndarray
    group_of_text: dict[str, str]
    fuzzy_threshold: float

    def similarity(self, a: str, b: str) -> float:
        ia, ib = self._idx[a], self._idx[b]
        if ia == ib:
            return 1.0
        cos = float(self.vecs[ia] @ self.vecs[ib])
        from rapidfuzz import fuzz

        if fuzz.ratio(a, b) >= self.fuzzy_threshold:
            return max(cos, 0.99)
        return cos

    def __post_init__(self):
        self._idx = {t: i for i, t in enumerate(self.texts)}


def intent_index(first_requests: list[str], threshold: float, fuzzy_threshold: float = 90.0,
                 backend: str = "auto", dup_links: list[tuple[str, str]] | None = None) -> IntentIndex:
    """Group first user requests by content: union of pairs with cosine >= threshold or fuzzy ratio >= fuzzy
    threshold (on normalised text). ``dup_links`` adds extra equivalences (e.g. same dedup cluster)."""
    from rapidfuzz import fuzz, process

    from flywheel_assets.embeddings import embed

    texts = sorted({c.intent_text(t) for t in first_requests})
    if not texts:
        return IntentIndex([], np.zeros((0, 1), np.float32), {}, fuzzy_threshold)
    vecs = embed([t[:EMBED_CHARS] for t in texts], backend=backend)
    dsu = _DSU(len(texts))
    step = 1024
    for s in range(0, len(texts), step):
        sims = vecs[s:s + step] @ vecs.T
        ii, jj = np.nonzero(sims >= threshold)
        for i, j in zip(ii.tolist(), jj.tolist()):
            if s + i < j:
                dsu.union(s + i, j)
    if len(texts) > 1:
        scores = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=fuzzy_threshold, dtype=np.uint8)
        ii, jj = np.nonzero(scores)
        for i, j in zip(ii.tolist(), jj.tolist()):
            if i < j:
                dsu.union(i, j)
    idx = {t: i for i, t in enumerate(texts)}
    for a, b in dup_links or []:
        na, nb = c.intent_text(a), c.intent_text(b)
        if na in idx and nb in idx:
            dsu.union(idx[na], idx[nb])
    group = {t: "intent:" + stable_id("intent", texts[dsu.find(i)], length=16) for i, t in enumerate(texts)}
    return IntentIndex(texts, vecs, group, fuzzy_threshold)


# --------------------------------------------------------------------------------------------------------------
# pair construction


def _pair(source: str, signal: str, prompt: list, chosen: list, rejected: list, cu: _U, ru: _U, group_id: str,
          weight: float, *, prompt_match: str, similarity: float = 1.0, synthetic: bool = False) -> dict:
    chosen = c.strip_lineage(chosen)
    rejected = c.strip_lineage(rejected)
    prompt = c.strip_lineage(prompt)
    cl, rl = c.text_len(chosen), c.text_len(rejected)
    dates = [d for d in (cu.date, ru.date) if d is not None]
    return {
        "pair_id": stable_id("pair", source, signal, cu.row["unit_id"], ru.row["unit_id"], to_json(prompt),
                             to_json(chosen), to_json(rejected)),
        "pair_source": source,
        "signal": signal,
        "prompt": to_json(prompt),
        "chosen": to_json(chosen),
        "rejected": to_json(rejected),
        "tools": cu.row.get("tools") or "[]",
        "chosen_session_id": cu.row.get("session_id"),
        "rejected_session_id": ru.row.get("session_id"),
        "chosen_unit_id": cu.row["unit_id"],
        "rejected_unit_id": ru.row["unit_id"],
        "group_id": group_id,
        "prompt_match": prompt_match,
        "similarity": float(round(similarity, 6)),
        "chosen_len": cl,
        "rejected_len": rl,
        "length_ratio": float(cl / rl) if rl else float(cl),
        "weight": float(round(weight, 6)),
        "is_synthetic": synthetic,
        "event_date": max(dates) if dates else None,
    }


def _same_cont(a: list, b: list) -> bool:
    return [c.msg_key(m) for m in a] == [c.msg_key(m) for m in b]


def _concise(chosen: list, rejected: list, pcfg: PairsConfig) -> bool:
    cl, rl = c.text_len(chosen), c.text_len(rejected)
    return cl > 0 and rl / cl >= pcfg.concise_min_ratio


def _votes(a: _U, b: _U, pcfg: PairsConfig) -> list[tuple[str, int, float]]:
    """Each comparable signal between two answers on the same scale: (signal, +1 a better / -1 b better, strength)."""
    out = []
    ta, tb = c.thumbs_value(a.row.get("feedback_thumbs")), c.thumbs_value(b.row.get("feedback_thumbs"))
    if ta is not None and tb is not None and ta != tb:
        out.append(("thumbs", 1 if ta > tb else -1, abs(ta - tb)))
    ra, rb = a.row.get("_rating01"), b.row.get("_rating01")
    if pcfg.use_rating and ra is not None and rb is not None and abs(ra - rb) >= pcfg.rating_margin:
        out.append(("rating", 1 if ra > rb else -1, abs(ra - rb)))
    if pcfg.use_rank and a.rank is not None and b.rank is not None and a.rank != b.rank:
        out.append(("rank", 1 if a.rank < b.rank else -1, 0.5 / (1 + min(a.rank, b.rank))))
    return out


def _preference(a: _U, b: _U, pcfg: PairsConfig):
    """(chosen, rejected), signal, strength. Only signals on the same scale are compared (thumbs vs thumbs, rating vs
    rating, rank vs rank); the strongest kind decides (thumbs > rating > rank) and any disagreeing signal -> conflict."""
    votes = _votes(a, b, pcfg)
    if not votes:
        return None, None, 0.0
    if len({d for _, d, _ in votes}) > 1:
        return None, "conflict", 0.0
    signal, d, strength = votes[0]
    return ((a, b) if d > 0 else (b, a)), signal, strength


def _thumbs_pairs(units: list[_U], group_of, pcfg: PairsConfig, stats: dict) -> list[dict]:
    groups: dict[str, list[_U]] = {}
    for u in units:
        if u.cont and (u.row.get("feedback_thumbs") is not None or u.row.get("feedback_rating") is not None
                       or (pcfg.use_rank and u.rank is not None)):
            groups.setdefault(u.pkey, []).append(u)
    out = []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda u: u.row["unit_id"])
        cands = []
        for a, b in combinations(members, 2):
            if _same_cont(a.cont, b.cont):
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
                          _pair(source, signal, cu.prompt, cu.cont, ru.cont, cu, ru, group_of(cu), w,
                                prompt_match="exact")))
        cands.sort(key=lambda t: t[:3])
        if len(cands) > pcfg.max_pairs_per_prompt:
            stats["capped_per_prompt"] = stats.get("capped_per_prompt", 0) + len(cands) - pcfg.max_pairs_per_prompt
        out.extend(t[3] for t in cands[: pcfg.max_pairs_per_prompt])
    return out


def _edit_pairs(units: list[_U], group_of, pcfg: PairsConfig) -> list[dict]:
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
        out.append(_pair(source, signal, u.prompt, chosen, rejected, u, u, group_of(u), 1.0, prompt_match="same_unit"))
    return out


def _complaint_pairs(units: list[_U], group_of, pcfg: PairsConfig) -> list[dict]:
    """In a thread: user asks, assistant answers verbosely, user complains "too long", assistant answers shorter."""
    out = []
    for u in units:
        msgs = u.msgs
        users = [i for i, m in enumerate(msgs) if m["role"] == "user"]
        for k in range(1, len(users)):
            i_prev, i_comp = users[k - 1], users[k]
            comp = c.content(msgs[i_comp])
            if len(comp) > c.COMPLAINT_MAX_CHARS or not c.VERBOSE_RE.search(comp):
                continue
            rejected = msgs[i_prev + 1: i_comp]
            nxt = users[k + 1] if k + 1 < len(users) else len(msgs)
            chosen = msgs[i_comp + 1: nxt]
            if not any(m["role"] == "assistant" for m in rejected) or not any(m["role"] == "assistant" for m in chosen):
                continue
            if c.text_len(chosen) >= c.text_len(rejected) or _same_cont(chosen, rejected):
                continue
            out.append(_pair("concise", "complaint", msgs[: i_prev + 1], chosen, rejected, u, u, group_of(u), 1.0,
                             prompt_match="same_unit"))
    return out


def _common_prefix(a: list, b: list) -> int:
    n = 0
    for x, y in zip(a, b):
        if c.msg_key(x) != c.msg_key(y):
            break
        n += 1
    return n


def _outcome_pairs_single(units: list[_U], index: IntentIndex, group_of, pcfg: PairsConfig, stats: dict) -> list[dict]:
    """Single-request units (one user turn): the whole intent is in that request, matched by the intent index."""
    succ = [u for u in units if u.success is True and u.cont and _n_user(u) == 1]
    fail = [u for u in units if u.success is False and u.cont and _n_user(u) == 1]
    by_group: dict[str, list[_U]] = {}
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
        if _same_cont(chosen, rejected):
            stats["skipped_identical"] = stats.get("skipped_identical", 0) + 1
            continue
        out.append(_pair("outcome", "outcome", prompt, chosen, rejected, s, f, group_of(s), w, prompt_match=match,
                         similarity=1.0 if exact else sim))
    return out


def _n_user(u: _U) -> int:
    return sum(1 for m in u.msgs if m["role"] == "user")


def _answers(u: _U) -> bool:
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


def _outcome_pairs_multi(units: list[_U], group_of, pcfg: PairsConfig, stats: dict) -> list[dict]:
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
        out.append(_pair("outcome", k.signal, k.prompt, k.chosen, k.rejected, s, f, group_of(s), w,
                         prompt_match=k.prompt_match, similarity=m.score))
    stats["outcome_multi_turn_matches"] = len(matches)
    return out


def _outcome_pairs(units: list[_U], index: IntentIndex, group_of, pcfg: PairsConfig, stats: dict) -> list[dict]:
    return _outcome_pairs_single(units, index, group_of, pcfg, stats) + _outcome_pairs_multi(units, group_of, pcfg,
                                                                                              stats)


def _synthetic_pairs(units: list[_U], group_of, pcfg: PairsConfig, n_real: int) -> list[dict]:
    share = min(max(pcfg.synthetic_max_share, 0.0), 0.9)
    cap = int(np.floor(share / (1.0 - share) * n_real)) if share > 0 else 0
    if cap <= 0:
        return []
    cands = []
    for u in units:
        if not u.cont or not (u.success is True or (u.score is not None and u.score >= 0.75)):
            continue
        asked_json = any(c.JSON_ASK_RE.search(c.content(m)) for m in u.prompt)
        ans = c.final_answer(u.cont)
        if asked_json and c.try_parse_json_answer(ans):
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
        if _same_cont(chosen, rej):
            continue
        out.append(_pair("synthetic", signal, u.prompt, chosen, rej, u, u, group_of(u), pcfg.synthetic_weight,
                         prompt_match="same_unit", synthetic=True))
    return out


# --------------------------------------------------------------------------------------------------------------


def mine_pairs(curated: pl.DataFrame, cfg: FeedbackConfig | None = None) -> PairsResult:
    """Mine, deduplicate, length-balance and report preference pairs. Deterministic for a given input + config."""
    from flywheel_assets.feedback.length_balance import balance, length_report

    cfg = cfg or FeedbackConfig()
    pcfg = cfg.pairs
    prepared = c.prepare(curated)
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

    def group_of(u: _U) -> str:
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
        rows = comparison_pairs(prepared, _pair, group_of, reject_only_reasons, stats) + rows
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
        dedup += _synthetic_pairs([u for u in units if u.row["unit_id"] not in reject_only], group_of, pcfg,
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
