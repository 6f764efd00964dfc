"""Intent of a multi-turn agent trajectory, read from the whole user side and the actions (outcome pairs).

Evidence (never the system prompt, which every session of a deployment shares, and never ids from the logs'
metadata):

- **user side**: every user turn. Whole turns that recur in many sessions (greetings, "thanks", stop tokens) are
  boilerplate learned from the corpus itself (document frequency of the normalised turn), not from a word list;
  the remaining text is compared by TF-IDF (IDF over sessions, so shared phrasing weighs little) and by the
  project's sentence embeddings (mean of the turn vectors);
- **actions**: the tool-call signature (tool names and ``name(arg keys)``), IDF-weighted;
- **identifying values**: tokens that look like identifiers (letters + digits, long digit runs) in tool-call
  arguments and user turns, normalised (case, leading ``#``), IDF-weighted so an order / reservation / booking id
  shared by two runs is strong evidence and a catalogue id seen everywhere is none. Redaction placeholders
  (``<PERSON_1>``) are numbered per session, so they say nothing across sessions and are removed first; instead
  the keyed digests of the values redaction replaced (``pii_digests``, clean zone only: HMAC under the PII key,
  never the value) join the identifying values, so the same user id, name or e-mail in two runs counts.

:func:`intent_features` builds the per-unit features; :func:`similarity_matrix` gives the combined similarity of
every pair of units (0..1, symmetric). Pure numpy / scikit-learn, deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from flywheel_assets.feedback import messages as c
from flywheel_assets.jsontext import json_leaves
from flywheel_assets.privacy.placeholders import PLACEHOLDER_RE

# an identifier: a token with a digit and >= 4 chars (W2378156, HAT170, L1002) once placeholders are gone
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*[A-Za-z0-9]")
_WS = re.compile(r"\s+")
EMBED_CHARS = 1200


@dataclass(frozen=True)
class IntentWeights:
    """Weights of the similarity parts (normalised over the parts both units have). Chosen on the development
    half of agent_runs_dev (see docs/feedback.md); ``actions`` is off: two agents serving one intent call different
    tools, and a failed run often calls the wrong ones."""

    user_tfidf: float = 1.0
    user_embed: float = 1.0
    ids: float = 1.0
    actions: float = 0.0
    first: float = 1.0


@dataclass
class IntentFeatures:
    user_text: list[str]  # per unit: the non-boilerplate user turns, joined
    first: list[str]  # per unit: the first non-boilerplate user turn (the opening request)
    user_turns: list[list[str]]
    ids: list[list[str]]  # per unit: normalised identifying values (sorted, unique)
    actions: list[list[str]]  # per unit: tool names and name(arg keys) (sorted, unique)


def _strip_placeholders(text: str) -> str:
    return PLACEHOLDER_RE.sub(" ", text or "")


def _norm_turn(text: str) -> str:
    return c.norm_text(_strip_placeholders(text))


def _id_tokens(text: str) -> set[str]:
    out = set()
    for t in _TOKEN.findall(_strip_placeholders(text)):
        if len(t) >= 4 and any(ch.isdigit() for ch in t) and not t.isdigit() or (t.isdigit() and len(t) >= 5):
            out.add(t.lower())
    return out


def _calls(msgs: list[dict]):
    for m in msgs:
        if m.get("role") != "assistant":
            continue
        for call in m.get("tool_calls") or []:
            if isinstance(call, dict):
                fn = call.get("function") or {}
                yield str(fn.get("name") or ""), c.parse_args(fn.get("arguments")) or {}


def intent_features(sessions: list[list[dict]], boilerplate_df: float = 0.05, min_boilerplate: int = 3,
                    digests: list[list[str]] | None = None) -> IntentFeatures:
    """Features of each trajectory (a list of canonical messages). A user turn whose normalised text occurs in
    more than ``boilerplate_df`` of the sessions (and in at least ``min_boilerplate``) is boilerplate.
    ``digests`` (per session, optional): keyed digests of the redacted values (``pii_digests``), added to the
    identifying values."""
    turns = [[m for m in msgs if m.get("role") == "user" and c.content(m).strip()] for msgs in sessions]
    norm = [[_norm_turn(c.content(m)) for m in t] for t in turns]
    df: dict[str, int] = {}
    for ns in norm:
        for n in set(ns):
            df[n] = df.get(n, 0) + 1
    cut = max(min_boilerplate, boilerplate_df * max(len(sessions), 1))
    user_turns, user_text, ids, actions = [], [], [], []
    for i, (msgs, t, ns) in enumerate(zip(sessions, turns, norm)):
        keep = [_WS.sub(" ", _strip_placeholders(c.content(m))).strip() for m, n in zip(t, ns)
                if n and df.get(n, 0) < cut]
        user_turns.append(keep)
        user_text.append("\n".join(keep))
        vals: set[str] = set()
        acts: set[str] = set()
        for name, args in _calls(msgs):
            if not name:
                continue
            acts.add("tool:" + name)
            acts.add("sig:" + name + "(" + ",".join(sorted(map(str, args))) + ")")
            for v in json_leaves(args):  # string and number leaves of the arguments
                if isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool)):
                    vals |= _id_tokens(str(v))
        for k in keep:
            vals |= _id_tokens(k)
        if digests is not None:
            vals |= {"pii:" + d for d in digests[i] if d}
        ids.append(sorted(vals))
        actions.append(sorted(acts))
    first = [k[0] if k else "" for k in user_turns]
    return IntentFeatures(user_text, first, user_turns, ids, actions)


def _idf_cosine(docs: list[list[str]]) -> np.ndarray:
    """Cosine of binary bag-of-tokens vectors weighted by smoothed IDF (tokens in a single doc still count)."""
    n = len(docs)
    vocab: dict[str, int] = {}
    for d in docs:
        for t in d:
            vocab.setdefault(t, len(vocab))
    if not vocab:
        return np.zeros((n, n), dtype=np.float64)
    m = np.zeros((n, len(vocab)), dtype=np.float64)
    for i, d in enumerate(docs):
        for t in d:
            m[i, vocab[t]] = 1.0
    dfc = m.sum(axis=0)
    idf = np.log((1.0 + n) / (1.0 + dfc)) + 1.0
    idf[dfc > max(2, 0.5 * n)] = 0.0  # tokens in most sessions say nothing
    m *= idf
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    m /= norms
    return m @ m.T


def _tfidf_cosine(texts: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(texts)
    if not any(t.strip() for t in texts):
        return np.zeros((n, n), dtype=np.float64)
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_df=0.5 if n >= 10 else 1.0,
                          token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b")
    try:
        x = vec.fit_transform(texts)
    except ValueError:  # empty vocabulary
        return np.zeros((n, n), dtype=np.float64)
    return (x @ x.T).toarray()


def _embed_cosine(user_text: list[str], backend: str, chars: int = EMBED_CHARS) -> np.ndarray:
    """Cosine of the sentence embeddings of each unit's user side (its first ``chars`` characters: the encoder
    reads ~256 tokens anyway; one vector per unit keeps it fast)."""
    from flywheel_assets.embeddings import embed

    n = len(user_text)
    if not any(t.strip() for t in user_text):
        return np.zeros((n, n), dtype=np.float64)
    vecs = embed([t[:chars] for t in user_text], backend=backend).astype(np.float64)
    empty = np.array([not t.strip() for t in user_text])
    vecs[empty] = 0.0
    return np.clip(vecs @ vecs.T, 0.0, 1.0)


@dataclass
class IntentSimilarity:
    total: np.ndarray
    parts: dict[str, np.ndarray]


def similarity_matrix(feats: IntentFeatures, weights: IntentWeights | None = None, backend: str = "auto"
                      ) -> IntentSimilarity:
    """Combined intent similarity of every pair of units (weighted mean of the parts; a part that is empty for
    either unit - no ids, no tool calls - drops out of that pair's mean instead of counting as a mismatch)."""
    w = weights or IntentWeights()
    parts = {
        "user_tfidf": _tfidf_cosine(feats.user_text),
        "first": _tfidf_cosine(feats.first),
        "user_embed": _embed_cosine(feats.user_text, backend),
        "ids": _idf_cosine(feats.ids),
        "actions": _idf_cosine(feats.actions),
    }
    has = {
        "user_tfidf": np.array([bool(t.strip()) for t in feats.user_text]),
        "first": np.array([bool(t.strip()) for t in feats.first]),
        "user_embed": np.array([bool(t) for t in feats.user_turns]),
        "ids": np.array([bool(x) for x in feats.ids]),
        "actions": np.array([bool(x) for x in feats.actions]),
    }
    n = len(feats.user_text)
    num = np.zeros((n, n))
    den = np.zeros((n, n))
    for k, m in parts.items():
        wk = float(getattr(w, k))
        if wk <= 0:
            continue
        both = np.outer(has[k], has[k])
        num += wk * np.where(both, m, 0.0)
        den += wk * both
    total = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return IntentSimilarity(total=total, parts=parts)


@dataclass
class Match:
    success: int  # index of the successful unit
    failure: int
    score: float
    margin: float  # best score minus the best rival's (1.0 when no rival)


def match_outcomes(sim: np.ndarray, success: list[bool | None], threshold: float, margin: float,
                   same_as: float = 0.9, mutual_k: int = 3) -> tuple[list[Match], dict]:
    """For each failed unit, its most similar successful unit ``b``, kept when

    - the score reaches ``threshold`` (``below_threshold`` otherwise);
    - the failure is among ``b``'s ``mutual_k`` most similar failures (``not_mutual`` otherwise): a success that is
      the best match of many failures is a hub (a shared persona, a generic request), not their intent;
    - ``b`` beats the best *rival* by ``margin`` (``ambiguous`` otherwise). A rival is a successful unit that is not
      in ``b``'s intent group: its similarity to ``b`` is below ``min(same_as, score)``, i.e. it is further from
      ``b`` than the failure itself is. Repeated trials of one task give several successes that resemble each
      other at least as much as they resemble the failure (they took the path the failure left); they are one
      group and do not make each other ambiguous. (No tolerance below ``score``: on the development half of
      agent_runs_dev even 0.02 let in wrong pairs, successes of other tasks sharing the failure's persona.) Two different intents that both look like the failure do (the pair is then skipped: precision
      over coverage).

    Returns (matches sorted by failure index, counts of skipped failures by reason)."""
    succ = [i for i, s in enumerate(success) if s is True]
    fails = [j for j, s in enumerate(success) if s is False]
    out: list[Match] = []
    skipped = {"no_success_candidate": 0, "below_threshold": 0, "not_mutual": 0, "ambiguous": 0}
    if not succ:
        skipped["no_success_candidate"] = len(fails)
        return out, skipped
    k = max(int(mutual_k), 1)
    # each success's k most similar failures (ties by index: deterministic)
    near_fail = {i: set(sorted(fails, key=lambda j: (-sim[i, j], j))[:k]) for i in succ}
    for j in fails:
        order = sorted(succ, key=lambda i: (-sim[i, j], i))
        b = order[0]
        score = float(sim[b, j])
        if score < threshold:
            skipped["below_threshold"] += 1
            continue
        if j not in near_fail[b]:
            skipped["not_mutual"] += 1
            continue
        group_cut = min(same_as, score)
        rivals = [i for i in order[1:] if sim[i, b] < group_cut]
        mg = float(score - sim[rivals[0], j]) if rivals else 1.0
        if mg < margin:
            skipped["ambiguous"] += 1
            continue
        out.append(Match(b, j, score, mg))
    return out, skipped
