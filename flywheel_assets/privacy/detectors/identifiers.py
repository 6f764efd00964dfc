"""Structured identifiers and labelled values: handles and usernames, customer / account / policy / member ids,
bank routing and account numbers, national ids of several countries, vehicle plates and VINs, personal profile URLs,
and day-level dates in a personal context.

Every rule is written from the public definition of the format (check digits where the format has one: ABA routing
numbers, VIN position 9, Aadhaar's Verhoeff digit) or from a label in front of the value (``my customer id is X``,
``plate X``, ``PAN X``). ``IDENTIFIER_RULES`` is a list of ``base.Rule`` the rules detector runs with the others;
``detect(text)`` runs them alone.
"""

from __future__ import annotations

import re

from .base import Rule, Span, run_rules

_I = re.IGNORECASE
# between a label and its value: "is", "was", ":", "=", "#", "no.", quotes, "of"
_SEP = r"""(?:[ \t]*(?:[:=#]|\b(?:is|was|are|reads|of)\b|-)?[ \t]*["'`“]?[ \t]*)"""
_SEP_REQ = r"""(?:[ \t]*(?:[:=#]|\b(?:is|was)\b)[ \t]*["'`“]?[ \t]*|[ \t]+["'`“]?)"""
_SEP_IS = r"""(?:[ \t]*(?:[:=#]|\b(?:is|was)\b)[ \t]*["'`“]?[ \t]*)"""
_USER_LABEL_LOOSE = (r"\b(?:user[ _\-]?name|login(?:[ _\-]?name)?|screen[ _\-]?name|gamer[ _\-]?tag|user|uid|"
                     r"account[ _\-]?name)(?:\s+(?:on|for|at)\s+(?:the\s+|my\s+)?[\w.]+)?")
_USER_LABEL = (r"\b(?:user[ _\-]?name|login(?:[ _\-]?name)?|handle|screen[ _\-]?name|gamer[ _\-]?tag|nick(?:name)?|"
               r"user|uid|account[ _\-]?name)(?:\s+(?:on|for|at)\s+(?:the\s+|my\s+)?[\w.]+)?")

# -- handles and usernames -------------------------------------------------------------------------------------------
_NOT_HANDLE = frozenset("""here channel everyone all me you param return returns type property dataclass staticmethod
classmethod override app router pytest mock patch media import keyframes font-face supports tailwind apply layer
media""".split())
_HANDLE_VALUE = r"([A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,37}[A-Za-z0-9_])?)"


def _handle_ok(v: str) -> bool:
    v = v.lstrip("@")
    return v.casefold() not in _NOT_HANDLE and not v.isdigit() and len(v) >= 2


def _username_ok(v: str) -> bool:
    """A labelled username: not a plain English word in Title case or a stop word; letters needed."""
    f = v.casefold()
    return (_handle_ok(v) and any(c.isalpha() for c in v) and f not in _LABEL_STOP
            and (any(c in v for c in "_.-0123456789") or v.islower() and len(v) >= 3))


def _handle_like(v: str) -> bool:
    """A value after a loose label (only a space, or "is"): must look like a handle (a digit, ``_``, ``.`` or ``-``)."""
    return _username_ok(v) and any(c in v for c in "_.-0123456789") and not v.endswith(".")


_LABEL_STOP = frozenset("""is was the a an and or not none null n/a unknown required missing invalid my your his her
their our name id number here there this that it same below above empty changed updated taken available""".split())

_SITES = (r"\b(?:github|gitlab|twitter|instagram|insta|telegram|discord|reddit|tiktok|twitch|steam|mastodon|bluesky|"
          r"x\.com|skype|snapchat|slack|linkedin)\b")

HANDLE_RULES = [
    # @mentions (chat, social, Slack): not an e-mail's domain part, not a decorator opening a line, not @here
    Rule("at_handle", "USER_ID",
         re.compile(r"(?<![\w.@/+\-])(?<!^)(@" + _HANDLE_VALUE[1:-1] + r")(?![\w@]|\.[A-Za-z]{2,}\b(?!\.))"),
         0.7, group=1, validator=_handle_ok),
    # a labelled username / login / handle ("my username is x", "user=x", "github handle: x")
    # user=x, username "x": any handle-like value
    Rule("username_label", "USER_ID",
         re.compile(_USER_LABEL + r"""(?:[ \t]*=[ \t]*["'`“]?|[ \t]*[:=]?[ \t]*["'`“])""" + _HANDLE_VALUE, _I), 0.7,
         group=1, validator=_username_ok),
    # "my username is x", "login: x", "user x": the value must look like a handle (a digit, _ . or -), so a
    # transcript's "User: hello" or "the user is logged in" stays
    Rule("username_label_bare", "USER_ID",
         re.compile(_USER_LABEL + _SEP_IS + _HANDLE_VALUE, _I), 0.65, group=1, validator=_handle_like),
    # only a space after the label: not "handle" / "nick" (verbs: "can handle non-linear input")
    Rule("username_label_space", "USER_ID",
         re.compile(_USER_LABEL_LOOSE + r"[ \t]+[\"'`“]?" + _HANDLE_VALUE, _I), 0.65, group=1, validator=_handle_like),
    # "I'm <handle> on github", "find me as <handle> on discord"
    Rule("username_before_site", "USER_ID",
         re.compile(r"\b(?:i'?m|i[ \t]+am|as|me[ \t]+at)[ \t]+@?" + _HANDLE_VALUE + r"[ \t]+(?:on|at)[ \t]+" + _SITES,
                    _I), 0.7, group=1, validator=_handle_like),
    # "github: <handle>", "my twitter is <handle>"
    Rule("username_on_site", "USER_ID",
         re.compile(_SITES + r"(?:[ \t]+(?:handle|username|user|name|id|account))?"
                    + _SEP_REQ + r"@?" + _HANDLE_VALUE, _I),
         0.7, group=1, validator=_handle_like),
]

# -- labelled account-type ids ---------------------------------------------------------------------------------------
_ID_KIND = (r"(?:customer|client|account|acct|policy|member(?:ship)?|subscriber|subscription|patient|employee|"
            r"loyalty|rewards|frequent[ \t]flyer|insurance|insured|contract|claim|beneficiary|student|tenant|"
            r"license|licence|user)")
_ID_WORD = r"(?:[ _\-]?(?:id|no\.?|nr\.?|num(?:ber)?|#|code|ref(?:erence)?)|[ \t]+card(?:[ \t]+(?:no\.?|number))?)"
_ID_VALUE = r"((?=[\w\-/ ]*\d)[A-Za-z0-9](?:[A-Za-z0-9_\-/]|[ ](?=\d{3,}))*[A-Za-z0-9])"


def _id_ok(v: str) -> bool:
    digits = sum(c.isdigit() for c in v)
    return 4 <= len(v.replace(" ", "")) <= 34 and digits >= 3


ACCOUNT_RULES = [
    Rule("labelled_id", "ACCOUNT_ID",
         re.compile(r"\b" + _ID_KIND + _ID_WORD + r"\b\.?(?:[ \t]+on[ \t]+(?:file|(?:the|my|your)[ \t]+\w+(?:[ \t]+card)?))?" + _SEP
                    + _ID_VALUE, _I), 0.7, group=1, validator=_id_ok),
    # "account ACC-00418823", "policy HX-2209-551873": a kind word right before a code with a letter + digit block
    Rule("kind_code", "ACCOUNT_ID",
         re.compile(r"\b(?:account|acct|policy|membership|member|subscriber|customer|patient)\b[ \t]+"
                    r"((?=[A-Z]{1,4}[\-_]?\d)[A-Z]{1,4}[\-_]?\d[\dA-Z\-]{3,24})(?![\w\-])", _I), 0.65, group=1),
]

# -- banking ---------------------------------------------------------------------------------------------------------


def aba_ok(v: str) -> bool:
    """US ABA routing number: 9 digits, 3-7-1 weighted checksum, first two digits a Federal Reserve prefix."""
    d = [int(c) for c in v if c.isdigit()]
    if len(d) != 9 or not (0 <= d[0] * 10 + d[1] <= 12 or 21 <= d[0] * 10 + d[1] <= 32 or d[0] * 10 + d[1] in
                           (61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 80)):
        return False
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


BANK_RULES = [
    Rule("routing_number", "BANK_ACCOUNT",
         re.compile(r"\b(?:routing|aba|rtn|transit|sort[ \t]?code|bsb|ifsc)(?:[ \t]+(?:number|no\.?|#|code))?"
                    + _SEP + r"(\d{9}|\d{2}-\d{2}-\d{2}|\d{3}-?\d{3}|[A-Z]{4}0[A-Z0-9]{6})(?![\w\-])", _I),
         0.75, group=1, validator=lambda v: aba_ok(v) if len(v) == 9 and v.isdigit() else True),
    Rule("bank_account", "BANK_ACCOUNT",
         re.compile(r"\b(?:(?:bank|checking|savings|deposit)[ \t]+)?(?:account|acct|a/c)(?:[ \t]+(?:number|no\.?|#|"
                    r"num))?" + _SEP + r"(\d(?:[\d \-]{4,20})\d)(?![\w\-])", _I), 0.7, group=1,
         validator=lambda v: 6 <= sum(c.isdigit() for c in v) <= 17),
    Rule("swift_bic", "BANK_ACCOUNT",
         re.compile(r"\b(?:swift|bic)(?:[ \t]+code)?" + _SEP + r"([A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b", _I), 0.7,
         group=1),
]

# -- national ids ----------------------------------------------------------------------------------------------------
_VERHOEFF_D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
               [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
               [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
               [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VERHOEFF_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
               [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
               [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]


def verhoeff_ok(v: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed([x for x in v if x.isdigit()])):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def nino_ok(v: str) -> bool:
    """UK National Insurance number prefix rules (HMRC): no D F I Q U V, no O second, not BG GB KN NK NT TN ZZ."""
    p = v[:2].upper()
    return p[0] not in "DFIQUV" and p[1] not in "DFIQUVO" and p not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")


_NATIONAL_LABEL = (r"(?:national[ \t]+(?:id(?:entity)?|insurance|identity)(?:[ \t]+(?:card|number|no\.?))?|"
                   r"ni[ \t]+(?:number|no\.?)|nin[o]?|social[ \t]+(?:security|insurance)(?:[ \t]+(?:number|no\.?))?|"
                   r"ssn|sin|tax[ \t]?(?:payer[ \t]+)?(?:id|identification|number|file[ \t]+number)|tin|itin|"
                   r"id[ \t]+(?:card|number|no\.?)|identity[ \t]+(?:card|number)|"
                   r"(?:sozialversicherungs|steuer(?:identifikations)?|rentenversicherungs)[ \t-]?(?:nummer|nr\.?|id)|"
                   r"personal[ \t]?(?:nummer|ausweis(?:nummer)?|id)|personnummer|fødselsnummer|henkilötunnus|"
                   r"pesel|bsn|burgerservicenummer|nir|insee|dni|nie|nif|cpf|rg|curp|rfc|codice[ \t]+fiscale|"
                   r"aadhaa?r(?:[ \t]+(?:number|no\.?|card))?|pan(?:[ \t]+(?:card|number|no\.?))*|voter[ \t]+id|"
                   r"medicare(?:[ \t]+(?:number|no\.?))?|nhs[ \t]+(?:number|no\.?)|health[ \t]+(?:card|insurance)"
                   r"[ \t]+(?:number|no\.?)|resident[ \t]+(?:registration|id)[ \t]+number)")


def _national_ok(v: str) -> bool:
    digits = sum(c.isdigit() for c in v)
    return digits >= 5 or digits >= 4 and sum(c.isalpha() for c in v) >= 2


NATIONAL_RULES = [
    Rule("uk_nino", "NATIONAL_ID",
         re.compile(r"(?<![\w\-])([A-CEGHJ-PR-TW-Z]{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?[A-D])(?![\w\-])"), 0.8,
         validator=nino_ok),
    Rule("in_pan", "NATIONAL_ID",
         re.compile(r"(?<![\w\-])[A-Z]{3}[PCHFATBLJG][A-Z]\d{4}[A-Z](?![\w\-])"), 0.75),
    Rule("in_aadhaar", "NATIONAL_ID",
         re.compile(r"(?<![\w\-])[2-9]\d{3}[ \-]?\d{4}[ \-]?\d{4}(?![\w\-])"), 0.8, validator=verhoeff_ok,
         context=re.compile(r"(?i:aadhaa?r|uidai|\buid\b)[^\n]{0,30}$")),
    # any national / tax / social-insurance id after its label (country formats vary: keep the label's value)
    Rule("national_id_label", "NATIONAL_ID",
         re.compile(r"\b" + _NATIONAL_LABEL + r"\b\.?(?:[ \t]+(?:is|was|no\.?|number))?" + _SEP
                    + r"((?=[A-Z0-9 \-./]*\d)[A-Z0-9](?:[A-Z0-9\-./]|[ ](?=\d|(?-i:[A-Z]{1,2})\b))*[A-Z0-9])(?![\w\-])", _I),
         0.7, group=1, validator=_national_ok),
]

# -- vehicles --------------------------------------------------------------------------------------------------------
_VIN_MAP = {**{str(i): i for i in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))),
            "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


def vin_check_ok(v: str) -> bool:
    """North-American VIN check digit (position 9; ISO 3779 with the NHTSA weights)."""
    v = v.upper()
    if len(v) != 17 or any(c not in _VIN_MAP for c in v):
        return False
    s = sum(_VIN_MAP[c] * w for c, w in zip(v, _VIN_W)) % 11
    return v[8] == ("X" if s == 10 else str(s))


def _vin_shape(v: str) -> bool:
    return sum(c.isdigit() for c in v) >= 3 and sum(c.isalpha() for c in v) >= 2


def _plate_ok(v: str) -> bool:
    core = re.sub(r"[ \-]", "", v)
    return 4 <= len(core) <= 10 and any(c.isdigit() for c in core) and any(c.isalpha() for c in core)


VEHICLE_RULES = [
    Rule("vin", "VEHICLE_ID", re.compile(r"(?<![\w\-])[A-HJ-NPR-Z0-9]{17}(?![\w\-])"), 0.8,
         validator=lambda v: _vin_shape(v) and vin_check_ok(v)),
    Rule("vin_label", "VEHICLE_ID",
         re.compile(r"\b(?:vin|vehicle[ _\-]?(?:identification[ \t]+)?(?:id|number|no)?|chassis(?:[ \t]+(?:number|"
                    r"no\.?))?)\b[\"']?" + _SEP + r"([A-HJ-NPR-Z0-9]{11,17})(?![\w\-])", _I), 0.75, group=1,
         validator=_vin_shape),
    # label in any case, value in capitals
    Rule("plate_label", "VEHICLE_ID",
         re.compile(r"\b(?i:(?:licen[cs]e|number|registration|reg\.?)[ \t]+plate|plate(?:[ \t]+(?:number|no\.?))?|"
                    r"(?:vehicle|car)[ \t]+(?:registration|reg\.?)(?:[ \t]+(?:number|no\.?))?|my[ \t]+reg|"
                    r"registration[ \t]+(?:number|no\.?)|tag[ \t]+number)" + _SEP
                    + r"([A-Z0-9]{1,8}(?:[ \-][A-Z0-9]{1,4}){0,3})(?![\w\-])"), 0.7, group=1, validator=_plate_ok),
]

# -- personal profile URLs (also without a scheme) -------------------------------------------------------------------
PROFILE_RULES = [
    Rule("profile_url", "URL",
         re.compile(r"(?<![\w./@])(?:https?://)?(?:www\.|m\.)?(?:linkedin\.com/(?:in|pub)|instagram\.com|"
                    r"facebook\.com|fb\.com|twitter\.com|x\.com|github\.com|gitlab\.com|tiktok\.com/@|"
                    r"youtube\.com/(?:@|c/|user/|channel/)|medium\.com/@|reddit\.com/(?:u|user)|t\.me|threads\.net/@|"
                    r"vk\.com|xing\.com/profile|behance\.net|dribbble\.com|soundcloud\.com|pinterest\.com|"
                    r"flickr\.com/people|about\.me|linktr\.ee|bsky\.app/profile)/?[\w.\-@%]{2,80}/?", _I), 0.7),
]

# -- day-level dates in a personal context ---------------------------------------------------------------------------
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_ORD = r"(?:st|nd|rd|th)?"
# a person's event right before a date: as a word or a field label ("admitted 2023-11-28", "dob: ...")
_EVENT_WORDS = (r"(?:born|birth(?:day|date)?|dob|d\.o\.b\.?|admitted|admission|discharged?|appointment|appt|"
                r"visit(?:ed)?|seen|surgery|procedure|operation|scheduled|booked|reserved|arriv(?:e|al|ing)|"
                r"depart(?:ure|ing)?|fly(?:ing)?|flight|travel(?:l?ing)?|return(?:ing)?|check-?in|check-?out|died|death|"
                r"deceased|married|wedding|moved|started|hired|terminated|delivered|due|last[ \t]+seen|"
                r"date[ \t]+of[ \t]+\w+)")
# ... or a preposition written in prose (not a bare "date" / "from" field of a log record)
_EVENT = (r"(?:\b(?i:" + _EVENT_WORDS + r")[\"']?[ \t]*[:=]?[ \t]*[\"']?[ \t]*(?i:(?:on|at|of|for)[ \t]+)?|"
          r"\b(?i:on|since|until|from|between|and)[ \t]+)$")
# a person in the sentence before a day-month date: a pronoun, a patient, or an event word (a history list's
# "24th July: the moon landing" is public, not personal)
_PERSONAL = re.compile(r"(?:\b(?i:i|i'm|i've|i'll|my|me|we|we're|our|us|you|your|he|she|his|her|him|they|their|"
                       r"patient|pt|client|customer|caller)\b|\b(?i:" + _EVENT_WORDS + r"))[^\n]*$")
# a number + capitalised word + street word is a house number, not a day ("in March 5 Oak Road")
_NOT_HOUSE = (r"(?![ \t]+[A-Z][\w'’\-]*[ \t]+(?i:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|"
              r"court|ct|place|pl|terrace|close|crescent)\b)")
DATE_RULES = [
    # month name + day, no year ("June 3rd", "December 2", "17 August"); capitalised month ("may" is a verb)
    Rule("date_day_month", "DATE_TIME",
         re.compile(r"(?<![\w/.\-])(?:" + _MONTH + r"\.?[ \t]+(?:[12]\d|3[01]|0?[1-9])" + _ORD + _NOT_HOUSE
                    + r"(?![\w:.]\d)"
                    r"(?!,?[ \t]+(?:19|20)\d\d)|(?:[12]\d|3[01]|0?[1-9])" + _ORD + r"[ \t]+(?:of[ \t]+)?" + _MONTH
                    + r"\b\.?(?![ \t]+(?:19|20)\d\d))(?![\w\-])"), 0.6, context=_PERSONAL),
    # an ISO date or a numeric date after an event word (a log timestamp has no such word before it)
    Rule("date_iso_event", "DATE_TIME",
         re.compile(r"(?<![\w/.\-:])(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\w:]|[T ]\d)"), 0.65,
         context=re.compile(_EVENT)),
    # numeric day/month without a year after an event word ("admitted 3/14", "seen on 11/02")
    Rule("date_numeric_event", "DATE_TIME",
         re.compile(r"(?<![\w/.\-:])(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?![\w/\-:]|\.\d)"), 0.6,
         context=re.compile(_EVENT)),
]

IDENTIFIER_RULES: list[Rule] = [*HANDLE_RULES, *ACCOUNT_RULES, *BANK_RULES, *NATIONAL_RULES, *VEHICLE_RULES,
                                *PROFILE_RULES, *DATE_RULES]


def detect(text: str) -> list[Span]:
    """All identifier rules over ``text`` (the cascade runs them inside the rules detector instead)."""
    return sorted(run_rules(IDENTIFIER_RULES, text))
