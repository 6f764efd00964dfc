"""Street-address and postcode rules: an international postal-address grammar built from the UPU address formats and
national conventions (no data package; nothing keyed to a benchmark template or value).

* number + name + street word, the US/UK/IE/AU order (``221B Baker Street``, ``12 rue de Rivoli``);
* street-type word + name + house number, the Romance / Slavic / Romanian order (``Calle de Alcalá 50``,
  ``Via Roma 12``, ``ul. Marszałkowska 10/12``, ``Av. Paulista, 1578``, ``Strada Lipscani nr. 5``);
* name + street word (separate or glued) + house number, the Germanic / Nordic / Hungarian / Baltic / Turkish order
  (``Hauptstraße 5a``, ``Prinsengracht 263``, ``Drottninggatan 5``, ``Mannerheimintie 5``, ``Andrássy út 60``,
  ``Brīvības iela 12``, ``İstiklal Caddesi No: 12``);
* unit designators (``Apt. 4``, ``Suite 200``, ``Flat 3B``, ``Wohnung 5``, ``3º andar``) and, after a street only,
  ``bus 3`` / ``Top 5`` / ``m. 5``;
* postcodes: US ZIP(+4) after a state code or name, UK, CA ``A1A 1A1``, NL ``1234 AB City``, PL ``12-345 City``,
  PT ``1234-567 City``, BR ``CEP 12345-678``, JP ``〒123-4567``, SE/CZ/SK ``123 45 City``, country-prefixed
  ``D-10115 Berlin``, and generic 4–6 digit codes only next to address words (``zip``, ``PLZ``, after a house
  number line, before ``City`` at a line end);
* street intersections (``the corner of 5th Avenue and 42nd Street``);
* US military mail (``PSC 1234, Box 5678 APO AE 09876``) and address cues (``my address is 12 ...``);
* whole postal blocks: a street line (house number first or last, a unit before / after it) and up to three
  town / region / unit lines (an empty ``N/A`` field of a form export, at most one blank line, ``> `` quoting)
  down to a bare postcode line; on one line, the town words after ``<street> <unit>`` up to the clause end;
* lower-case streets in an address's own frame (``65 via lagrange 3``: a house number on both sides of a weak
  street word; ``pernilles vei 115``: a foreign street word), Catalan / Basque / Greek / Cyrillic street words,
  Greek streets with no street word after an initial or a house number (``Λ. Αλεξάνδρας 45``), and a locality or
  building word before a number-first street after an address cue (``sent to Eyrarodda 6 Mahler Street``).

Precision guards (what logs are full of): durations / distances (``10 minute walk``), function words inside a
street name (``1, followed by the starting square``), ``One way`` / ``For loop`` / ``World View``, ``St.`` as
Saint, airport gates, years before a place (``2020 Toyota``), order ids, SKUs, prices, versions, times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from .base import Rule, Span

_I = re.IGNORECASE

# -- character classes -------------------------------------------------------------------------------------------
# upper-case letters of Latin-1, Latin Extended-A/B (Polish, Czech, Hungarian, Turkish, Romanian, Baltic) and Greek
_UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.isupper()) + "Α-ΩΆΈΉΊΌΎΏ" + "А-ЯЁЄІЇЎҐ"
UP = "[" + _UPPER + "]"
LET = r"[^\W\d_]"
LOW = r"[^\W\d_" + _UPPER + r"]"  # a letter that is not upper case (RTX 3070 is no town)
# a capitalised word (hyphens / apostrophes inside: Karl-Marx-Allee, D'Azeglio) or an ordinal (5th, 42nd, 2e)
NAMEW = r"(?:" + UP + r"(?:" + LET + r"|['’\-](?=" + LET + r"))*\.?|\d{1,3}(?:st|nd|rd|th)\b)"
ANYW = r"(?:" + LET + r"(?:" + LET + r"|['’\-](?=" + LET + r"))*\.?|\d{1,3}(?:st|nd|rd|th)\b)"
# lower-case particles inside street names (de la, dos, della, van der, am, of the, y ...)
CONN = (r"(?:d['’]|(?:de(?:l|ls|i|s)?|du|da|do|dos|das|di|della|delle|dello|degli|dei|la|le|les|los|las|el|l['’]|"
        r"von|van|der|den|het|op|an|am|im|zum|zur|auf|of|the|y|e|i|et|al|alla|sul|sur|sous|en|na|nad|pod|u|"
        r"tou|tis|ton)\s+)")
NUM = r"\d{1,5}(?:[ \t]?[A-Za-z](?![\w]))?(?:[ \t]?[\-/][ \t]?\d{1,5}[A-Za-z]?)?(?:[ \t]?(?:bis|ter)\b)?"
HOUSE_NO = (r"(?:(?i:n[º°o]\.?|no\.?|nr\.?|núm\.?|num\.?|n\.|numero|número|#|д\.|дом)[ \t]*:?[ \t]*)?" + NUM)
NUM_END = r"(?![\w%€$£:]|[.,]\d|[ \t]*[%€$£]|[ \t]*(?i:kg|km|mb|gb|ms|px|min|h|pm|am)\b)"

_MONTH_DAY = ("january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|"
              "apr|jun|jul|aug|sep|sept|oct|nov|dec|monday|tuesday|wednesday|thursday|friday|saturday|sunday")

# -- 1. number + name + (English) street suffix --------------------------------------------------------------------
STREET_SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|square|sq|terrace|"
    r"terr|parkway|pkwy|circle|cir|highway|hwy|trail|trl|loop|alley|row|crescent|close|grove|gardens|hill|"
    r"park|walk|mews|plaza|expressway|freeway|turnpike|pike|crossing|path|ridge|run|view|point|heights|estate|"
    r"wharf|quay|green|rise|vale|manor|bend|cove|creek|glen|harbor|harbour|hollow|island|knoll|landing|meadow|"
    r"mill|pass|port|ranch|shore|springs|station|summit|valley|village|ville|vista|wood|woods|esplanade|"
    r"promenade|causeway|circus|broadway|corner|junction)"
)
# street words that are rarely anything else: a lower-case or name-less street, or a street without a number
_STRONG_SUFFIX = frozenset("""street st avenue ave road rd boulevard blvd lane ln drive parkway pkwy highway hwy
terrace terr crescent expressway freeway turnpike""".split())
# words that make "<number> ... <suffix>" a quantity or a sentence, not a street
_MEASURE = frozenset("""minute minutes min mins hour hours hr hrs day days week weeks month months year years yr
second seconds sec secs mile miles km kilometer kilometers kilometre kilometres meter meters metre metres m ft
foot feet yard yards blocks step steps lap laps mph kph percent times time points player players
people person persons man men car cars bus buses story storey stories floor floors bedroom
room rooms star stars bit bits page pages inch inches gb mb tb kb x""".split())
FUNCTION_WORDS = frozenset("""the a an and or but of to in on at by for with from into as is are was were be been it its
this that these those followed seem seems like than then so if not no yes we you they he she i my our your their
his her them us me can will would should could may might must do does did has have had per each every more most
less least about over under between after before during since until via also just only very""".split())
NOT_NAME_START = frozenset("""the a an this that these those my our your his her their its on in at one another
either which for while each every any some no both all what whatever whichever such same other draw use using
take taking make new old big small long short""".split())


def _words(v: str) -> list[str]:
    return re.findall(r"[^\W\d_][\w'’\-]*|\d+\w*", v)


def street_number_first_ok(value: str) -> bool:
    """``<number> <name> <suffix>``: not a quantity (``10 minute walk``), not a clause (``3 seem like a good
    place``); a weak suffix (``way``, ``park``, ``view``) needs a capitalised name."""
    ws = _words(value)
    if len(ws) < 2:
        return False
    num, *name, suffix = ws
    if re.fullmatch(r"(?:19|20)\d\ds", num):  # 1940s
        return False
    low = [w.casefold() for w in name]
    if any(w in _MEASURE or w in FUNCTION_WORDS for w in low):
        return False
    if not name:  # 580 Broadway, 101 Highway: the street word is the name
        return suffix[0].isupper() and suffix.casefold() in ("broadway", "highway", "hwy", "parkway", "turnpike")
    return True


def street_name_suffix_ok(value: str) -> bool:
    """``<Name> <suffix> [number]``: a street named by capitalised words; without a house number only a strong
    suffix (``Abbey Road`` yes, ``World View`` / ``For loop`` / ``Water park`` no)."""
    ws = _words(value)
    if not ws or ws[0].casefold() in NOT_NAME_START:
        return False
    has_no = ws[-1][0].isdigit()
    words = ws[:-1] if has_no else ws
    if len(words) < 2:
        return False
    suffix = words[-1].casefold()
    if any(w.casefold() in FUNCTION_WORDS or w.casefold() in _MEASURE for w in words[:-1]):
        return False
    if not has_no and (suffix not in _STRONG_SUFFIX or words[-1][0].islower()):  # not "Hungarian street food"
        return False
    return True


# -- 2. street-type word + name + house number (Romance, Slavic, Romanian, Greek) ----------------------------------
# unambiguous in English text: the name after them may be lower case
PRE_TYPE_STRONG = (
    r"rue|avenue|boulevard|chemin|impasse|allée|quai|faubourg|calle|avenida|avda\.|paseo|carretera|ctra\.|"
    r"travesía|glorieta|callejón|rambla|rúa|rua|travessa|estrada|praça|praceta|alameda|rodovia|ladeira|viale|"
    r"piazza|piazzale|corso|vicolo|lungomare|lungotevere|contrada|ulica|ul\.|aleja|aleje|osiedle|os\.|plac|"
    r"strada|bulevardul|b-dul|calea|șoseaua|şoseaua|aleea|piața|splaiul|intrarea|odos|odós|leoforos|leof\.|"
    r"οδός|λεωφόρος|λεωφ\.|bulevar|ulitsa|ul\.|prospekt|náměstí|námestie|trg|"
    # Catalan; Greek abbreviations (Λεωφόρος, Οδός, Πλατεία); Russian / Ukrainian / Bulgarian (ул. Ленина 5)
    r"carrer|passeig|avinguda|plaça|travessera|λ\.|οδ\.|πλ\.|πλατεία|улица|ул\.|проспект|просп\.|пр-т|"
    r"переулок|пер\.|бульвар|бул\.|б-р|шоссе|площадь|пл\.|набережная|наб\.|вулиця|вул\.|проспект|пр\."
)
# ambiguous in English text (place, via, court, av.): the name after them must be capitalised
PRE_TYPE_WEAK = (
    r"place|pl\.|av\.|ave\.|bd|bld|blvd\.?|ch\.|imp\.|route|rte\.?|passage|cours|square|voie|sentier|cité|"
    r"résidence|plaza|pza\.|camino|ronda|pasaje|carrera|cra\.|diagonal|transversal|jirón|"
    r"c/|r\.|estr\.|largo|pç\.|(?<!et )al\.|rod\.|via|v\.le|p\.za|p\.le|c\.so|strada|borgo|salita|vico|"
    r"rondo|skwer|str\.|bd\.|sos\.|șos\.|şos\.|plateia|pr\.|cesta|(?-i:Tv\.|Lg\.|Trav\.|Pje\.|Psje\.|"
    r"Avda|Av|Rr\.|Rruga|Bul\.|Ul\.)|pje\.|psje\.|trav\.|rruga|sokak|vulytsia|vul\.|ulitsa"
)
_PRE_NAME_STRONG = r"(?:" + CONN + r"{0,2}" + ANYW + r"[ \t]+){0,4}?" + CONN + r"{0,2}" + ANYW
_PRE_NAME_WEAK = r"(?:" + CONN + r"{0,2}" + NAMEW + r"[ \t]+){0,4}?" + CONN + r"{0,2}" + NAMEW
_PRE_NAME_CAPS = r"(?:" + CONN + r"{0,2}" + NAMEW + r"[ \t]+){0,4}" + CONN + r"{0,2}" + NAMEW + r"(?![\w\-])"
_AFTER_NO = r"[ \t]*,?[ \t]*" + HOUSE_NO + NUM_END
_NO_BEFORE = r"(?<![\w.,$€£#/:\-])" + HOUSE_NO + r"[ \t]*,?[ \t]+"
_TAIL_UNIT = (r"(?:[ \t]*,?[ \t]*(?:bus|bte|boîte|top|m\.|lok\.?|int\.?|interno|scala|esc\.?|escalera|piso|puerta|"
              r"pta\.?|dpto\.?|depto\.?|apto\.?|ap\.?|apt\.?|app\.?|appt\.?|whg\.?|wohnung|andar|étage|etg\.?)"
              r"[ \t]*\d{1,4}[A-Za-z]?|[ \t]*,?[ \t]*\d{1,2}[ºª°][ \t]*(?:andar|piso|izq\.?|izda\.?|dcha\.?|"
              r"dto\.?|esq\.?|[A-Z]\b))?")

_CONN_WORDS = frozenset("""de del dels dei des du da do dos das di della delle dello degli la le les los las el von van
der den het op an am im zum zur auf of the y e i et al alla sul sur sous en na nad pod u""".split())
# weak street-type words that are everyday words in English: capitalised, or after a house number (12 place X)
_CAP_TYPES = frozenset("""via route place square passage plaza camino carrera largo cours voie borgo strada diagonal
salita vico rondo skwer cesta plateia ronda pasaje transversal sentier""".split())
NUM_WORDS = frozenset(w.casefold() for w in ("Order|Version|Port|Page|Step|Error|Code|Item|Ticket|Issue|Line|Room|"
                                               "Build|Release|Total|Year|Id|Number|Invoice|Case|Chapter|Section|"
                                               "Table|Figure|Model|Status|Batch|Run|Epoch|Job|Task|Level|Price|"
                                               "Amount|Count|Request|Sku|Product|Part|Account|Tokens|Python|"
                                               "Java|Node|Ubuntu|Windows|Android|Ios|Gpt|Llama|Claude|Gemini|"
                                               "Docker|Api|Http|Https|Tls|Ssl|Usb|Bluetooth|Wifi|Phase|Season|"
                                               "Episode|Volume|Vol|Option|Round|Stage|Lesson|Unit|Week|Day|"
                                               "Tier|Plan|Rank|Grade|Class|Group|Team|Slide|Question").split("|"))


def type_first_ok(value: str) -> bool:
    """``[12] <type> <name> [12]``: the name holds no function word / quantity / technical noun, an everyday-English
    type word (``via``, ``place``, ``route``) is capitalised unless a house number precedes it, and a weak type's
    number is not a year (``et al. Nature 2020``)."""
    ws = _words(value)
    if len(ws) < 3:
        return False
    no_before = ws[0][0].isdigit()
    body = ws[1:] if no_before else ws
    typ = body[0]
    name = []
    for w in body[1:]:
        if w[0].isdigit():
            break
        name.append(w)
    if not name:
        return False
    if any((w.casefold() in FUNCTION_WORDS or w.casefold() in _MEASURE or w.casefold() in NUM_WORDS)
           and w.casefold() not in _CONN_WORDS for w in name):
        return False
    if typ.casefold() in _CAP_TYPES and not no_before and not typ[0].isupper():
        return False
    nums = [w for w in ws if w[0].isdigit()]
    if nums and not no_before and re.fullmatch(r"(?:19|20)\d\d", nums[-1]) and typ.casefold().rstrip(".") in (
            _CAP_TYPES | {"al", "pl", "av", "ave", "r", "c", "ch", "bd", "str", "pr", "imp", "rte", "estr", "rod"}):
        return False
    return True


# -- 3. name + street word + house number (Germanic, Nordic, Hungarian, Baltic, Turkish, Czech) --------------------
# glued to the name (Hauptstraße, Prinsengracht, Drottninggatan, Mannerheimintie); needs >= 3 letters before it
GLUED = (r"stra(?:ss|ß)e|strasse|str\.|gasse|weg|allee|platz|damm|ufer|steig|pfad|markt|chaussee|straat|laan|"
         r"plein|plaats|"
         r"gracht|(?<!c)kade|dijk|singel|steeg|(?<!bri)(?<!rene)gade|vej|stræde|gatan|gata|gaten|vägen|väg|"
         r"veien|vegen|veg|gränd|torget|plassen|katu|kuja|polku|tori|kaari|rinne|aukio|väylä|raitti|plads|torv|"
         r"vænge|vænget|stræde|stien|løkka|stigen|platsen|stieg|twiete|zeile|graben|kamp|straatweg|burgwal|"
         r"ntie|stræti|vegur|stígur|braut|plass|bakke|stig|kaia|brygge|kaj|kaai|markt|steeg|hofje|"
         r"gässchen|stiege|zeile|lände|promenade(?=[ \t]*\d)")
# glued endings that also end English words: only in a capitalised name (Kirkegate 5, Kaiserring 3, Lindenhof 2)
GLUED_CAP = r"(?<![aiu])(?<!dele)gate|(?<![aeiouy])ring|hof|(?<=[a-zäö]{5})tie|backen|bakken|haven"
# separate words after a capitalised name (Andrássy út, Brīvības iela, Karl Johans gate, Atatürk Caddesi)
POST_TYPE = (r"straße|strasse|str\.|gasse|weg|allee|platz|damm|ufer|chaussee|straat|laan|plein|gracht|kade|"
             r"dijk|(?-i:(?<=s )gate)|gata|gatan|vej|gade|väg|vägen|veien|vegen|allé|plass|torg|katu|utca|u\.|"
             r"út|útja|tér|tere|körút|krt\.|köz|sétány|rakpart|fasor|náměstí|"
             r"nám\.|třída|tř\.|nábřeží|ulice|"
             r"ulica|námestie|"
             r"sokak|sokağı|sk\.|sok\.|cadde|caddesi|cd\.|cad\.|bulvarı|blv\.|mahallesi|mah\.|mh\.|iela|gatvė|g\.|"
             r"prospektas|pr\.|tänav|tn|maantee|mnt\.?|puiestee|pst\.|trg|cesta|ulitsa|odos|markt|singel|plass|"
             r"stræti|gränd|torget|torv|plads|bulvar|bulvarı|bulevar|bulevardi|sokağı|caddesi|bulv\.|prospekt|"
             r"shosse|naberezhnaya|pereulok|per\.|ploshchad|ulitsa|vulytsia|vul\.|"
             # Norwegian / Icelandic short forms, Basque (kalea = street, etorbidea = avenue, enparantza = square)
             r"vei|veg|vegur|kalea|etorbidea|enparantza|bidea|pasealekua")
_POST_NAME = r"(?:" + NAMEW + r"[ \t]+(?:" + CONN + r"{1,2})?){0,3}"

# street words after a name that are no English word: the name before them may be lower case (typed quickly:
# "pernilles vei 115", "kossuth lajos utca 12")
POST_TYPE_STRONG = (r"straße|strasse|gasse|allee|chaussee|straat|gracht|utca|körút|iela|gatvė|tänav|maantee|"
                    r"puiestee|caddesi|cadde|sokak|sokağı|ulica|ulice|náměstí|třída|nábřeží|námestie|vej|veien|vegen|"
                    r"vei|gatan|gata|vägen|gade|kalea|etorbidea|enparantza|bidea|prospektas|vulytsia|ulitsa")
# words that make "<number> <type> <name> <number>" a sentence in lower case ("2 via email 3 times", "1 route to
# prod 2"): channels, tools, software, everyday nouns of chat
_LOWER_NOT_NAME = frozenset("""email e-mail mail sms text phone call chat slack teams zoom api ssh http https ftp
post dm message messages link links app web website browser git github pip npm docker python cli terminal shell cron
webhook webhooks queue server servers client proxy vpn usb bluetooth wifi cable the this that it them which what
who how where when is are was be paypal venmo stripe zelle card cash cheque check wire bank transfer ups fedex dhl usps
courier train bus plane flight car ferry""".split())
_MEASURE_AFTER = r"(?![ \t]+(?i:" + "|".join(sorted(_MEASURE, key=lambda w: (-len(w), w))) + r")\b)"


def lower_street_ok(value: str) -> bool:
    """A lower-case street found by its street word (``65 via lagrange 3``, ``pernilles vei 115``): the name holds
    no function / quantity / counter / technical word, and the house number is not a year."""
    ws = _words(value)
    names = [w.casefold() for w in ws if not w[0].isdigit()]
    names = [w for w in names if w not in _PRE_WORDS and w not in _POST_WORDS and w + "." not in _PRE_WORDS
             and w + "." not in _POST_WORDS]  # the street word itself (via, str.)
    if any((w in FUNCTION_WORDS or w in _MEASURE or w in NUM_WORDS or w in _LOWER_NOT_NAME or w in NOT_NAME_START)
           and w not in _CONN_WORDS for w in names):
        return False
    return not any(re.fullmatch(r"(?:19|20)\d\d", w) for w in ws if w[0].isdigit()) and any(
        w not in _CONN_WORDS for w in names)


_GREEK_CAP = r"[Α-ΩΆΈΉΊΌΎΏ]"
_GREEK_WORD = _GREEK_CAP + r"[α-ωάέήίόύώϊϋΐΰΑ-ΩΆΈΉΊΌΎΏ]+"
# Greek streets named after a person or place carry no street word ("Λ. Αλεξάνδρας 45", "Μεγάλη Άμμος 184"): an
# initial or a house number before the name marks them
_GREEK_STREET = (r"(?<![\w\-.])(?:\d{1,5}[ \t]+(?:" + _GREEK_CAP + r"\.[ \t]*)?|" + _GREEK_CAP + r"\.[ \t]*)"
                 + _GREEK_WORD + r"(?:[ \t]+" + _GREEK_WORD + r"){0,2}[ \t]*,?[ \t]+\d{1,4}[Α-Ωα-ωA-Za-z]?"
                 r"(?![\w%.,]\w|[\w%])")
_NOT_LOCALITY = frozenset("""noon midnight tonight today tomorrow yesterday morning evening night afternoon week
weekend dinner lunch breakfast home work school office least most about around approximately roughly only just
exactly nearly almost over under up down back then now also number no gate gates terminal platform pier dock exit
track level zone area section hall lot bay stop stand booth table""".split())


_NOT_LOC = (r"(?!(?i:" + "|".join(sorted(FUNCTION_WORDS | NOT_NAME_START | _NOT_LOCALITY, key=lambda w: (-len(w), w)))
            + r")\b)")
# a locality / building word before a number-first street, after an address cue or at a line start ("sent to
# Eyrarodda 6 Mahler Street", "Rosemount 12 Elm Road")
_STRONG_SUFFIX_ALT = "|".join(sorted(_STRONG_SUFFIX, key=lambda w: (-len(w), w)))
_STRONG_END = re.compile(r"(?i)\b(?:" + _STRONG_SUFFIX_ALT + r")\.?$")
_LOCALITY_BEFORE = re.compile(r"(?:^|\n)[ \t>]*((?:" + _NOT_LOC + ANYW + r"[ \t]+){1,3})$|(?:\b(?i:to|at|is|in)[ \t]+|:"
                              r"[ \t]*)((?:" + _NOT_LOC + ANYW + r"[ \t]+){1,3})$")


def locality_street_ok(value: str) -> bool:
    """``<Locality> <number> <name> <street>``: the locality words are not function / time / counter words, all
    capitalised or all lower case, and the street part passes the number-first checks."""
    m = re.search(r"\d", value)
    loc, street = _words(value[:m.start()]), value[m.start():]
    if not loc or not street_number_first_ok(street):
        return False
    low = [w.casefold().rstrip(".") for w in loc]
    if any(w in FUNCTION_WORDS or w in NOT_NAME_START or w in _NOT_LOCALITY or w in NUM_WORDS or w in _MEASURE
           or w in _NOT_PLACE or w in _SUFFIX_WORDS for w in low):
        return False
    caps = [w[0].isupper() for w in loc]
    return all(caps) or not any(caps) and value == value.lower()


# the town / region / country words after "<street number> <unit>" on one line ("12 Foo 3 Apt. 4 springfield il",
# "... Suite 5 Oberdorf"), up to the clause's end or its next function word; the street + unit before them is
# the address context (the cascade's tail growth takes capitalised towns only)
_TAIL_UNIT_START = re.compile(r"(?i:apt|apartment|suite|ste|unit|flat|app|appt|apto|piso|dpto|depto)\b")
_UNIT_BEFORE = re.compile(r"(?:\d{1,5}[A-Za-z]?\.?|\b(?i:" + _STRONG_SUFFIX_ALT + r")\.?)[ \t]*,?[ \t]+$")
_UNIT_TAIL_AFTER = re.compile(r",?(?:[ \t]+" + ANYW + r"){1,4}?(?=[ \t]*(?:$|[\n?!.;,]|(?:for|to|in|on|at|by|please|"
                              r"and|but|so|if|is|was|thanks|thank)\b))")


def unit_tail_ok(value: str) -> bool:
    """The words after the unit are place words: no function / counter / measure / sign-off / time word, no code
    identifier."""
    words = _words(value)[2:]
    if not words:
        return False
    return not any("_" in w or w.casefold().rstrip(".") in (FUNCTION_WORDS | NUM_WORDS | _MEASURE | _NOT_PLACE |
                                                            _NOT_LOCALITY | _TAIL_WORDS_NOT) for w in words)


_TAIL_WORDS_NOT = frozenset("""upstairs downstairs left right next door floor entrance building lobby back front
side corner please done ok okay now later asap soon yet already too as well""".split())


# -- 4. units -------------------------------------------------------------------------------------------------------
UNIT_WORDS = (r"apt|apartment|appt|app\.|apto|appartement|suite|ste|unit|flat|floor|fl|room|rm|bldg|building|"
              r"wohnung|whg|dpto|depto|departamento|piso|étage|etage|lokal|p\.?\s?o\.?\s?box|postfach|apartado|"
              r"caixa postal|casella postale")
_UNIT_ID = r"#?[ \t]*(?:\d{1,5}[A-Za-z]?|[A-Z]-?\d{1,4}[A-Za-z]?)(?![\w\-%]|[.,]\d)"

# -- 5. postcodes ---------------------------------------------------------------------------------------------------
_CITY = (r"(?!(?i:" + _MONTH_DAY + r"|years?|days?|hours?|people|users?|items?|units?|pcs|times|series|model|"
         r"edition|version|the|and|or|for|to|at|in|on|with)\b)" + UP + r"(?:" + LET + r"|['’\-](?=" + LET + r"))+"
         r"(?:[ \t\-](?:(?:am|an der|sur|sous|del|de|di|la|le|en|im|upon|on)[ \t\-])?" + UP + r"(?:" + LET +
         r"|['’\-](?=" + LET + r"))+){0,2}")
US_STATES = ("Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
             "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
             "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|"
             "North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|"
             "South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|"
             "District of Columbia|Puerto Rico")
US_STATE_CODES = (r"(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|N[EVHJMYCD]|O[HKR]|PA|RI|"
                  r"S[CD]|T[NX]|UT|V[TA]|W[AVIY]|PR)")
# two letters after a Dutch 4-digit code that are usually something else (1080 HD, 2000 BC, 1200 AD ...)
_NL_NOT = r"(?!(?:AD|BC|CE|HD|AM|PM|KB|MB|GB|TB|PB|MP|FT|KM|CM|MM|UK|US|EU|ID|OK|TV|PC|AI|ML|SA|SD|SS|HP|RPM|XP)\b)"
def zip_after_place_ok(value: str) -> bool:
    """``Town 12345`` at a line / clause end: the words are not a counter (``Order 12345``, ``Page 1234``), a
    sign-off, a month, and the number is not a year (``Blade Runner 2045``, ``Nature 2020``)."""
    ws = _words(value)
    num, place = ws[-1], ws[:-1]
    if re.fullmatch(r"(?:19|20)\d\d", num):
        return False
    return not any(w.casefold() in NUM_WORDS or w.casefold() in FUNCTION_WORDS or w.casefold() in _NOT_PLACE
                   for w in place)


_NOT_PLACE = frozenset(("no number id code version release build port page step item order ticket invoice total "
                        "thanks please call regards best cheers hello hi dear phone tel fax mobile pin otp "
                        + _MONTH_DAY.replace("|", " ")).split())
_NUMBER_WORDS_ALT = ("order|version|port|page|step|error|code|item|ticket|issue|line|room|build|release|total|"
                     "year|id|no|number|invoice|case|chapter|section|table|figure|model|status|batch|run|epoch|job|"
                     "task|attempt|retry|level|price|amount|count|request|sku|product|part|account|tokens|steps|"
                     "python|version|season|episode|volume|vol|round|stage|phase|top|gate|terminal|platform")
# European country prefixes used before postcodes (CEPT): D-10115, F-75001, CH-8001, A-1010
_CC = r"(?:D|F|A|B|E|I|L|P|S|N|H|CH|NL|DK|SE|NO|FI|FIN|PL|CZ|SK|HU|RO|BG|GR|LT|LV|EE|SI|HR|IS|AT|BE|DE|ES|FR|IT|LU|PT)"
# the line before ends in a house number (street line), so a following "12345 City" is its postcode + town
_AFTER_STREET_NO = re.compile(r"(?<![^\W\d_])(?!(?i:" + _NUMBER_WORDS_ALT + r"|and|or|to|of|in|on|at|the|"
                              + _MONTH_DAY + r")\b)[^\W\d_]{2,}\.?[ \t]+(?!(?:19|20)\d\d\b)\d{1,4}[A-Za-z]?"
                              r"(?:[/\-]\d{1,4}[A-Za-z]?)?"
                              r"(?:[ \t]*,?[ \t]*(?:" + UNIT_WORDS + r"|bus|top)\.?[ \t]*\d{1,4}[A-Za-z]?)?"
                              r"[ \t]*[,\n][ \t]*\n?[ \t]*$", _I)

_NUMBER_WORDS = ("Order|Version|Port|Page|Step|Error|Code|Item|Ticket|Issue|Line|Room|Build|Release|Total|Year|Id|"
                 "No|Number|Invoice|Case|Chapter|Section|Table|Figure|Model|Status|Batch|Run|Epoch|Job|Task|"
                 "Attempt|Retry|Level|Floor|Price|Amount|Count|Request|Sku|Product|Part|Unit|Account|Tokens|Steps")
_ZIP_PLACE = r"\b(?!(?:" + _NUMBER_WORDS + r")\b)[A-ZÀ-Þ][a-zà-ÿ]{2,},?[ \t]*\n?[ \t]*$"
_CAP = r"[A-ZÀ-ÖØ-Þ][\w'’\-]*"

# -- 6. intersections -----------------------------------------------------------------------------------------------
_STREETISH = (r"(?:(?:\d{1,5}[A-Za-z]?[ \t]+)?(?:(?:" + NAMEW + r"[ \t]+){0,3}(?i:" + STREET_SUFFIX + r")\b\.?|(?:"
              + NAMEW + r"[ \t]+){0,2}" + NAMEW + r"|(?:" + ANYW + r"[ \t]+){0,3}(?i:" + STREET_SUFFIX + r")\b\.?|"
              r"(?:" + ANYW + r"[ \t]+){0,2}" + ANYW + r"(?=[ \t]+\d))"
              r"(?:[ \t]+\d{1,5}[A-Za-z]?\b\.?)?)")  # "Andrássy út 12." (HU / SK ordinal house numbers)


_SUFFIX_END = re.compile(r"(?i)(?:\b" + STREET_SUFFIX + r"\.?|\d(?:st|nd|rd|th))$|^\d{1,3}(?:st|nd|rd|th)\b")


_CROSS_HEAD = re.compile(r"(?i)^(?:the\s+)?(?:corner|intersection|junction|crossroads?|esquina|angle|coin|incrocio|"
                         r"ecke)\s+(?:of|de|du|di|von|der)\s+(?:the\s+)?")


def _cross_ok(value: str) -> bool:
    """Two street names: one of them has a street word, an ordinal or a house number (not "General Relativity and
    Quantum Mechanics"), and no page / table / step numbers."""
    parts = re.split(r"\s+(?:and|&|y|et|und|e|at)\s+", _CROSS_HEAD.sub("", value), maxsplit=1)
    if len(parts) != 2 or any(not p.split() or p.split()[0].casefold() in NOT_NAME_START for p in parts):
        return False
    if any(w.casefold() in NUM_WORDS or w.casefold() in FUNCTION_WORDS for p in parts for w in _words(p)):
        return False
    return any(_SUFFIX_END.search(p.strip()) or re.search(r"\d", p) for p in parts)


_BW = r"[^\W\d_][\w'’.\-]*+"  # a word of a postal block line (possessive: no re-splitting on backtrack)
# unit designators inside a postal block (a line of their own, before or after the street: "Apt. 4", "Suite 200")
_BLOCK_UNITS = (r"apt|apartment|appt|app|apto|suite|ste|unit|flat|floor|fl|room|rm|bldg|building|wohnung|whg|piso|"
                r"dpto|depto|lokal")
_BLOCK_UNIT = r"(?i:" + _BLOCK_UNITS + r")\.?[ \t]*#?[ \t]*\d{1,5}[A-Za-z]?(?![\w\-])"
# the last line of a block: town / region / country words (a form export's empty field "N/A" too) and a bare postcode
_BLOCK_LAST = r"[ \t>]*,?[ \t]*(?:" + _BW + r"[ \t]*,?[ \t]*){0,5}\d{4,6}(?:-\d{3,4})?(?![\w\-]|[.,]\d)"
_BARE_POSTCODE_LINE = re.compile(r"\n" + _BLOCK_LAST)
# the first line: [unit] [number] name words number[.] [unit] | [unit] number name words (house number first or last)
_BLOCK_FIRST = (r"(?:" + _BLOCK_UNIT + r",?[ \t]+)?(?:(?:\d{1,5}[A-Za-z]?,?[ \t]+)?(?:" + _BW + r"[ \t]+){1,4}"
                r"\d{1,5}[A-Za-z]?(?:[/\-]\d{1,4}[A-Za-z]?)?\.?|"
                r"(?:\d{1,5}[A-Za-z]?,?[ \t]+)?\d{1,5}[A-Za-z]?,?[ \t]+(?:" + _BW
                + r"[ \t]+){0,4}"
                + _BW + r")(?:[ \t]*,?[ \t]*" + _BLOCK_UNIT + r")?[ \t]*,?[ \t]*\n")
# up to three lines between: town / region words (", ST"), a unit line, at most one empty line
_BLOCK_MID = r"(?:[ \t>]*,?[ \t]*(?:(?:" + _BW + r"[ \t]*,?[ \t]*){1,4}|" + _BLOCK_UNIT + r")?[ \t]*\n){0,3}"
# empty fields of a form / table export, not words
_EMPTY_FIELD = frozenset({"none", "null", "n/a"})


def _block_ok(value: str) -> bool:
    """A postal block: no function / counter / measure / sign-off words (a region code in capitals such as ``SO``
    / ``IN`` / ``OR`` and the ``and`` of a country name on the last line are fine), no year as the postcode or as
    the street line's number, no code identifiers, at most one empty line, and a town before the postcode when
    the block is just two lines."""
    lines = value.split("\n")
    if any(len(l.strip()) > 40 for l in lines) or sum(1 for l in lines if not l.strip(" \t>,")) > 1:
        return False
    bad = FUNCTION_WORDS | NUM_WORDS | _MEASURE | _NOT_PLACE
    for k, line in enumerate(lines):
        for w in _words(line):
            f = w.casefold().strip(".,")
            if "_" in w or re.search(r"[a-z][A-Z]", w):  # snake_case / camelCase: code, not a place
                return False
            if f in bad and f not in _CONN_WORDS and f not in _EMPTY_FIELD and not (
                    w.isupper() and len(w) <= 3 or f == "and" and k == len(lines) - 1
                    # "12 via Roma 4": the street word is no function word
                    or k == 0 and (w.casefold() in _PRE_WORDS or f in _PRE_WORDS or f in _POST_WORDS)):
                return False
    first = _words(lines[0])
    last = _words(lines[-1])
    if re.fullmatch(r"(?:19|20)\d\d", last[-1]) or first[-1][0].isdigit() and re.fullmatch(r"(?:19|20)\d\d",
                                                                                             first[-1]):
        return False
    places = [w for w in last[:-1] if w.casefold() not in _EMPTY_FIELD]
    if len(lines) > 2:
        return True
    # two lines: the first names a street (a street word), or the second is "Town, ST 12345" / "Town N/A 12345"
    # (a region field, filled or empty)
    return bool(places) and (len(last) > 2 or "," in lines[-1] or any(
        w.casefold().rstrip(".") in _STREET_WORDS or w.casefold().endswith(_GLUED_ENDS) for w in first))


@dataclass(frozen=True)
class GatedRule(Rule):
    """A rule whose (costlier) pattern runs only on texts that pass a cheap ``gate`` (a word-set lookup)."""

    gate: Callable[[str], bool] | None = None

    def find(self, text: str) -> list[Span]:
        if self.gate is not None and not self.gate(text):
            return []
        return Rule.find(self, text)


@dataclass(frozen=True)
class AnchoredRule(Rule):
    """A multi-line rule that ends at an ``anchor`` (a rare, cheap match): its pattern runs only in the few lines
    before each anchor, so its cost does not grow with the text."""

    anchor: re.Pattern | None = None
    lines_before: int = 4

    def find(self, text: str) -> list[Span]:
        out: list[Span] = []
        for am in self.anchor.finditer(text):
            ws = am.start()
            for _ in range(self.lines_before):
                ws = text.rfind("\n", max(0, am.start() - 240), ws)
                if ws <= 0:
                    ws = max(0, am.start() - 240)
                    break
            for span in Rule.find(self, text[:am.end()]) if ws == 0 else _find_from(self, text, ws, am.end()):
                if span not in out:
                    out.append(span)
        return out


@dataclass(frozen=True)
class ExtendingRule(Rule):
    """A rule whose spans may also grow into a longer address span, found in the same scan: ``extend(text, span)``
    returns the longer span (its own source name) or None."""

    extend: Callable[[str, Span], Span | None] | None = None

    def find(self, text: str) -> list[Span]:
        out = Rule.find(self, text)
        if self.extend is not None and out:
            out.extend([x for x in map(lambda sp: self.extend(text, sp), list(out)) if x is not None])
        return out


def _locality_before(text: str, span: Span) -> Span | None:
    """``sent to Eyrarodda 6 Mahler Street``: 1-3 locality / building words between an address cue (or a line
    start, or a colon) and a number-first street with a strong street word."""
    if not _STRONG_END.search(text, span.start, span.end):
        return None
    b = _LOCALITY_BEFORE.search(text, max(0, span.start - 60), span.start)
    if not b:
        return None
    s = b.start(1) if b.group(1) is not None else b.start(2)
    if not locality_street_ok(text[s:span.end]):
        return None
    return Span(s, span.end, span.entity_type, 0.6, "locality_street")


def _unit_with_town(text: str, span: Span) -> Span | None:
    """``12 Foo 3 Apt. 4 springfield il``: a unit right after a house number or a street word, then 1-4 place words
    up to the clause end (or its next function word)."""
    if not _TAIL_UNIT_START.match(text, span.start) or not _UNIT_BEFORE.search(text, max(0, span.start - 30),
                                                                                span.start):
        return None
    m = _UNIT_TAIL_AFTER.match(text, span.end)
    if not m or not unit_tail_ok(text[span.start:m.end()]):
        return None
    return Span(span.start, m.end(), span.entity_type, 0.6, "unit_tail")


def _find_from(rule: Rule, text: str, pos: int, end: int) -> list[Span]:
    out = []
    for m in rule.pattern.finditer(text, pos, end):
        s, e = m.span(rule.group)
        if s < 0 or e <= s or rule.validator is not None and not rule.validator(text[s:e]):
            continue
        out.append(Span(s, e, rule.entity_type, rule.score, rule.name))
    return out


_TOKEN = re.compile(r"(?i:\bc/)|(?<![^\W\d_])[^\W\d_][\w'’\-]*\.?")
_WORD_BEFORE_NO = re.compile(r"(?<![^\W\d_])([^\W\d_]{3,})(?=\.?[ \t]*,?[ \t]*(?:[^\s\d]{1,7}[ \t]*)?\d)")


@lru_cache(maxsize=16)
def _tokens(text: str) -> frozenset[str]:
    """The text's case-folded tokens, each also without its trailing full stop (a token has at most one)."""
    out = set(map(str.casefold, _TOKEN.findall(text)))
    out.update([t[:-1] for t in out if t.endswith(".")])
    return frozenset(out)


def _words_of(alternation: str) -> frozenset[str]:
    """The literal words of a street-type alternation (lookarounds and escapes dropped)."""
    plain = alternation.replace("(?-i:(?<=s )gate)", "gate").replace("stra(?:ss|ß)e", "strasse")
    plain = re.sub(r"\(\?[-<!=a-z]*:?[^)]*\)", "", plain)
    out = set()
    for w in plain.replace("\\", "").split("|"):
        if w.endswith(".?"):
            out.update((w[:-2].casefold(), w[:-1].casefold()))
        elif w:
            out.add(w.casefold())
    return frozenset(out)


_PRE_WORDS = _words_of(PRE_TYPE_STRONG + "|" + PRE_TYPE_WEAK) | frozenset(
    "tv. lg. trav. pje. psje. avda av rr. rruga bul. ul.".split())  # the case-sensitive (?-i:...) ones
_POST_WORDS = _words_of(POST_TYPE)
_GLUED_ENDS = tuple(sorted(_words_of(GLUED + "|" + GLUED_CAP) | {"tie", "gate", "ring", "gade", "kade"}))
_SUFFIX_WORDS = _words_of(STREET_SUFFIX[3:-1])
# street words written out (no abbreviation: "str" / "pl" are also code and counters)
_STREET_WORDS = frozenset(w for w in _PRE_WORDS | _POST_WORDS | _SUFFIX_WORDS if "." not in w and len(w) > 2)


_POST_STRONG_WORDS = _words_of(POST_TYPE_STRONG)
_NUM_TYPE = re.compile(r"\d[ \t]*,?[ \t]+(?i:" + PRE_TYPE_WEAK + r")(?!\w)")


def _lower_pre_gate(text: str) -> bool:
    """A weak street word right after a number somewhere in the text (the lower-case rule needs both)."""
    return _pre_gate(text) and _NUM_TYPE.search(text) is not None


def _pre_gate(text: str) -> bool:
    return not _tokens(text).isdisjoint(_PRE_WORDS)


def _post_gate(text: str) -> bool:
    return not _tokens(text).isdisjoint(_POST_WORDS)


@lru_cache(maxsize=16)
def _glued_gate(text: str) -> bool:
    # a word whose case folding ends in a glued street word needs that ending in the text's case folding
    # (``str.casefold`` maps character by character): most texts have none, and skip the word scan
    low = text.casefold()
    if not any(e in low for e in _GLUED_ENDS):
        return False
    return any(w.casefold().endswith(_GLUED_ENDS) for w in _WORD_BEFORE_NO.findall(text))


def _cross_gate(text: str) -> bool:
    return not _tokens(text).isdisjoint(_CROSS_WORDS)


_CROSS_WORDS = frozenset("corner intersection junction crossroad crossroads esquina angle coin incrocio ecke".split())


def _and_gate(text: str) -> bool:
    return ("and" in text or "&" in text or " at " in text) and not _tokens(text).isdisjoint(_SUFFIX_WORDS)


ADDRESS_RULES: list[Rule] = [
    ExtendingRule("street_address", "STREET_ADDRESS",
         re.compile(r"(?<![\w.,$€£#/:\-])\d{1,6}[A-Za-z]?(?:[\-/]\d{1,4})?,?\s+(?:(?:[NSEW]|North|South|East|West)"
                    r"\.?\s+)?(?:(?:[A-Za-zÀ-ÿ][\w'’.\-]*|\d{1,3}(?:st|nd|rd|th))\s+){0,4}" + STREET_SUFFIX
                    + r"\b\.?", _I), 0.75,
         validator=street_number_first_ok, extend=_locality_before),
    Rule("street_name_number", "STREET_ADDRESS",
         re.compile(r"\b(?:[A-ZÀ-Þ][\w'’\-]*\s+){1,3}(?i:" + STREET_SUFFIX + r")\b(?!\.?[ \t]+[A-ZÀ-Þ][a-z])\.?"
                    r"(?:[ \t]+\d{1,5}[A-Za-z]?\b(?![.,:]\d))?"), 0.6, validator=street_name_suffix_ok),
    # Romance / Slavic order: [12,] rue de la Paix | Calle Mayor 5 | Via Roma, 12 | ul. Długa 10/12 m. 5
    GatedRule("street_type_first", "STREET_ADDRESS",
         re.compile(r"(?:" + _NO_BEFORE + r")?(?<![\w\-])(?i:" + PRE_TYPE_STRONG + r")(?!\w)[ \t]+" +
                    _PRE_NAME_STRONG + _AFTER_NO + _TAIL_UNIT), 0.75, validator=type_first_ok, gate=_pre_gate),
    GatedRule("street_type_first_no_before", "STREET_ADDRESS",
         re.compile(_NO_BEFORE + r"(?i:" + PRE_TYPE_STRONG + r")(?!\w)[ \t]+" + _PRE_NAME_CAPS +
                    r"(?![ \t]*,?[ \t]*\d)"), 0.7, validator=type_first_ok, gate=_pre_gate),
    GatedRule("street_type_first_weak", "STREET_ADDRESS",
         re.compile(r"(?:" + _NO_BEFORE + r")?(?<![\w\-])(?i:" + PRE_TYPE_WEAK + r")(?![\w])[ \t]*" +
                    _PRE_NAME_WEAK + _AFTER_NO + _TAIL_UNIT), 0.7, validator=type_first_ok, gate=_pre_gate),
    GatedRule("street_type_first_weak_no_before", "STREET_ADDRESS",
         re.compile(_NO_BEFORE + r"(?i:" + PRE_TYPE_WEAK + r")(?![\w])[ \t]*" + _PRE_NAME_CAPS +
                    r"(?![ \t]*,?[ \t]*\d)"), 0.65, validator=type_first_ok, gate=_pre_gate),
    # Germanic / Nordic / Finnish glued: Hauptstraße 5a, Prinsengracht 263, Drottninggatan 5, Mannerheimintie 5
    GatedRule("street_glued", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])" + _POST_NAME + r"(?:" + LET + r"|-){3,}?(?i:" + GLUED + r")(?![\w])[ \t]*,?[ \t]*"
                    + HOUSE_NO + NUM_END + _TAIL_UNIT), 0.75, gate=_glued_gate),
    GatedRule("street_glued_cap", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])" + _POST_NAME + UP + r"(?:" + LET + r"|-){2,}?(?:" + GLUED_CAP + r")(?![\w])"
                    r"[ \t]*,?[ \t]*" + HOUSE_NO + NUM_END + _TAIL_UNIT), 0.7, gate=_glued_gate),
    # separate street word after a capitalised name: Andrássy út 60, Brīvības iela 12, Karl Johans gate 31
    GatedRule("street_type_after", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])" + _POST_NAME + NAMEW + r"[ \t]+(?i:" + POST_TYPE + r")(?![\w])[ \t]*,?[ \t]*"
                    + HOUSE_NO + NUM_END + _TAIL_UNIT), 0.7,
         validator=lambda v: v.split()[0].casefold() not in NOT_NAME_START and not re.match(
             r"(?i)(?:terminal|gate|pier|dock|platform|track|level|zone|area|section|hall)\b", v), gate=_post_gate),
    # lower case, in an address's own frame: a house number on both sides of a weak street word ("65 via
    # lagrange 3", "12 str. florilor 40"), a lower-case name before a foreign street word ("pernilles vei 115")
    GatedRule("street_type_first_lower", "STREET_ADDRESS",
         re.compile(_NO_BEFORE + r"(?i:" + PRE_TYPE_WEAK + r")(?![\w])[ \t]*" + _PRE_NAME_STRONG + _AFTER_NO
                    + _MEASURE_AFTER + _TAIL_UNIT), 0.65, validator=lambda v: type_first_ok(v) and lower_street_ok(v),
              gate=_lower_pre_gate),
    GatedRule("street_type_after_lower", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])(?:" + _NOT_LOC + ANYW + r"[ \t]+(?:" + CONN + r"{1,2})?){1,3}(?i:" + POST_TYPE_STRONG
                    + r")(?![\w])[ \t]*,?[ \t]*" + HOUSE_NO + NUM_END + _TAIL_UNIT), 0.65, validator=lower_street_ok,
              gate=lambda t: not _tokens(t).isdisjoint(_POST_STRONG_WORDS)),
    GatedRule("greek_street", "STREET_ADDRESS", re.compile(_GREEK_STREET), 0.65,
              gate=lambda t: re.search(r"[Α-Ωα-ω]", t) is not None),
    ExtendingRule("unit", "STREET_ADDRESS",
         re.compile(r"\b(?i:" + UNIT_WORDS + r")\.?[ \t]*(?:(?i:no|nr|n[º°])\.?[ \t]*)?" + _UNIT_ID), 0.7,
         extend=_unit_with_town),
    Rule("unit_ordinal", "STREET_ADDRESS",
         re.compile(r"(?<![\w.])\d{1,2}(?:º|ª|°|st|nd|rd|th|e|er|ème|\.)?[ \t]*(?:(?i:floor|fl\.|étage|etage|"
                    r"piso|andar|"
                    r"planta)|Stock|OG)\b(?![ \t]+(?i:plan|area|space|model|of\s+the))"), 0.6),
    Rule("us_zip_state", "STREET_ADDRESS",
         re.compile(r"\b" + US_STATE_CODES + r",?[ \t]+\d{5}(?:-\d{4})?\b"), 0.85),
    Rule("us_zip_state_name", "STREET_ADDRESS",
         re.compile(r"\b(?:" + US_STATES + r"),?[ \t]+\d{5}(?:-\d{4})?(?![\w\-])"), 0.8),
    Rule("zip_ctx", "STREET_ADDRESS", re.compile(r"(?<![\w\-])\d{4,6}(?:-\d{3,4})?(?![\w\-])"), 0.6,
         context=re.compile(r"\b(?i:zip|postal|post ?code|postcode|plz|cep|code postal|c\.p\.|cap)\b[^\n]{0,12}$")),
    Rule("zip_after_place", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])(?:" + UP + LOW + r"{2,}[ \t]+)?" + UP + LOW + r"{2,},?[ \t]*\n?[ \t]*"
                    r"\d{4,6}(?:-\d{3,4})?(?=[ \t]*(?:$|\n|,|;))"), 0.55, validator=zip_after_place_ok),
    # ", XX 12345" / ", XXX 1234": a region code and postcode after a town (US, MX, BR, AU, IT, CA ...)
    Rule("region_postcode", "STREET_ADDRESS",
         re.compile(r"(?<=,)[ \t]*([A-Z]{2,3}[ \t]+\d{4,6}(?:-\d{3,4})?)(?=[ \t]*(?:$|\n|,|;|\.(?:\s|$)))"), 0.6,
         group=1, context=re.compile(UP + LET + r"+,$"), validator=lambda v: not re.search(r"(?:19|20)\d\d$", v)),
    # the same in lower case, US state codes only (typed quickly: "boston, ma 02118")
    Rule("region_postcode_lower", "STREET_ADDRESS",
         re.compile(r"(?<=,)[ \t]*((?i:" + US_STATE_CODES + r")[ \t]+\d{5}(?:-\d{4})?)(?=[ \t]*(?:$|\n|,|;|\.(?:\s|$)))"),
         0.55, group=1, context=re.compile(r"[^\W\d_]{3,},$"),
         validator=lambda v: v[:2].casefold() not in FUNCTION_WORDS and not re.search(r"(?:19|20)\d\d$", v)),
    # Australian state + postcode (Sydney NSW 2000)
    Rule("au_state_postcode", "STREET_ADDRESS",
         re.compile(r"\b(?:(?:NSW|VIC|QLD|TAS),?[ \t]+\d{4}|(?:SA|WA|NT|ACT),?[ \t]+(?!(?:19|20)\d\d)\d{4})\b"), 0.75),
    # EU order on the line after a street (or after its comma): 10115 Berlin, 75001 Paris, 1010 Wien, 114 55 Stockholm
    Rule("postcode_city", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])(?:" + _CC + r"-)?(?:\d{4,5}|\d{3}[ \t]\d{2}|\d{2}-\d{3}|\d{4}-\d{3}|\d{5}-\d{3}|"
                    r"[1-9]\d{3}[ \t]?[A-Z]{2}|[1-9]\d{2}(?=[ \t]+" + UP + LOW + r"{3,}))[ \t]+" + _CITY), 0.6,
         context=_AFTER_STREET_NO),
    Rule("postcode_cc_city", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])" + _CC + r"-\d{4,5}[ \t]+" + _CITY), 0.7),
    Rule("nl_postcode", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])[1-9]\d{3}[ \t]?" + _NL_NOT + r"[A-Z]{2}(?![\w\-])(?=,?[ \t]+" + UP + ")"), 0.7),
    Rule("pl_pt_postcode", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-.])(?:\d{2}-\d{3}|\d{4}-\d{3})[ \t]+" + _CITY), 0.65),
    Rule("br_cep", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-.])\d{5}-\d{3}(?![\w\-])"), 0.7,
         context=re.compile(r"(?i:\bcep\b[ \t]*:?[ \t]*|(?:[^\W\d_]{2,}|\d{1,5})[ \t]*[,\-–][ \t]*)$")),
    Rule("jp_postcode", "STREET_ADDRESS", re.compile(r"〒[ \t]?\d{3}-?\d{4}\b|(?<![\w\-])\d{3}-\d{4}(?![\w\-])"
                                                     r"(?=[^\n]{0,40}\bJapan\b)"), 0.7),
    Rule("uk_postcode", "STREET_ADDRESS",
         re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b"), 0.75),
    Rule("ca_postcode", "STREET_ADDRESS",
         re.compile(r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d\b"), 0.75),
    # street intersections: the corner of 5th Avenue and 42nd Street; intersection of Main St & Elm St
    GatedRule("intersection", "STREET_ADDRESS",
         re.compile(r"(?:\b(?i:the)[ \t]+)?\b(?i:corner|intersection|junction|crossroads?|esquina|angle|coin|"
                    r"incrocio|ecke)[ \t]+(?i:of|de|du|di|von|der)[ \t]+(?:(?i:the)[ \t]+)?" + _STREETISH +
                    r"[ \t]+(?:and|&|y|et|und|e)[ \t]+" + _STREETISH), 0.65, validator=_cross_ok,
              gate=_cross_gate),
    GatedRule("street_and_street", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])(?:" + NAMEW + r"[ \t]+){0,2}(?i:" + STREET_SUFFIX + r")\b\.?[ \t]+(?:and|&|at)"
                    r"[ \t]+(?:" + NAMEW + r"[ \t]+){1,2}(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|"
                    r"drive|dr)\b\.?"), 0.6, validator=_cross_ok, gate=_and_gate),
    # a postal block whose last line is a bare postcode: "12 Foo 34\nTown\n, ST\n12345" (house-number line, town /
    # region lines, possibly with an empty field's leading comma, then the postcode alone)
    AnchoredRule("postcode_block", "STREET_ADDRESS",
         re.compile(r"(?m)(?:^[ \t>]*|(?<=[ \t:>])(?=\d|" + UP + r"|(?i:" + _BLOCK_UNITS + r")\b))(" + _BLOCK_FIRST
                    + _BLOCK_MID + _BLOCK_LAST + r")"), 0.6,
         group=1, validator=lambda v: _block_ok(v), anchor=_BARE_POSTCODE_LINE),
    # US military / diplomatic mail (USPS standard): PSC 1234, Box 5678 APO AE 09876; USNS Name FPO AP 96543
    Rule("military_address", "STREET_ADDRESS",
         re.compile(r"\b(?:(?:PSC|CMR|Unit)\s+\d{3,5},?\s+Box\s+\d{2,5}|(?:USNS|USNV|USS|USCGC)\s+" + _CAP +
                    r"(?:\s+" + _CAP + r")?)[\s,]*(?:(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5}(?:-\d{4})?)?", _I), 0.75),
    Rule("apo_zip", "STREET_ADDRESS", re.compile(r"\b(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5}(?:-\d{4})?\b", _I), 0.8),
    # "my address is 12 ...", "lives at 4 ...", "ship it to Unit 5 ...": a cue, then a house number / unit / box
    # "my address is Národní 20" / "lives at Nowy Świat 5": a street with no street word, after a strong cue
    Rule("address_cue_name", "STREET_ADDRESS",
         re.compile(r"\b(?i:address(?:\s+is)?\s*:?|lives?\s+at|living\s+at|resides?\s+at)[ \t]*\n?[ \t]*"
                    r"((?:" + NAMEW + r"[ \t]+(?:" + CONN + r"{1,2})?){1,3}(?!(?:19|20)\d\d\b)" + HOUSE_NO + r")"
                    + NUM_END), 0.6, group=1, validator=lambda v: not any(
             w.casefold() in FUNCTION_WORDS and w.casefold() not in _CONN_WORDS or w.casefold() in NUM_WORDS
             or w.casefold() in _MEASURE for w in _words(v)[:-1]) and _words(v)[0].casefold() not in NOT_NAME_START),
    Rule("address_cue", "STREET_ADDRESS",
         re.compile(r"\b(?i:address(?:\s+is)?\s*:?|lives?\s+at|living\s+at|moved\s+to|reside\s+at|ship(?:ped)?"
                    r"(?:\s+it)?\s+to|deliver(?:ed|y)?(?:\s+it)?\s+to|send(?:\s+it)?\s+to|mail(?:\s+it)?\s+to|"
                    r"office\s+is\s+at|located\s+at|based\s+at|taxi\s+to|pick\s+me\s+up\s+at)[ \t]*\n?[ \t]*"
                    r"((?:\d{1,6}[A-Za-z]?\b|(?i:PSC|CMR|Unit|Apt\.?|Suite|P\.?\s?O\.?\s?Box|USNS|USNV|USS|USCGC)\s)"
                    r"(?:(?!\n\s*\n|\n\s*[A-Za-z ]{2,20}:)[^!?])"
                    r"{2,100}?)(?=\s*(?:[!?]|\.?\s*$|\.\s+(?!\d)|\n\s*\n|\n\s*[A-Za-z ]{2,20}:)|,?\s+(?i:please|thanks|"
                    r"thank\s+you|asap|but|so|because|when|before|after|tomorrow|today|instead|and\s+(?:i|we|you|"
                    r"call|let|send|ship|update))\b)"), 0.6, group=1),
]
