"""Seeded, deterministic demo-log generator for the fictional Acme assistants.

``generate_demo(out_dir)`` writes a log drop under ``out_dir/<YYYY-MM-DD>/`` in four families (chat-log JSONL,
API-gateway JSONL, OTLP JSON spans, plain-text transcripts + app logs) and a ground-truth manifest *outside* the drop
(default ``out_dir.parent / "demo_manifest.json"``). Everything is driven by one ``random.Random(seed)`` (writers
use ``random.Random(f"{seed}:writer:<family>")``); no wall clock, so the same arguments give byte-identical files.
Sessions are generated and written one at a time, so ``sessions=100_000`` streams with bounded memory.
See docs/demo.md for the formats and the manifest.
"""

from __future__ import annotations

import copy
import json
import random
import re
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from flywheel_assets.demo import catalog as C
from flywheel_assets.demo import scenarios as S
from flywheel_assets.demo.config import DemoConfig
from flywheel_assets.demo.jsonl_writers import ChatlogWriter, GatewayWriter
from flywheel_assets.demo.manifest import MANIFEST_FORMAT, DemoManifest, session_entry
from flywheel_assets.demo.spans_writer import SpansWriter
from flywheel_assets.demo.text_writers import AppLogWriter, TranscriptWriter
from flywheel_assets.schema import to_json

MARKER = ".flywheel_demo"  # hidden marker file in the drop (ingest skips hidden files) allowing safe overwrite
FAMILIES = ("chatlog", "gateway", "otlp", "transcript", "applog")

# (scenario, assistant, weight); the builder call is in _build
SUPPORT_MIX = [("rag_ok", 22), ("rag_outdated", 4), ("rag_verbose", 5), ("account", 14), ("account_refusal", 2),
               ("status", 13), ("tool_retry", 4), ("wrong_tool", 3), ("refund", 10), ("refund_fail", 3),
               ("address", 5), ("json_ok", 4), ("json_bad", 4), ("unseen", 4)]
OPS_MIX = [("triage", 38), ("triage_fail", 10), ("restart", 10), ("wrong_args", 9), ("query", 16),
           ("ops_refusal", 8), ("creds", 9)]
ERROR_OF = {"rag_outdated": "outdated_knowledge", "rag_verbose": "verbose_sycophantic", "account_refusal": "refusal",
            "ops_refusal": "refusal", "wrong_tool": "wrong_tool", "wrong_args": "wrong_tool", "json_bad": "json_format",
            "unseen": "unseen_topic"}
INTENT_OF = {"status": "support.order.status", "tool_retry": "support.order.status", "wrong_tool": "support.order.status",
             "refund": "support.order.refund_damaged", "refund_fail": "support.order.refund_damaged",
             "address": "support.order.change_address", "json_ok": "support.order.json_summary",
             "json_bad": "support.order.json_summary", "triage": "ops.incident.triage", "triage_fail": "ops.incident.triage",
             "restart": "ops.incident.triage", "wrong_args": "ops.incident.triage", "query": "ops.analytics.failed_payments",
             "ops_refusal": "ops.logs.fetch", "creds": "ops.db.credentials"}


def generate_demo(
    out_dir: Path,
    *,
    seed: int = 7,
    sessions: int = 2400,
    days: int = 3,
    start_date: date = date(2026, 11, 18),
    manifest_path: Path | None = None,
    config: DemoConfig | None = None,
) -> DemoManifest:
    """Write the demo drop to ``out_dir`` and its manifest to ``manifest_path`` (default
    ``out_dir.parent / "demo_manifest.json"``). ``config`` overrides the secondary knobs (rates, shares); the
    keyword arguments win for seed/sessions/days/start_date. An existing ``out_dir`` is replaced only when it was
    written by this generator (hidden marker file) or is empty."""
    cfg = (config or DemoConfig()).model_copy(update={"seed": seed, "sessions": sessions, "days": days,
                                                       "start_date": start_date})
    out_dir = Path(out_dir)
    manifest_path = Path(manifest_path) if manifest_path else out_dir.parent / "demo_manifest.json"
    if manifest_path.resolve().is_relative_to(out_dir.resolve()):
        raise ValueError("the manifest must not live inside the drop directory (the pipeline ingests every file)")
    _prepare(out_dir)
    return _Generator(cfg, out_dir, manifest_path).run()


def _prepare(out_dir: Path):
    if out_dir.exists():
        if (out_dir / MARKER).exists():
            shutil.rmtree(out_dir)
        elif any(out_dir.iterdir()):
            raise FileExistsError(f"{out_dir} is not empty and was not written by the demo generator")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("written by flywheel_assets.demo.generate_demo\n")


def _weighted(rng: random.Random, items: list[tuple[str, float]]) -> str:
    total = sum(w for _, w in items)
    x = rng.random() * total
    for name, w in items:
        x -= w
        if x < 0:
            return name
    return items[-1][0]


class _Generator:
    def __init__(self, cfg: DemoConfig, out_dir: Path, manifest_path: Path):
        self.cfg = cfg
        self.out_dir = out_dir
        self.manifest_path = manifest_path
        self.rng = random.Random(cfg.seed)
        seed, rate = cfg.seed, cfg.malformed_rate
        self.writers = {
            "chatlog": ChatlogWriter(out_dir, seed, rate),
            "gateway": GatewayWriter(out_dir, seed, rate, stream_rate=cfg.stream_rate),
            "otlp": SpansWriter(out_dir, seed, rate, per_file=cfg.spans_sessions_per_file),
            "transcript": TranscriptWriter(out_dir, seed, rate),
            "applog": AppLogWriter(out_dir, seed, rate),
        }
        self.n_users = max(40, cfg.sessions // 3)
        self.ids: set[str] = set()
        self.pending: list[dict] = []  # sessions whose file/line is known only after a later flush
        self.n_written = 0
        self.families = {f: 0 for f in FAMILIES}
        self.categories: dict[str, int] = {}
        self.intents: dict[str, dict] = {}
        self.error_types: dict[str, dict] = {}
        self.groups: dict[str, list[str]] = {}
        self.pairs: dict[str, list[str]] = {}
        self.canaries: list[dict] = []
        self.canary_slots = set(self.rng.sample(range(cfg.sessions), min(cfg.n_canaries, cfg.sessions)))
        self.canary_values = self._canary_values()
        self.canary_due = 0

    # ------------------------------------------------------------------ main loop
    def run(self) -> DemoManifest:
        cfg, rng = self.cfg, self.rng
        per_day = [cfg.sessions // cfg.days + (1 if d < cfg.sessions % cfg.days else 0) for d in range(cfg.days)]
        self.mf = open(self.manifest_path, "w", encoding="utf-8")
        self.mf.write('{"format": "%s", "seed": %d, "drop_dir": %s, "start_date": "%s", "days": %d,\n"sessions": [\n'
                      % (MANIFEST_FORMAT, cfg.seed, json.dumps(_rel_to(self.out_dir, self.manifest_path.parent)),
                         cfg.start_date.isoformat(), cfg.days))
        queue: list[dict] = []
        idx = 0
        for d in range(cfg.days):
            day = cfg.start_date + timedelta(days=d)
            for w in self.writers.values():
                w.begin_day(day)
            day0 = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
            secs = sorted(rng.uniform(60, 86400 - 3600) for _ in range(per_day[d]))
            for k in range(per_day[d]):
                start = day0 + timedelta(seconds=round(secs[k], 3))
                if queue:
                    s = queue.pop(0)
                else:
                    s = self._new_session()
                    queue = self._followers(s, remaining=cfg.sessions - idx - 1)
                self._place(s, day, start, idx)
                self._write(s)
                idx += 1
            for w in self.writers.values():
                w.end_day()
            self._resolve_pending(final=True)
        for w in self.writers.values():
            w.close()
        return self._finish()

    def _place(self, s: dict, day: date, start: datetime, idx: int):
        rng = self.rng
        s["session_id"] = self._new_id()
        s["file_day"] = day
        s["first_day"] = self.cfg.start_date
        s["late"] = rng.random() < self.cfg.late_rate
        if s["late"]:
            start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) - timedelta(seconds=rng.uniform(120, 3000))
        s["start"] = start
        s["naive"] = s["family"] != "otlp" and not s["late"] and rng.random() < self.cfg.naive_ts_rate
        if idx in self.canary_slots:
            self.canary_due += 1
        if self.canary_due and s["near_dup_group"] is None and s["pair_group"] is None:
            self.canary_due -= 1  # canaries go to stand-alone sessions (not into dedup groups or DPO pairs)
            self._plant_canary(s)
        if s["family"] == "gateway":
            steps = sum(1 for m in s["messages"] if m["role"] == "assistant")
            s["api_errors"] = {rng.randrange(steps): rng.choice([429, 429, 500])} if rng.random() < self.cfg.api_retry_rate else {}
        else:
            s["api_errors"] = {}
        s["otel_form"] = "parts" if rng.random() < 0.5 else "indexed"

    def _new_id(self) -> str:
        while True:
            sid = f"sess_{self.rng.getrandbits(64):016x}"
            if sid not in self.ids:
                self.ids.add(sid)
                return sid

    # ------------------------------------------------------------------ session building
    def _user(self, idx: int) -> tuple[str, dict, bool, list[str]]:
        urng = random.Random(f"{self.cfg.seed}:user:{idx}")
        uid = f"usr_{urng.getrandbits(40):010x}"
        p = C.person(urng)
        consent = urng.random() < 0.88
        purposes = ["support", "analytics", "training"] if consent else ["support", "analytics"]
        return uid, p, consent, purposes

    def _new_session(self) -> dict:
        rng, cfg = self.rng, self.cfg
        assistant = "support" if rng.random() < 0.65 else "ops"
        scenario = _weighted(rng, SUPPORT_MIX if assistant == "support" else OPS_MIX)
        error_type = ERROR_OF.get(scenario)
        fams = [(f, w) for f, w in cfg.family_shares.items() if not (error_type and f == "transcript")]
        family = _weighted(rng, fams)
        uid, p, consent, purposes = self._user(rng.randrange(self.n_users))
        models = C.MODELS_SUPPORT if assistant == "support" else C.MODELS_OPS
        model = models[0] if scenario == "rag_verbose" else rng.choice(models)
        conv = S.Conv(rng, model)
        gt = {"categories": [], "extra_pii": [], "intent_id": INTENT_OF.get(scenario)}
        success, corrected = self._build(scenario, conv, p, gt)
        if rng.random() < 0.15:
            self._sprinkle(conv, p, gt)
        edited = corrected if (corrected and rng.random() < 0.6) else None
        fb = S.session_feedback(rng, success, strong=error_type is not None, edited=edited)
        if family == "transcript":
            fb = None  # plain transcripts carry no feedback; the ground truth says what the log says
        if fb and fb.get("edited_response"):
            gt["categories"].append("user_edit")
        s = {
            "assistant": assistant, "scenario": scenario, "family": family, "user_id": uid, "persona": p,
            "consent": consent, "purposes": purposes, "model": model, "messages": conv.messages, "meta": conv.meta,
            "tools": [C.TOOLS[t] for t in (C.SUPPORT_TOOLS if assistant == "support" else C.OPS_TOOLS)],
            "feedback": fb, "outcome": "success" if success else "failure", "reward": 1.0 if success else 0.0,
            "intent_id": gt["intent_id"], "error_type": error_type,
            "intended_intervention": S.ERROR_TYPES.get(error_type) if error_type else None,
            "gt": gt, "near_dup_group": None, "near_dup_of": None, "near_dup_edit": None,
            "pair_group": None, "pair_role": None, "canaries": [],
        }
        return s

    def _build(self, scenario: str, conv: S.Conv, p: dict, gt: dict):
        rng = self.rng
        if scenario.startswith("rag_"):
            kb = rng.choice(C.KB)
            gt["intent_id"] = f"support.kb.{kb['id'][3:]}"
            return S.rag_qa(rng, conv, p, kb=kb, variant=scenario[4:], gt=gt)
        if scenario in ("account", "account_refusal"):
            return S.account_thread(rng, conv, p, gt=gt, refusal=scenario == "account_refusal")
        if scenario == "unseen":
            return S.unseen(rng, conv, p, gt=gt)
        if scenario in ("status", "tool_retry", "wrong_tool", "refund", "refund_fail", "address", "json_ok", "json_bad"):
            return S.order_agent(rng, conv, p, gt=gt, variant=scenario)
        variant = {"ops_refusal": "refusal"}.get(scenario, scenario)
        return S.ops_triage(rng, conv, p, gt=gt, variant=variant)

    def _sprinkle(self, conv: S.Conv, p: dict, gt: dict):
        """Extra PII / secrets pasted into a user turn."""
        rng = self.rng
        users = [m for m in conv.messages if m["role"] == "user"]
        if not users:
            return
        m = rng.choice(users)
        kind = rng.randrange(6)
        if kind == 0:
            m["content"] += f" You can call me at {p['phone']}."
        elif kind == 1:
            m["content"] += f" For the refund use my IBAN {p['iban']}."
        elif kind == 2:
            t, key = C.api_key(rng)
            m["content"] += f" (my integration key is {key}, in case you need it)"
            gt["extra_pii"].append((t, key))
        elif kind == 3:
            url = C.token_url(rng)
            m["content"] += f" The invoice link is {url}"
            gt["extra_pii"].append(("URL_WITH_TOKEN", url))
        elif kind == 4:
            tok = C.jwt(rng, p["customer_id"])
            m["content"] += f" My session token is {tok}"
            gt["extra_pii"].append(("JWT", tok))
        else:
            m["content"] += f" I'm connecting from {p['ip']}."
        gt["categories"].append("pii_sprinkle")

    def _followers(self, s: dict, remaining: int) -> list[dict]:
        """Near-duplicate copies and concise/verbose twins, emitted right after ``s``."""
        rng = self.rng
        out = []
        if s["scenario"] == "rag_verbose" and remaining >= 1 and rng.random() < 0.6:
            twin = copy.deepcopy(s)
            kb_text = next(k["text"] for k in C.KB if k["id"][3:] == s["intent_id"].split(".")[-1])
            twin["messages"][-1]["content"] = kb_text
            twin["meta"][-1]["completion_tokens"] = max(1, len(kb_text) // 4)
            twin.update(model=C.MODELS_SUPPORT[1], outcome="success", reward=1.0, error_type=None,
                        intended_intervention=None, feedback={"thumbs": "up", "rating": 5}, scenario="rag_concise")
            twin["gt"]["categories"] = [c for c in twin["gt"]["categories"] if c != "user_edit"]
            gid = f"pair_{len(self.pairs):04d}"
            s["pair_group"], s["pair_role"] = gid, "rejected"
            twin["pair_group"], twin["pair_role"] = gid, "chosen"
            self.pairs[gid] = []
            out.append(twin)
            return out
        if s["pair_group"] is None and rng.random() < self.cfg.near_duplicate_rate:
            n = min(rng.randint(1, 3), remaining)
            if n >= 1:
                gid = f"dup_{len(self.groups):04d}"
                s["near_dup_group"] = gid
                self.groups[gid] = []
                for _ in range(n):
                    c = copy.deepcopy(s)
                    c["near_dup_edit"] = self._mutate(c)
                    c["near_dup_of"] = "__original__"
                    out.append(c)
        return out

    def _mutate(self, s: dict) -> str:
        rng = self.rng
        m = next(m for m in s["messages"] if m["role"] == "user")
        text = m["content"]
        kind = rng.choice(["typo", "whitespace", "number"])
        if kind == "number":
            nums = [mm for mm in re.finditer(r"(?<![\w-])\d{1,3}(?![\w-])", text)]
            if nums:
                mm = rng.choice(nums)
                m["content"] = text[:mm.start()] + str(int(mm.group()) + rng.randint(1, 9)) + text[mm.end():]
                return "number"
            kind = "typo"
        if kind == "typo":
            spots = [i for mm in re.finditer(r"\b[a-z]{5,}\b", text)
                     for i in range(mm.start(), mm.end() - 1) if text[i] != text[i + 1]]
            if spots:
                i = rng.choice(spots)  # swap two adjacent, different letters
                m["content"] = text[:i] + text[i + 1] + text[i] + text[i + 2:]
                return "typo"
        m["content"] = rng.choice([text + " ", "  " + text, text.replace(" ", "  ", 1), text + "\n"])
        return "whitespace"

    # ------------------------------------------------------------------ canaries
    def _canary_values(self) -> list[tuple[str, str]]:
        r = random.Random(f"{self.cfg.seed}:canary")
        hx = lambda n: "".join(r.choice("0123456789abcdef") for _ in range(n))  # noqa: E731
        first = ["Ottoline", "Peregrine", "Wilhelmina", "Thaddeus", "Ermintrude", "Barnaby"]
        vals = [
            ("API_KEY", "sk-CANARY" + hx(40)),
            ("PERSON", f"{r.choice(first)} Canarov{r.choice('bcdfghjklmnpqrstvwxz')}{r.choice('aeiou')}{r.choice('bcdfghjklmnpqrstvwxz')}"),
            ("AWS_ACCESS_KEY", "AKIACANARY" + hx(10).upper()),
            ("EMAIL_ADDRESS", f"canary.{hx(8)}@example-canary.com"),
            ("API_KEY", "ghp_CANARY" + hx(30)),
            ("SECRET", "CANARY-" + hx(16)),
        ]
        while len(vals) < self.cfg.n_canaries:
            vals.append(("SECRET", "CANARY-" + hx(16)))
        return vals[: self.cfg.n_canaries]

    def _plant_canary(self, s: dict):
        ctype, value = self.canary_values[len(self.canaries)]
        s["consent"], s["purposes"] = True, ["support", "analytics", "training"]  # must be excluded by redaction, not consent
        tools = [m for m in s["messages"] if m["role"] == "tool" and m["content"].startswith("{")]
        if tools and ctype != "PERSON":
            m = tools[0]
            obj = json.loads(m["content"])
            obj["backup_credential"] = value
            m["content"] = to_json(obj)
            where = "tool_result"
        else:
            m = next(m for m in s["messages"] if m["role"] == "user")
            m["content"] += (f" My colleague {value} also manages this account." if ctype == "PERSON"
                             else f" Backup credential: {value}")
            where = "user"
        s["canaries"].append(value)
        s["gt"]["extra_pii"].append(("CANARY", value))
        self.canaries.append({"value": value, "looks_like": ctype, "location": where, "session_id": s["session_id"]})

    # ------------------------------------------------------------------ output
    def _write(self, s: dict):
        if s["near_dup_of"] == "__original__":
            s["near_dup_of"] = self.groups[s["near_dup_group"]][0]
        if s["near_dup_group"]:
            self.groups[s["near_dup_group"]].append(s["session_id"])
        if s["pair_group"]:
            self.pairs[s["pair_group"]].append(s["session_id"])
        w = self.writers[s["family"]]
        rel, line = w.write(s)
        s["_placed"] = (rel, line) if rel else s.get("_placed")
        entry = self._entry(s)
        # drop the bulky parts as soon as possible (bounded memory)
        for k in ("messages", "meta", "tools", "persona", "gt"):
            s.pop(k, None)
        if s["family"] in ("otlp", "applog"):
            self.pending.append((s, entry))
            self._resolve_pending()
        else:
            entry["file"], entry["line"] = s["_placed"]
            self._emit(entry)

    def _resolve_pending(self, final: bool = False):
        keep = []
        for s, entry in self.pending:
            placed = s.get("_placed")
            if s["family"] == "applog":
                placed = self.writers["applog"].first_line.pop(s["session_id"], None)
            if placed and placed[0]:
                entry["file"], entry["line"] = placed
                self._emit(entry)
            elif final:
                raise RuntimeError(f"session {s['session_id']} was never placed")  # a bug, not bad input
            else:
                keep.append((s, entry))
        self.pending = keep

    def _emit(self, entry: dict):
        self.mf.write(("" if self.n_written == 0 else ",\n") + to_json(entry))
        self.n_written += 1

    def _entry(self, s: dict) -> dict:
        entry = session_entry(s)
        for c in entry["categories"]:
            self.categories[c] = self.categories.get(c, 0) + 1
        self.families[s["family"]] += 1
        it = self.intents.setdefault(s["intent_id"], {"sessions": 0, "success": 0, "failure": 0})
        it["sessions"] += 1
        it[s["outcome"]] += 1
        if s["error_type"]:
            et = self.error_types.setdefault(s["error_type"], {"sessions": 0, "down_voted": 0,
                                                                "intended_intervention": s["intended_intervention"]})
            et["sessions"] += 1
            et["down_voted"] += bool(s["feedback"] and s["feedback"]["thumbs"] == "down")
        return entry

    def _finish(self) -> DemoManifest:
        files = sorted((f for w in self.writers.values() for f in w.files.values()), key=lambda f: f["file"])
        malformed = sorted((m for w in self.writers.values() for m in w.malformed), key=lambda m: (m["file"], m["line"]))
        groups = [{"group": g, "session_ids": ids} for g, ids in sorted(self.groups.items())]
        pairs = [{"group": g, "rejected": ids[0], "chosen": ids[1]} for g, ids in sorted(self.pairs.items()) if len(ids) == 2]
        summary = {"n_sessions": self.n_written, "families": self.families, "intents": dict(sorted(self.intents.items())),
                   "error_types": dict(sorted(self.error_types.items())), "categories": dict(sorted(self.categories.items())),
                   "n_malformed": len(malformed), "n_files": len(files)}
        self.mf.write("\n],\n")
        for key, val in (("files", files), ("malformed", malformed), ("canaries", self.canaries),
                         ("near_duplicate_groups", groups), ("pair_groups", pairs)):
            self.mf.write(f'"{key}": {to_json(val)},\n')
        self.mf.write(f'"summary": {to_json(summary)}\n}}\n')
        self.mf.close()
        return DemoManifest(path=self.manifest_path, drop_dir=self.out_dir, seed=self.cfg.seed, n_sessions=self.n_written,
                            families=self.families, files=files, malformed=malformed, canaries=self.canaries,
                            near_duplicate_groups=groups, pair_groups=pairs, intents=summary["intents"],
                            error_types=summary["error_types"], categories=summary["categories"])


def _rel_to(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path.resolve())
