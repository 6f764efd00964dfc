"""The cascade's fast paths give exactly the output of the straightforward ones.

Rule prefilters (``detect_rules(prefilter=True)``: a rule is skipped when a literal / character class / word its
regex requires is absent) and the allow-list's index scan (``AllowList.matches``) are compared with the reference
paths (every regex run; the allow-list alternation's ``finditer``) on real texts (presidio-research benchmark file,
OASST chat, tau-bench transcripts) and on tricky synthetic strings (every secret family, case variants, the
non-ASCII characters that ``re.IGNORECASE`` folds onto ASCII ones).
"""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from flywheel_assets.privacy.detectors import dictionary as D
from flywheel_assets.privacy.detectors import rule_prefilter as P
from flywheel_assets.privacy.detectors import rules as R

SYNTHETIC = [
    "", " ", "a", "@", "x@y.io", "Mail: jane.doe+tag@example.co.uk, or JANE[at]example[dot]com",
    "key AKIAIOSFODNN7EXAMPLE and aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "ghp_" + "a1B2" * 9 + " github_pat_" + "x" * 60 + " glpat-" + "y" * 22 + " hf_" + "Q" * 34,
    "OPENAI_API_KEY=sk-proj-" + "Ab3" * 12 + " ANTHROPIC=sk-ant-api03-" + "z" * 30 + " xai-" + "k" * 44,
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "postgres://app:s3cr3t!@db:5432/x",
    "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX?token=abcdef123",
    "PASSWORD is hunter22; Pwd: Tr0ub4dor&3; passcode was 918273",
    "Call +44 20 7946 0958 or (415) 555-0132 ext. 12; fax 030 1234567 - office; tel. 0612345678",
    "card 4111 1111 1111 1111, ref 0000 4000 0000 0001 2346, IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789",
    "ssn 123456789 TIN 987654321; DOB: 1984-03-02; born 02/03/1984; 3rd of March 1984; Mar. 3, 1984",
    "IP 192.168.0.1/24 and fe80::1ff:fe23:4567:890a%eth0; MAC 00:1A:2B:3C:4D:5E, 001a.2b3c.4d5e",
    "Ship to 221B Baker Street, London NW1 6XE; Hauptstraße 5a, 10115 Berlin; 12, rue de la Paix, 75002 Paris",
    "Calle Mayor 5, 28013 Madrid; ul. Długa 10/12 m. 5, 00-238 Warszawa; Andrássy út 60, 1062 Budapest",
    "Apt. 4B, 3rd floor, Suite 200, PSC 1234, Box 5678 APO AE 09876; corner of 5th Avenue and 42nd Street",
    "Dr. Jane Smith, mr. bob stone said; Hi Maria, thanks! My name is José Álvarez. Regards, Ōta Hiroshi",
    "Acme Widgets Ltd. and Smith & Sons GmbH; driver's license D1234567; passport no. X1234567",
    "user_id: u-48213; customer #: 99812; bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq 0x" + "ab" * 20,
    "ſsn 123-45-6789 \u212aey-" + "0" * 32 + " İstanbul ıd: 12345 PASSWORD=\u212aelvin",  # chars IGNORECASE folds
    "Ｆｕｌｌｗｉｄｔｈ １２３４５ ٠١٢٣٤٥٦٧٨٩ ¹²³ — Unicode digits and widths",
    "OPENAI gpt-4o Claude's ChatGPT's open-ai Hugging  Face hugging face HuggingFaceHub GPT-4.5 python3 Python",
    "ok google, GOOGLE.com google_drive Google-Maps googles AWS/Azure (Microsoft) [GitHub] «Llama» Ollama2",
]


def _oasst_texts(realdata, n):
    out = []
    with open(realdata / "oasst_feedback" / "en_100_tree.jsonl", encoding="utf-8") as fh:
        for line in fh:
            stack = [json.loads(line)]
            while stack:
                node = stack.pop()
                if isinstance(node, dict):
                    if isinstance(node.get("text"), str):
                        out.append(node["text"])
                    stack.extend(node.values())
                elif isinstance(node, list):
                    stack.extend(node)
            if len(out) >= n:
                break
    return out[:n]


def _tau_texts(realdata, n):
    path = realdata / "tau_bench_demos" / "MockRetailDomainEnv-few_shot.jsonl"
    return [json.loads(line)["messages_display"] for line in path.read_text(encoding="utf-8").splitlines()[:n]]


def _benchmark_texts(realdata, n=None):
    from benchmarks.pii_benchmark import load

    return [s["full_text"] for s in load(realdata / "presidio_dev" / "generated_large.json", n)]


def _assert_rules_same(texts):
    for t in texts:
        assert R.detect_rules(t) == R.detect_rules(t, prefilter=False)


def test_requirements_are_what_a_match_must_contain():
    def reqs(p, flags=0):
        return set(P.pattern_requirements(re.compile(p, flags), limit=9))

    assert ("lit", "hf_", False) in reqs(r"\bhf_[A-Za-z0-9]{30,}\b")
    assert ("lit", "token", True) in reqs(r"token\s*=", re.I)
    assert ("lit", "token", True) in reqs(r"(?i:token)=")
    assert ("lit", "abc", False) not in reqs(r"(?:abc)?\d")  # optional: not required
    assert ("lit", "abc", False) not in reqs(r"x(?!abc)")  # a negative lookahead requires nothing
    assert ("lit", "office", True) in reqs(r"\d+(?=\s*(?i:office))")  # a positive one does
    assert ("any", frozenset({("lit", "fax", False), ("lit", "tel", False)})) in reqs(r"(?:fax|tel)\d")
    assert not reqs(r"(?:fax|\w)\d") - {("cls", r"[\d]")}  # a branch with a common member: no word requirement
    # every rule of the engine has a plan; secrets all have one
    plan = dict((r.name, tests) for r, tests in R._planned_rules())
    assert len(plan) == len(R._all_rules())
    assert all(plan[r.name] for r in R._all_rules()[:10])


def test_prefiltered_rules_equal_reference_on_synthetic():
    _assert_rules_same(SYNTHETIC)
    found = {s.source for t in SYNTHETIC for s in R.detect_rules(t)}  # positives survive the prefilters
    assert {"huggingface_token", "github_token", "jwt", "private_key_block", "email", "iban", "phone_intl",
            "street_address", "kv_secret"} <= found


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(SYNTHETIC[1:] + ["  ", "\n", "0", "42", "-", ":", "=", "@", ".", "ſ", "\u212a",
                                                  "İ", "ı", "Street", "ST", "Tel", "sk-", "x"]), max_size=6))
def test_prefiltered_rules_equal_reference_on_mixtures(parts):
    _assert_rules_same(["".join(parts), " ".join(parts).upper(), " ".join(parts).lower()])


def test_prefiltered_rules_equal_reference_on_real_texts(realdata):
    texts = _benchmark_texts(realdata) + _oasst_texts(realdata, 250) + _tau_texts(realdata, 4)
    assert len(texts) > 2300
    _assert_rules_same(texts)


def test_case_to_ascii_set_is_complete():
    ascii_ci = re.compile("[" + re.escape("".join(chr(c) for c in range(128))) + "]", re.IGNORECASE)
    found = {c for c in range(128, 0x110000) if ascii_ci.match(chr(c))}
    assert found == {ord(c) for c in "\u0130\u0131\u017f\u212a"}
    assert all(len(chr(c).lower()) == 1 for c in range(128, 0x110000) if c != 0x130)  # offsets stay aligned


def _allow_same(al, texts):
    for t in texts:
        assert al.matches(t) == al.matches(t, fast=False), t[:80]
        assert al.matches(t) == al.matches(t, fast=False)  # the memoised second call too


def test_allow_list_index_scan_equals_regex():
    al = D.AllowList.from_config([], use_default=True)
    assert al._ascii
    _allow_same(al, SYNTHETIC + [t.upper() for t in SYNTHETIC] + ["Googl", "google", "OpenAI\u212a", "ſql"])
    assert al.matches("I asked ChatGPT and openai.")  # positives exist
    custom = D.AllowList(["Ab", "Ab Cd", "ab-cd", "X.Y", "_z", "Zürich"])  # non-ASCII term: regex path always
    assert not custom._ascii
    _allow_same(custom, ["ab cd ab-cd x.y _z zürich ZÜRICH abcd", "AB CD. Ab-Cd_z"])
    plain = D.AllowList(["Ab", "Ab Cd", "ab-cd", "X.Y", "_z", "1x"])
    _allow_same(plain, ["ab cd ab-cd x.y _z abcd _z_ 1x 21x x.yz", "AB CD. Ab-Cd_z", "é ab ſab \u212aab ab\u212a"])


def test_allow_list_index_scan_equals_regex_on_real_texts(realdata):
    al = D.AllowList.from_config([], use_default=True)
    texts = _benchmark_texts(realdata, 600) + _oasst_texts(realdata, 400) + _tau_texts(realdata, 4)
    _allow_same(al, texts)
    assert sum(len(al.matches(t)) for t in texts) > 50


def test_cascade_output_equals_reference_paths(realdata, monkeypatch):
    from flywheel_assets.privacy import cascade as C
    from flywheel_assets.privacy.config import PrivacyConfig

    texts = _benchmark_texts(realdata, 100) + _oasst_texts(realdata, 40) + SYNTHETIC
    fast = C.Cascade(PrivacyConfig()).scan_many(texts)
    reference_matches = D.AllowList.matches
    monkeypatch.setattr(C, "detect_rules", lambda t, mask_dates=True: R.detect_rules(t, mask_dates=mask_dates,
                                                                                      prefilter=False))
    monkeypatch.setattr(D.AllowList, "matches", lambda self, t, fast=True: reference_matches(self, t, fast=False))
    slow = C.Cascade(PrivacyConfig()).scan_many(texts)
    assert fast == slow
    assert sum(map(len, fast)) > 150


def _json_strings(node, out, min_len=3):
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            if len(x) >= min_len:
                out.append(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)


def _corpus_strings(realdata, budget=100_000):
    """Every string value (>= 3 chars) of tau-bench (airline + retail), ToolBench trees and Langfuse framework
    traces, at most ``budget`` chars per corpus (files in sorted order)."""
    out: list[str] = []
    for sub in ("tau_bench_demos", "toolbench_trees", "langfuse_framework_traces"):
        got: list[str] = []
        for path in sorted((realdata / sub).rglob("*")):
            if sum(map(len, got)) > budget:
                break
            if not path.is_file() or path.suffix not in (".json", ".jsonl"):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            docs = text.splitlines() if path.suffix == ".jsonl" else [text]
            for doc in docs:
                try:
                    _json_strings(json.loads(doc), got)
                except ValueError:
                    got.append(doc)
        out.extend(got)
    return out


def _assert_three_paths_same(texts):
    for t in texts:
        ref = R.detect_rules(t, prefilter=False)
        assert R.detect_rules(t) == ref
        assert R.run_rules_prefiltered(t) == R.run_rules_prefiltered_loop(t)


def test_prefiltered_rules_equal_reference_on_agent_logs(realdata):
    texts = _corpus_strings(realdata)
    assert len(texts) > 500 and sum(map(len, texts)) > 300_000
    _assert_three_paths_same(texts)
    assert sum(len(R.detect_rules(t)) for t in texts) > 100  # the logs do hold rule hits


def test_prefiltered_rules_equal_reference_on_demo_logs(tmp_path):
    from flywheel_assets.demo import generate_demo

    generate_demo(tmp_path / "drop", sessions=12, manifest_path=tmp_path / "manifest.json")
    texts: list[str] = []
    for path in sorted((tmp_path / "drop").rglob("*")):
        if path.is_file():
            raw = path.read_text(encoding="utf-8", errors="replace")
            texts.append(raw)  # whole files: long multi-line texts
            for line in raw.splitlines():
                try:
                    _json_strings(json.loads(line), texts)
                except ValueError:
                    texts.append(line)
    assert len(texts) > 100
    _assert_three_paths_same(texts)
    assert sum(len(R.detect_rules(t)) for t in texts) > 50  # the planted PII is found


def test_compiled_plan_equals_plan_loop_on_synthetic():
    texts = SYNTHETIC + [t.upper() for t in SYNTHETIC] + [t.lower() for t in SYNTHETIC]
    _assert_three_paths_same(texts)


def test_min_digits_is_what_a_match_must_consume():
    def n(p, flags=0):
        return P.pattern_min_digits(re.compile(p, flags))

    assert n(r"\d{3}-\d{2}-\d{4}") == 9
    assert n(r"(?:\d[ -]?){12,18}\d") == 13
    assert n(r"(?:0?[1-9]|[12]\d)[/.]\d\d") == 3  # a branch counts its cheapest member
    assert n(r"(?:abc|\d{5})\d") == 1
    assert n(r"[\dA-F]{8}") == 0  # a class with non-digits counts nothing
    assert n(r"[^\d]{4}\d") == 1  # a negated class neither
    assert n(r"(?=\d{9})\d") == 1  # nor a lookaround
    assert n(r"x(\d)\1") == 1  # nor a back-reference
    assert n(r"\d{2,}?", re.I) == 2
    assert P.count_digits("a1٢３ x") == 3 and P.count_digits("") == 0 and P.count_digits("12ab3") == 3
    digit = re.compile(r"\d")
    sample = "".join(chr(c) for c in range(0x660, 0x6a0)) + "0123456789abc١٢٣" + "\uff10\uff11"
    assert P.count_digits(sample) == len(digit.findall(sample))
    # the rules with a digit requirement: a text with one digit too few skips them, and they cannot match it
    plan = dict(R._planned_rules())
    card = next(r for r in plan if r.name == "credit_card")
    assert ("digits", 13) in P.rule_requirements(card)
    assert R.detect_rules("card 4111 1111 1111 111") == R.detect_rules("card 4111 1111 1111 111", prefilter=False)
