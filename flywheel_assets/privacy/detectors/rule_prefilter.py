"""Rule prefilters: the elements every match of a rule must contain become cheap per-text tests, and a plan of
rules with their tests compiles to one straight-line function (used by
:func:`flywheel_assets.privacy.detectors.rules.detect_rules`; the spans are those of running every rule).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .address_rule_types import GatedRule
from .base import Rule

# -- prefilters ------------------------------------------------------------------------------------------------------
# Each rule's regex (and its required context) is parsed once; the elements every match must contain (a literal
# string such as ``hf_``, ``@`` or ``-----BEGIN``, a small character class such as ``\d`` or ``[:=]``, or any-of a
# mandatory alternation ``(?:phone|tel|fax)``) become cheap per-text tests, shared by all rules and evaluated at most
# once per text. A rule whose tests fail cannot match, so it is skipped: the spans are the same as running every rule
# (``detect_rules(..., prefilter=False)``, checked in the tests), only cheaper.
# Requirements: ("lit", s, ignore_case) | ("cls", regex source) | ("any", frozenset of requirements).
_P = re._parser
_C = re._constants
_MAX_COST = 30  # an element commoner than this is no use as a filter (whitespace, \w, letters)
_PRINTABLE = "".join(chr(c) for c in range(32, 127))
_CATEGORY_SRC = {_C.CATEGORY_DIGIT: r"\d", _C.CATEGORY_NOT_DIGIT: r"\D", _C.CATEGORY_SPACE: r"\s",
                 _C.CATEGORY_NOT_SPACE: r"\S", _C.CATEGORY_WORD: r"\w", _C.CATEGORY_NOT_WORD: r"\W"}
_REPEATS = (_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", _C.MAX_REPEAT))


def _class_src(items) -> str | None:
    parts = []
    for op, av in items:
        if op is _C.NEGATE:
            parts.insert(0, "^")
        elif op is _C.LITERAL:
            parts.append("\\U%08x" % av)
        elif op is _C.RANGE:
            parts.append("\\U%08x-\\U%08x" % av)
        elif op is _C.CATEGORY and av in _CATEGORY_SRC:
            parts.append(_CATEGORY_SRC[av])
        else:
            return None
    return "[" + "".join(parts) + "]" if parts and parts != ["^"] else None


def _char_cost(c: str) -> int:
    """A rough, generic guess of how common a character is in chat / log text (higher = more common)."""
    if c in " \t\n":
        return 40
    if c.islower():
        return 6
    if c in ".,":
        return 5
    if c.isupper() or c.isdigit():
        return 2
    return 1


def _cost(req) -> int:
    """How unselective a requirement is: a literal string of n >= 2 chars -n; a one-character element the summed
    commonness of the printable ASCII chars it matches; any-of: the sum over its members."""
    kind = req[0]
    if kind == "digits":
        return 10
    if kind == "lit":
        if len(req[1]) > 1:
            return -len(req[1])
        src = re.escape(req[1])
        return _cost(("cls", "(?i:" + src + ")" if req[2] else src))
    if kind == "cls":
        return sum(_char_cost(c) for c in re.findall(req[1], _PRINTABLE))
    return sum(max(_cost(r), 1) for r in req[1])


def _requirements(seq, ic: bool) -> list:
    """Requirements every match of the parsed sequence ``seq`` satisfies (``ic``: case-insensitive here)."""
    out: list = []
    run: list[int] = []

    def flush():
        if run:
            out.append(("lit", "".join(chr(c) for c in run), ic))
            run.clear()

    for op, av in seq:
        if op is _C.LITERAL:
            run.append(av)
            continue
        flush()
        if op is _C.IN:
            src = _class_src(av)
            if src is not None:
                out.append(("cls", "(?i:" + src + ")" if ic else src))
        elif op is _C.SUBPATTERN:
            _group, add, dele, sub = av
            out.extend(_requirements(sub, (ic or bool(add & re.IGNORECASE)) and not dele & re.IGNORECASE))
        elif op in _REPEATS:
            if av[0] >= 1:
                out.extend(_requirements(av[2], ic))
        elif op is _C.ASSERT:  # a positive lookahead / lookbehind also matches inside the text
            out.extend(_requirements(av[1], ic))
        elif op is getattr(_C, "ATOMIC_GROUP", None):
            out.extend(_requirements(av, ic))
        elif op is _C.BRANCH:
            best = [min(_requirements(b, ic), key=lambda r: (_cost(r), repr(r)), default=None) for b in av[1]]
            if best and all(b is not None for b in best):
                out.append(("any", frozenset(best)))
        # anything else (negative lookarounds, anchors, back-references, any char, negated literals): no requirement
    flush()
    return out


def pattern_requirements(pattern: re.Pattern, limit: int = 2) -> tuple:
    """Up to ``limit`` selective requirements every match of ``pattern`` satisfies (empty: no usable one)."""
    try:
        parsed = _P.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unparsable pattern simply gets no prefilter
        return ()
    ic = bool(parsed.state.flags & re.IGNORECASE)
    reqs = sorted({r for r in _requirements(list(parsed), ic) if _cost(r) <= _MAX_COST}, key=lambda r: (_cost(r),
                                                                                                          repr(r)))
    return tuple(reqs[:limit])


class PrefilterText:
    """One text and its lower-case form ``low`` (ASCII texts only: there ``str.lower`` is exactly the case folding
    of ``re.IGNORECASE``; None for any other text, whose tests then search with the regex)."""

    __slots__ = ("text", "low")

    def __init__(self, text: str):
        self.text = text
        self.low = text.lower() if text.isascii() else None

    def lower(self) -> str | None:
        """``text.lower()`` for an ASCII text, None for any other."""
        return self.low


@lru_cache(maxsize=None)
def requirement_test(req):
    """A ``PrefilterText -> bool`` test that is true whenever the text holds a match of ``req``."""
    kind = req[0]
    if kind == "lit":
        s, ic = req[1], req[2]
        if not ic:
            return lambda t: s in t.text
        pat = re.compile(re.escape(s), re.IGNORECASE)
        low = s.lower()
        if not s.isascii():
            return lambda t: pat.search(t.text) is not None

        def test(t, low=low, pat=pat):
            lower = t.low
            return low in lower if lower is not None else pat.search(t.text) is not None

        return test
    if kind == "cls":
        pat = re.compile(req[1])
        return lambda t: pat.search(t.text) is not None
    if kind == "digits":
        return lambda t, n=req[1]: count_digits(t.text) >= n
    members = sorted(req[1], key=lambda r: (_cost(r), repr(r)))
    if all(r[0] == "lit" and r[1].isascii() for r in members):  # any of a set of words: plain substring tests
        sens = tuple(r[1] for r in members if not r[2])
        lows = tuple(r[1].lower() for r in members if r[2])
        pat = re.compile("|".join(re.escape(r[1]) for r in members if r[2]), re.IGNORECASE) if lows else None

        def any_word(t, sens=sens, lows=lows, pat=pat):
            text = t.text
            for w in sens:
                if w in text:
                    return True
            if lows:
                lower = t.low
                if lower is None:
                    return pat.search(text) is not None
                for w in lows:
                    if w in lower:
                        return True
            return False

        return any_word
    parts = tuple(requirement_test(r) for r in members)

    def any_of(t, parts=parts):
        for p in parts:
            if p(t):
                return True
        return False

    return any_of


def _is_digit_class(items) -> bool:
    """True when a character class matches decimal digits only (``\\d``, ``[0-9]``, ``[1-9]``, ``[05]``)."""
    for op, av in items:
        if op is _C.LITERAL and chr(av).isdecimal() or op is _C.CATEGORY and av is _C.CATEGORY_DIGIT:
            continue
        if op is _C.RANGE and 48 <= av[0] <= av[1] <= 57:
            continue
        return False  # a negation, a non-digit member, another category
    return bool(items)


def _min_digits(seq) -> int:
    """The fewest decimal digits a match of the parsed sequence ``seq`` consumes (lookarounds count nothing)."""
    n = 0
    for op, av in seq:
        if op is _C.LITERAL:
            n += chr(av).isdecimal()
        elif op is _C.IN:
            n += _is_digit_class(av)
        elif op is _C.SUBPATTERN:
            n += _min_digits(av[3])
        elif op in _REPEATS:
            n += av[0] * _min_digits(av[2])
        elif op is _C.BRANCH:
            n += min(_min_digits(b) for b in av[1])
        elif op is getattr(_C, "ATOMIC_GROUP", None):
            n += _min_digits(av)
    return n


def pattern_min_digits(pattern: re.Pattern) -> int:
    """How many decimal digits (``str.isdecimal``, what ``\\d`` matches) a text needs for ``pattern`` to match."""
    try:
        return _min_digits(list(_P.parse(pattern.pattern, pattern.flags)))
    except Exception:  # noqa: BLE001 - an unparsable pattern simply gets no prefilter
        return 0


def count_digits(text: str) -> int:
    """The number of decimal digits in ``text``."""
    if text.isascii():
        return sum(map(text.count, "0123456789"))
    return sum(map(str.isdecimal, text))


def rule_requirements(rule: Rule) -> tuple:
    """The prefilter requirements of a rule: from its pattern and (when the rule requires one) its context, then
    the number of digits its pattern consumes (when 3 or more: a text with fewer cannot hold a match)."""
    reqs = list(pattern_requirements(rule.pattern))
    if rule.context is not None and type(rule).find in (Rule.find, GatedRule.find):
        reqs.extend(pattern_requirements(rule.context, 1))
    n = pattern_min_digits(rule.pattern)
    if n >= 3:
        reqs.append(("digits", n))
    return tuple(dict.fromkeys(reqs))


def _test_expr(req, i, env: dict) -> str:
    """A Python expression (over the locals ``text``, ``low``, ``t``) with the value of ``requirement_test(req)(t)``:
    substring tests written out (no call per test); any other test is called."""
    kind = req[0]
    if kind == "lit" and req[1].isascii():
        env["S%s" % i] = req[1]
        if not req[2]:
            return "(S%s in text)" % i
        env["L%s" % i] = req[1].lower()
        env["P%s" % i] = re.compile(re.escape(req[1]), re.IGNORECASE).search
        return "((L{0} in low) if low is not None else (P{0}(text) is not None))".format(i)
    if kind == "cls":
        env["P%s" % i] = re.compile(req[1]).search
        return "(P%s(text) is not None)" % i
    if kind == "digits":  # the count is a local, computed once per text
        env["count_digits"] = count_digits
        return "((nd if nd is not None else (nd := count_digits(text))) >= %d)" % req[1]
    if kind == "any" and all(r[0] == "lit" and r[1].isascii() for r in req[1]):
        members = sorted(req[1], key=lambda r: (_cost(r), repr(r)))  # the order of ``requirement_test``'s any_word
        sens = [r[1] for r in members if not r[2]]
        lows = [r[1].lower() for r in members if r[2]]
        parts = []
        for k, w in enumerate(sens):
            env["S%s_w%d" % (i, k)] = w
            parts.append("S%s_w%d in text" % (i, k))
        if lows:
            env["P%s" % i] = re.compile("|".join(re.escape(r[1]) for r in members if r[2]), re.IGNORECASE).search
            for k, w in enumerate(lows):
                env["L%s_w%d" % (i, k)] = w
            parts.append("((" + " or ".join("L%s_w%d in low" % (i, k) for k in range(len(lows)))
                         + ") if low is not None else (P%s(text) is not None))" % i)
        return "(" + (" or ".join(parts) or "False") + ")"
    if kind == "any":  # any of mixed members: each member's expression, or-ed
        members = sorted(req[1], key=lambda r: (_cost(r), repr(r)))
        return "(" + " or ".join(_test_expr(r, "%s_%d" % (i, k), env) for k, r in enumerate(members)) + ")"
    env["T%s" % i] = requirement_test(req)
    return "T%s(t)" % i


def compile_plan(blocks) -> callable:
    """The plan as one straight-line Python function ``run(text, t, out)``: each distinct test is a local, evaluated
    at most once (when a rule first needs it, in rule order; substring tests written out inline) and each rule's
    ``find`` is called when all its tests hold, in the rules' order. Same decisions as looping over the plan with a
    memo dict (``run_rules_prefiltered_loop``), without the per-rule loop, dict look-ups and calls (~100 rules and
    ~130 tests per text)."""
    env: dict = {}
    ids: dict = {}
    exprs: dict = {}
    lines = ["def run(text, t, out):", "    low = t.low", "    nd = None"]
    for b, (gate, part) in enumerate(blocks):
        for rule, tests in part:
            for req, test in zip(rule_requirements(rule), tests):
                if test not in ids:
                    i = ids[test] = len(ids)
                    env["T%d" % i] = test
                    exprs[i] = _test_expr(req, i, env)
                    lines.append("    v%d = None" % i)
        ind = "    "
        if gate is not None:
            env["G%d" % b] = gate
            lines.append("    if G%d(t):" % b)
            ind = "        "
        lines.append(ind + "pass")
        for k, (rule, tests) in enumerate(part):
            env["F%d_%d" % (b, k)] = rule.find
            conds = ["(v{0} if v{0} is not None else (v{0} := {1}))".format(ids[test], exprs[ids[test]])
                     for test in tests]
            if conds:
                lines.append(ind + "if " + " and ".join(conds) + ":")
                lines.append(ind + "    out.extend(F%d_%d(text))" % (b, k))
            else:
                lines.append(ind + "out.extend(F%d_%d(text))" % (b, k))
    exec(compile("\n".join(lines) + "\n", "<rules plan>", "exec"), env)  # noqa: S102 - code built from the plan
    return env["run"]
