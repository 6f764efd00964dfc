"""Rule detectors for PII formats: emails (also obfuscated), phones (international and local), cards (Luhn),
IBAN (mod-97), SSN, IPv4/IPv6, MAC, URLs, street addresses, ZIP/postcodes, titles, natural-language dates,
driver licences / passports with context, crypto wallets.

Generic formats only (what logs are full of); nothing is keyed to a benchmark template or value.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from .addresses import ADDRESS_RULES
from .base import Rule, Span, run_rules
from .identifiers import IDENTIFIER_RULES
from .rule_prefilter import PrefilterText, compile_plan, requirement_test, rule_requirements

_I = re.IGNORECASE


def luhn_total(digits: list[int]) -> int:
    """Luhn sum of a full number (check digit last): every second digit from the right doubled."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def luhn_check_digit(body: list[int]) -> int:
    """The digit that makes ``body + [digit]`` pass the Luhn check."""
    return (10 - luhn_total(body + [0]) % 10) % 10


def luhn_ok(value: str) -> bool:
    digits = [int(c) for c in value if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    return luhn_total(digits) % 10 == 0 and len(set(digits)) > 1


def iban_ok(value: str) -> bool:
    s = re.sub(r"[\s\-]", "", value).upper()
    if not 15 <= len(s) <= 34 or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    moved = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in moved)
    try:
        return int(num) % 97 == 1
    except ValueError:
        return False


def ipv4_ok(value: str) -> bool:
    try:
        ip = ipaddress.IPv4Address(value)
    except ValueError:
        return False
    # 0.0.0.0 and versions like 1.2.3.4 in prose are rare; keep loopback/private: they identify internal hosts
    return str(ip) != "0.0.0.0"


def ipv6_ok(value: str) -> bool:
    if value.count(":") < 2:
        return False
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return value != "::"


def ssn_ok(value: str) -> bool:
    d = re.sub(r"\D", "", value)
    if len(d) != 9:
        return False
    area, group, serial = d[:3], d[3:5], d[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000" and len(set(d)) > 2


_ISO_DATE = re.compile(r"^(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])$")
_DOTTED_DATE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-](?:\d{2}|\d{4})$")
_VERSION = re.compile(r"^\d+(?:\.\d+){1,3}$")
_US_DOTTED_PHONE = re.compile(r"^(?:\+?1\.)?[2-9]\d{2}\.[2-9]\d{2}\.\d{4}$")


def phone_ok(value: str) -> bool:
    digits = re.sub(r"\D", "", re.split(r"(?i)\s*(?:x|ext\.?)\s*\d", value)[0])
    if not 7 <= len(digits) <= 15:
        return False
    v = value.strip()
    if _US_DOTTED_PHONE.match(v):  # 415.555.0132: a North-American number, not a version string
        return True
    if _ISO_DATE.match(v) or _DOTTED_DATE.match(v) or _VERSION.match(v):
        return False
    if len(set(digits)) == 1:
        return False
    return True


_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
           r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_CAP = r"[A-ZÀ-ÖØ-Þ][\w'’\-]*"
_NOT_ORG_START = frozenset("""the a an this that our your my his her their its and or of in at for with from to by
on as we you they it is was""".split())
# words after "Hi" / "Thanks" that are not names
_NOT_GREETING_NAME = frozenset("""there all everyone everybody team folks guys again so much both you again anyway
support sir madam maam ma'am friend friends agent bot assistant admin again for again""".split())

# first words after "Thanks," / "This is" / "Regards," that start a sentence, not a name ("Thanks, I will check",
# "This is A great idea", "Regards, The Team"); "An" and "My" are left out: they are also given names
_NOT_INTRO_START = _NOT_GREETING_NAME | frozenset("""i i'm i'll i've i'd the a it we you they this that our your his
her their its there what which who how why when where if it's we're you're they're""".split())

PII_RULES: list[Rule] = [
    Rule("email", "EMAIL_ADDRESS",
         # an apostrophe inside the local part (o'brien@, RFC 5322 atext); a mail system's routing suffix after
         # the domain (name@example.com@HUB, Lotus Notes / Exchange exports) belongs to the address
         re.compile(r"(?<![\w+\-])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]|'(?=[A-Za-z])){0,63}@(?:[A-Za-z0-9\-]+\.)+"
                    r"[A-Za-z]{2,24}\b(?:@[A-Za-z][\w\-]{1,30}\b(?![.@]))?"), 0.95),
    Rule("email_obfuscated", "EMAIL_ADDRESS",
         re.compile(r"\b[A-Za-z0-9._%+\-]{1,64}\s*(?:\[at\]|\(at\)|\{at\}|\s+at\s+)\s*[A-Za-z0-9\-]{1,63}"
                    r"(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|\s+dot\s+|\.)\s*[A-Za-z0-9\-]{1,63})*"
                    r"\s*(?:\[dot\]|\(dot\)|\{dot\}|\s+dot\s+)\s*(?:com|org|net|edu|gov|io|ai|co|de|uk|fr|info|biz|"
                    r"[a-z]{2})\b", _I), 0.85),
    Rule("credit_card", "CREDIT_CARD",
         re.compile(r"(?<![\d\-])(?:\d[ \-]?){12,18}\d(?![\d\-])"), 0.9, validator=luhn_ok),
    Rule("iban", "IBAN_CODE",
         re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]{4}){2,7}(?:[ \-]?[A-Za-z0-9]{1,4})?\b"), 0.95,
         validator=iban_ok),
    Rule("ssn", "US_SSN", re.compile(r"(?<![\d\-])\d{3}([\- ])\d{2}\1\d{4}(?![\d\-])"), 0.8, validator=ssn_ok),
    Rule("ssn_ctx", "US_SSN", re.compile(r"(?<!\d)\d{9}(?!\d)"), 0.8, validator=ssn_ok,
         context=re.compile(r"\b(?:ssn|social security|social sec|taxpayer|tin)\b", _I)),
    Rule("ipv4", "IP_ADDRESS",
         re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
                    r"(?:/\d{1,2})?(?![\w]|\.\d)"), 0.85, validator=lambda v: ipv4_ok(v.split("/")[0])),
    Rule("ipv6", "IP_ADDRESS",
         re.compile(r"(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:.]{1,44}[0-9A-Fa-f:](?:%\w+)?(?![\w:])"), 0.85,
         validator=lambda v: ipv6_ok(v.split("%")[0])),
    Rule("mac", "MAC_ADDRESS",
         re.compile(r"(?<![\w:\-])[0-9A-Fa-f]{2}([:\-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![\w:\-])"), 0.9),
    Rule("mac_dot", "MAC_ADDRESS", re.compile(r"\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b"), 0.85),
    Rule("phone_intl", "PHONE_NUMBER",
         re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}[\s.\-]?(?:\(\d{1,4}\)[\s.\-]?)?\d{1,4}(?:[\s.\-]?\d{2,5}){1,4}"
                    r"(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?!\w)"), 0.8, validator=phone_ok),
    Rule("phone_paren", "PHONE_NUMBER",
         re.compile(r"(?<![\w)])\(\d{2,5}\)\s?\d{2,5}(?:[\s.\-]\d{2,5}){0,3}(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?!\w)"),
         0.8, validator=phone_ok),
    Rule("phone_sep", "PHONE_NUMBER",
         re.compile(r"(?<![\w.\-/:])\d{2,5}(?:[\-. ]\d{2,8}){1,4}(?:\s*(?:x|ext\.?)\s*\d{1,5})?"
                    r"(?![\w/:]|[\-.]\d)"),
         0.6, validator=lambda v: phone_ok(v) and len(re.sub(r"\D", "", v)) >= 8 and (
             "-" in v or "." in v or len(v.split()) >= 3)),
    Rule("phone_ctx", "PHONE_NUMBER", re.compile(r"(?<![\w\-])\d{7,12}(?![\w\-])"), 0.7, validator=phone_ok,
         context=re.compile(r"\b(?:phone|tel|telephone|mobile|cell|fax|call|text|sms|whatsapp|number|reach|dial|"
                            r"contact|pager|beeper|ph)\b", _I)),
    Rule("phone_ctx_groups", "PHONE_NUMBER",
         re.compile(r"(?<![\w\-.])\d{2,5}(?:[ .\-]\d{2,8}){1,3}(?![\w\-]|\.\d)"), 0.7,
         validator=lambda v: phone_ok(v) or (6 <= len(re.sub(r"\D", "", v)) <= 15 and len(v.split()) >= 2),
         context=re.compile(r"\b(?:phone|tel|telephone|mobile|cell|fax|call|text|sms|whatsapp|reach|dial|"
                            r"number|contact|pager|beeper|ph)\b[^\n\d]{0,25}$", _I)),
    Rule("phone_labelled", "PHONE_NUMBER",
         re.compile(r"(?<![\w\-.])\+?\(?\d{2,5}\)?(?:[ .\-]?\d{2,8}){1,4}(?:\s*(?:x|ext\.?)\s*\d{1,5})?"
                    r"(?=[ \t]*-?[ \t]*(?i:office|fax|mobile|cell|home|work|tel)\b)"), 0.75,
         validator=lambda v: 6 <= len(re.sub(r"\D", "", re.split(r"(?i)x|ext", v)[0])) <= 15),
    Rule("url", "URL",
         re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`)\]]+|\bwww\.[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+[^\s<>\"'`)\]]*",
                    _I), 0.6),
    *ADDRESS_RULES,  # street addresses, units, postcodes (detectors/addresses.py)
    Rule("title_name", "PERSON",
         re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord|Madam|Mme|Mlle|Herr|Frau|Sr|Sra|Rev|Fr)\.?"
                    r"[ \t]+" + _CAP + r"(?:[ \t]+" + _CAP + r"){0,2}"), 0.8),
    Rule("title_name_lower", "PERSON",
         re.compile(r"\b(?i:mr|mrs|ms|mx|dr|prof)\.\s+[a-zà-ÿ][\w'’\-]{1,30}(?:\s+[A-Za-zÀ-ÿ][\w'’\-]{1,30})?"
                    r"(?=\s+(?:is|was|and|has|had|said|will|would|from|of|at|in|who|to)\b|[,.;:!?]|$)"), 0.7),
    Rule("name_intro", "PERSON",
         re.compile(r"\b(?i:my name is|my name's|i am called|this is|signed|regards,|sincerely,|thanks,|cheers,|"
                    r"name:|full name:|contact:|customer:|patient:|attn:?|dear)\s+(" + _CAP + r"(?:[ \t]+" + _CAP
                    + r"){0,3})"), 0.65, group=1,  # the value may start on the next line; a name never spans lines
         validator=lambda v: v.split()[0].casefold().replace("’", "'") not in _NOT_INTRO_START),
    # organisations by their legal / institutional suffix (Harlow Ltd., Brennan Group, Acme GmbH)
    Rule("org_suffix", "ORGANIZATION",
         re.compile(r"\b(?:" + _CAP + r"(?:,?[ \t]+(?:&|and)[ \t]+|[ \t]+)){1,3}(?:Inc|LLC|L\.L\.C|Ltd|Limited|GmbH|AG|S\.A|SA|"
                    r"SAS|SARL|S\.r\.l|SpA|B\.V|BV|N\.V|NV|PLC|plc|Corp|Corporation|Co|Company|Group|Holdings|"
                    r"Partners|LLP|LP|Associates|Sons|Bros|Brothers|Foundation|Industries|Enterprises|Technologies|"
                    r"Consulting|Ventures|Capital|Pty|KG|Oy|AB|ASA|A/S)\b\.?"), 0.6,
         validator=lambda v: v.split()[0].casefold() not in _NOT_ORG_START),
    Rule("greeting_name", "PERSON",
         re.compile(r"\b(?i:hi|hello|hey|dear|thanks|thank you|good (?:morning|afternoon|evening)|welcome back|bye)"
                    r",?[ \t]+(" + _CAP + r"(?:[ \t]+" + _CAP + r")?)(?=[ \t]*(?:[,!.?:;]|$))", re.M), 0.6, group=1,
         validator=lambda v: not any(w.casefold() in _NOT_GREETING_NAME for w in v.split())),
    Rule("date_numeric", "DATE_TIME",
         re.compile(r"(?<![\w/.\-:])(?:0?[1-9]|[12]\d|3[01])[/.](?:0?[1-9]|[12]\d|3[01])[/.](?:19|20)?\d{2}"
                    r"(?![\w/\-:]|\.\w)"), 0.6),  # a sentence's full stop may follow; 1.2.3.4 may not
    Rule("date_text", "DATE_TIME",
         re.compile(r"\b(?:" + _MONTHS + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}|\d{1,2}(?:st|nd|rd|th)?"
                    r"\s+(?:of\s+)?" + _MONTHS + r"\.?,?\s+(?:19|20)\d{2})\b", _I), 0.6),
    Rule("dob_ctx", "DATE_TIME",
         re.compile(r"(?<![\w/.\-:])(?:19|20)\d{2}-\d{2}-\d{2}(?![\w:])"), 0.7,
         context=re.compile(r"\b(?:born|birth|dob|birthday|b\.)\W*\w*\W*$", _I)),
    # a date-time labelled as a person's event (an appointment, a visit, a meeting, "When: ..."): a linkage key into
    # other records (HIPAA counts such dates as identifiers). Unlabelled log timestamps stay (see cascade._LOG_TIME).
    Rule("event_datetime", "DATE_TIME",
         re.compile(r"(?<![\w/.\-:])(?:19|20)\d{2}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
                    r"(?:Z|[+\-]\d{2}:?\d{2})?(?![\w:])"), 0.6,
         context=re.compile(r"\b(?:date|when|appointment|appt|visit|meeting|scheduled|booked|reserved|arrival|"
                            r"departure|check-?in|check-?out|pick-?up|drop-?off|admitted|admission|discharged?|"
                            r"born|birth|dob)(?:\s*[\"']?\s*[:=]\s*[\"']?|\s+(?:on|at|for))\s*$", _I)),
    Rule("driver_license", "US_DRIVER_LICENSE",
         re.compile(r"(?<![\w\-])(?=[A-Z0-9\-]*\d)[A-Z0-9][A-Z0-9\-]{5,16}(?![\w\-])", _I), 0.7,
         context=re.compile(r"\b(?:driver'?s?|driving)\s*(?:licen[cs]e|lic\.?|permit)\b[^\n]{0,25}$|\bDL\s*#?:?\s*$",
                            _I)),
    Rule("passport", "US_PASSPORT",
         re.compile(r"(?<![\w\-])(?=[A-Z0-9]*\d)[A-Z0-9]{6,10}(?![\w\-])", _I), 0.7,
         context=re.compile(r"\bpassport\b[^\n]{0,25}$", _I)),
    Rule("btc", "CRYPTO", re.compile(r"\b(?:bc1[a-z0-9]{25,39}|[13][a-km-zA-HJ-NP-Z1-9]{25,34})\b"), 0.6,
         validator=lambda v: any(c.isdigit() for c in v) and any(c.isalpha() for c in v)),
    Rule("eth", "CRYPTO", re.compile(r"\b0x[a-fA-F0-9]{40}\b"), 0.6),
    Rule("user_id_ctx", "USER_ID",
         re.compile(r"\b(?:user|customer|client|member|account|patient|employee)[ _\-]?(?:id|number|no|#)\b"
                    r"[\"']?\s*[:=#]?\s*[\"']?((?=[\w\-]*\d)[\w\-]{4,40})", _I), 0.7, group=1),
    *IDENTIFIER_RULES,  # handles, labelled ids, bank / national / vehicle ids, profile URLs, dates (identifiers.py)
]


@lru_cache(maxsize=1)
def _all_rules() -> tuple:
    from .secrets import SECRET_RULES

    return tuple(SECRET_RULES) + tuple(PII_RULES)


@lru_cache(maxsize=1)
def _planned_rules() -> tuple[tuple[Rule, tuple], ...]:
    return tuple((r, tuple(requirement_test(q) for q in rule_requirements(r))) for r in _all_rules())


@lru_cache(maxsize=1)
def _planned_blocks() -> tuple[tuple, ...]:
    """The rules in order, in blocks (the secret rules, the PII rules), each with a gate that is true whenever any
    of its rules' first requirements holds (None when some rule has none): one test skips all ~36 secret rules on
    the usual text."""
    from .secrets import SECRET_RULES

    plan = _planned_rules()
    blocks = []
    for part in (plan[:len(SECRET_RULES)], plan[len(SECRET_RULES):]):
        firsts = [rule_requirements(r)[:1] for r, _ in part]
        gate = None
        if part and all(firsts):
            members = set()
            for (q,) in firsts:
                members.update(q[1] if q[0] == "any" else (q,))
            gate = requirement_test(("any", frozenset(members)))
        blocks.append((gate, part))
    return tuple(blocks)


@lru_cache(maxsize=1)
def _compiled_plan():
    return compile_plan(_planned_blocks())


def run_rules_prefiltered(text: str) -> list[Span]:
    """``run_rules(_all_rules(), text)`` with each rule skipped when one of its required elements is absent."""
    out: list[Span] = []
    _compiled_plan()(text, PrefilterText(text), out)
    return out


def run_rules_prefiltered_loop(text: str) -> list[Span]:
    """The same as ``run_rules_prefiltered``, by looping over the plan (kept to check the compiled plan)."""
    seen: dict = {}
    t = PrefilterText(text)
    out: list[Span] = []
    for gate, part in _planned_blocks():
        if gate is not None and not gate(t):
            continue
        for rule, tests in part:
            ok = True
            for test in tests:
                v = seen.get(test)
                if v is None:
                    v = seen[test] = test(t)
                if not v:
                    ok = False
                    break
            if ok:
                out.extend(rule.find(text))
    return out


_DIGIT_GROUPS = re.compile(r"(?<![\w\-])\d{1,8}(?:[ \-]\d{1,8})+(?![\w\-])")


def card_windows(text: str) -> list[Span]:
    """Luhn-valid card numbers inside a longer run of digit groups (``ref 0000 4000 0000 0001 2346``): the card
    rule takes the longest run, which fails Luhn as a whole; here every window of consecutive groups with 13-19
    digits is tried (longest first, left to right)."""
    out: list[Span] = []
    for m in _DIGIT_GROUPS.finditer(text):
        groups = [(g.start() + m.start(), g.end() + m.start()) for g in re.finditer(r"\d+", m.group(0))]
        if len(groups) < 3 or sum(b - a for a, b in groups) <= 19 and luhn_ok(m.group(0)):
            continue  # the plain card rule handles a whole run
        i = 0
        while i < len(groups):
            found = None
            for j in range(len(groups), i, -1):
                n = sum(b - a for a, b in groups[i:j])
                if 13 <= n <= 19 and luhn_ok(text[groups[i][0]:groups[j - 1][1]]):
                    found = j
                    break
            if found:
                out.append(Span(groups[i][0], groups[found - 1][1], "CREDIT_CARD", 0.85, "credit_card_window"))
                i = found
            else:
                i += 1
    return out


def detect_rules(text: str, *, mask_dates: bool = True, prefilter: bool = True) -> list[Span]:
    """All PII + secret rules over ``text``. ``prefilter=False`` runs every rule's regex (the reference path; the
    output is identical, only slower)."""
    spans = run_rules_prefiltered(text) if prefilter else run_rules(list(_all_rules()), text)
    if " " in text or "-" in text:
        spans.extend(card_windows(text))
    if not mask_dates:
        spans = [s for s in spans if s.entity_type != "DATE_TIME"]
    return spans
