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

from ..lexicons.address_words import (ANYW, BLOCK_UNITS, CC, CONN, CONN_WORDS, FUNCTION_WORDS, GLUED, GLUED_CAP,
                                      HOUSE_NO, LET, LOW, MEASURE, MONTH_DAY, NAMEW, NOT_LOC, NOT_NAME_START,
                                      NUMBER_WORDS, NUMBER_WORDS_ALT, NUM_END, NUM_WORDS, POST_STRONG_WORDS, POST_TYPE,
                                      POST_TYPE_STRONG, PRE_TYPE_STRONG, PRE_TYPE_WEAK, STREET_SUFFIX, UNIT_WORDS, UP,
                                      US_STATES, US_STATE_CODES)
from .address_checks import (block_ok, cross_ok, lower_street_ok, split_words, street_name_suffix_ok,
                             street_number_first_ok, type_first_ok, zip_after_place_ok)
from .address_rule_types import (AnchoredRule, ExtendingRule, GatedRule, and_gate, cross_gate, glued_gate,
                                 locality_before, lower_pre_gate, post_gate, pre_gate, tokens, unit_with_town)
from .base import Rule

_I = re.IGNORECASE
_PRE_NAME_STRONG = r"(?:" + CONN + r"{0,2}" + ANYW + r"[ \t]+){0,4}?" + CONN + r"{0,2}" + ANYW
_PRE_NAME_WEAK = r"(?:" + CONN + r"{0,2}" + NAMEW + r"[ \t]+){0,4}?" + CONN + r"{0,2}" + NAMEW
_PRE_NAME_CAPS = r"(?:" + CONN + r"{0,2}" + NAMEW + r"[ \t]+){0,4}" + CONN + r"{0,2}" + NAMEW + r"(?![\w\-])"
_AFTER_NO = r"[ \t]*,?[ \t]*" + HOUSE_NO + NUM_END
_NO_BEFORE = r"(?<![\w.,$€£#/:\-])" + HOUSE_NO + r"[ \t]*,?[ \t]+"
_TAIL_UNIT = (r"(?:[ \t]*,?[ \t]*(?:bus|bte|boîte|top|m\.|lok\.?|int\.?|interno|scala|esc\.?|escalera|piso|puerta|"
              r"pta\.?|dpto\.?|depto\.?|apto\.?|ap\.?|apt\.?|app\.?|appt\.?|whg\.?|wohnung|andar|étage|etg\.?)"
              r"[ \t]*\d{1,4}[A-Za-z]?|[ \t]*,?[ \t]*\d{1,2}[ºª°][ \t]*(?:andar|piso|izq\.?|izda\.?|dcha\.?|"
              r"dto\.?|esq\.?|[A-Z]\b))?")
_POST_NAME = r"(?:" + NAMEW + r"[ \t]+(?:" + CONN + r"{1,2})?){0,3}"
_MEASURE_AFTER = r"(?![ \t]+(?i:" + "|".join(sorted(MEASURE, key=lambda w: (-len(w), w))) + r")\b)"


_GREEK_CAP = r"[Α-ΩΆΈΉΊΌΎΏ]"
_GREEK_WORD = _GREEK_CAP + r"[α-ωάέήίόύώϊϋΐΰΑ-ΩΆΈΉΊΌΎΏ]+"
# Greek streets named after a person or place carry no street word ("Λ. Αλεξάνδρας 45", "Μεγάλη Άμμος 184"): an
# initial or a house number before the name marks them
_GREEK_STREET = (r"(?<![\w\-.])(?:\d{1,5}[ \t]+(?:" + _GREEK_CAP + r"\.[ \t]*)?|" + _GREEK_CAP + r"\.[ \t]*)"
                 + _GREEK_WORD + r"(?:[ \t]+" + _GREEK_WORD + r"){0,2}[ \t]*,?[ \t]+\d{1,4}[Α-Ωα-ωA-Za-z]?"
                 r"(?![\w%.,]\w|[\w%])")
_UNIT_ID = r"#?[ \t]*(?:\d{1,5}[A-Za-z]?|[A-Z]-?\d{1,4}[A-Za-z]?)(?![\w\-%]|[.,]\d)"

# -- 5. postcodes ---------------------------------------------------------------------------------------------------
_CITY = (r"(?!(?i:" + MONTH_DAY + r"|years?|days?|hours?|people|users?|items?|units?|pcs|times|series|model|"
         r"edition|version|the|and|or|for|to|at|in|on|with)\b)" + UP + r"(?:" + LET + r"|['’\-](?=" + LET + r"))+"
         r"(?:[ \t\-](?:(?:am|an der|sur|sous|del|de|di|la|le|en|im|upon|on)[ \t\-])?" + UP + r"(?:" + LET +
         r"|['’\-](?=" + LET + r"))+){0,2}")
# two letters after a Dutch 4-digit code that are usually something else (1080 HD, 2000 BC, 1200 AD ...)
_NL_NOT = r"(?!(?:AD|BC|CE|HD|AM|PM|KB|MB|GB|TB|PB|MP|FT|KM|CM|MM|UK|US|EU|ID|OK|TV|PC|AI|ML|SA|SD|SS|HP|RPM|XP)\b)"
# the line before ends in a house number (street line), so a following "12345 City" is its postcode + town
_AFTER_STREET_NO = re.compile(r"(?<![^\W\d_])(?!(?i:" + NUMBER_WORDS_ALT + r"|and|or|to|of|in|on|at|the|"
                              + MONTH_DAY + r")\b)[^\W\d_]{2,}\.?[ \t]+(?!(?:19|20)\d\d\b)\d{1,4}[A-Za-z]?"
                              r"(?:[/\-]\d{1,4}[A-Za-z]?)?"
                              r"(?:[ \t]*,?[ \t]*(?:" + UNIT_WORDS + r"|bus|top)\.?[ \t]*\d{1,4}[A-Za-z]?)?"
                              r"[ \t]*[,\n][ \t]*\n?[ \t]*$", _I)
_ZIP_PLACE = r"\b(?!(?:" + NUMBER_WORDS + r")\b)[A-ZÀ-Þ][a-zà-ÿ]{2,},?[ \t]*\n?[ \t]*$"
_CAP = r"[A-ZÀ-ÖØ-Þ][\w'’\-]*"

# -- 6. intersections -----------------------------------------------------------------------------------------------
_STREETISH = (r"(?:(?:\d{1,5}[A-Za-z]?[ \t]+)?(?:(?:" + NAMEW + r"[ \t]+){0,3}(?i:" + STREET_SUFFIX + r")\b\.?|(?:"
              + NAMEW + r"[ \t]+){0,2}" + NAMEW + r"|(?:" + ANYW + r"[ \t]+){0,3}(?i:" + STREET_SUFFIX + r")\b\.?|"
              r"(?:" + ANYW + r"[ \t]+){0,2}" + ANYW + r"(?=[ \t]+\d))"
              r"(?:[ \t]+\d{1,5}[A-Za-z]?\b\.?)?)")  # "Andrássy út 12." (HU / SK ordinal house numbers)


_BW = r"[^\W\d_][\w'’.\-]*+"  # a word of a postal block line (possessive: no re-splitting on backtrack)
_BLOCK_UNIT = r"(?i:" + BLOCK_UNITS + r")\.?[ \t]*#?[ \t]*\d{1,5}[A-Za-z]?(?![\w\-])"
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


ADDRESS_RULES: list[Rule] = [
    ExtendingRule("street_address", "STREET_ADDRESS",
         re.compile(r"(?<![\w.,$€£#/:\-])\d{1,6}[A-Za-z]?(?:[\-/]\d{1,4})?,?\s+(?:(?:[NSEW]|North|South|East|West)"
                    r"\.?\s+)?(?:(?:[A-Za-zÀ-ÿ][\w'’.\-]*|\d{1,3}(?:st|nd|rd|th))\s+){0,4}" + STREET_SUFFIX
                    + r"\b\.?", _I), 0.75,
         validator=street_number_first_ok, extend=locality_before),
    Rule("street_name_number", "STREET_ADDRESS",
         re.compile(r"\b(?:[A-ZÀ-Þ][\w'’\-]*\s+){1,3}(?i:" + STREET_SUFFIX + r")\b(?!\.?[ \t]+[A-ZÀ-Þ][a-z])\.?"
                    r"(?:[ \t]+\d{1,5}[A-Za-z]?\b(?![.,:]\d))?"), 0.6, validator=street_name_suffix_ok),
    # Romance / Slavic order: [12,] rue de la Paix | Calle Mayor 5 | Via Roma, 12 | ul. Długa 10/12 m. 5
    GatedRule("street_type_first", "STREET_ADDRESS",
         re.compile(r"(?:" + _NO_BEFORE + r")?(?<![\w\-])(?i:" + PRE_TYPE_STRONG + r")(?!\w)[ \t]+" +
                    _PRE_NAME_STRONG + _AFTER_NO + _TAIL_UNIT), 0.75, validator=type_first_ok, gate=pre_gate),
    GatedRule("street_type_first_no_before", "STREET_ADDRESS",
         re.compile(_NO_BEFORE + r"(?i:" + PRE_TYPE_STRONG + r")(?!\w)[ \t]+" + _PRE_NAME_CAPS +
                    r"(?![ \t]*,?[ \t]*\d)"), 0.7, validator=type_first_ok, gate=pre_gate),
    GatedRule("street_type_first_weak", "STREET_ADDRESS",
         re.compile(r"(?:" + _NO_BEFORE + r")?(?<![\w\-])(?i:" + PRE_TYPE_WEAK + r")(?![\w])[ \t]*" +
                    _PRE_NAME_WEAK + _AFTER_NO + _TAIL_UNIT), 0.7, validator=type_first_ok, gate=pre_gate),
    GatedRule("street_type_first_weak_no_before", "STREET_ADDRESS",
         re.compile(_NO_BEFORE + r"(?i:" + PRE_TYPE_WEAK + r")(?![\w])[ \t]*" + _PRE_NAME_CAPS +
                    r"(?![ \t]*,?[ \t]*\d)"), 0.65, validator=type_first_ok, gate=pre_gate),
    # Germanic / Nordic / Finnish glued: Hauptstraße 5a, Prinsengracht 263, Drottninggatan 5, Mannerheimintie 5
    GatedRule("street_glued", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])" + _POST_NAME + r"(?:" + LET + r"|-){3,}?(?i:" + GLUED + r")(?![\w])[ \t]*,?[ \t]*"
                    + HOUSE_NO + NUM_END + _TAIL_UNIT), 0.75, gate=glued_gate),
    GatedRule("street_glued_cap", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])" + _POST_NAME + UP + r"(?:" + LET + r"|-){2,}?(?:" + GLUED_CAP + r")(?![\w])"
                    r"[ \t]*,?[ \t]*" + HOUSE_NO + NUM_END + _TAIL_UNIT), 0.7, gate=glued_gate),
    # separate street word after a capitalised name: Andrássy út 60, Brīvības iela 12, Karl Johans gate 31
    GatedRule("street_type_after", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])" + _POST_NAME + NAMEW + r"[ \t]+(?i:" + POST_TYPE + r")(?![\w])[ \t]*,?[ \t]*"
                    + HOUSE_NO + NUM_END + _TAIL_UNIT), 0.7,
         validator=lambda v: v.split()[0].casefold() not in NOT_NAME_START and not re.match(
             r"(?i)(?:terminal|gate|pier|dock|platform|track|level|zone|area|section|hall)\b", v), gate=post_gate),
    # lower case, in an address's own frame: a house number on both sides of a weak street word ("65 via
    # lagrange 3", "12 str. florilor 40"), a lower-case name before a foreign street word ("pernilles vei 115")
    GatedRule("street_type_first_lower", "STREET_ADDRESS",
         re.compile(_NO_BEFORE + r"(?i:" + PRE_TYPE_WEAK + r")(?![\w])[ \t]*" + _PRE_NAME_STRONG + _AFTER_NO
                    + _MEASURE_AFTER + _TAIL_UNIT), 0.65, validator=lambda v: type_first_ok(v) and lower_street_ok(v),
              gate=lower_pre_gate),
    GatedRule("street_type_after_lower", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])(?:" + NOT_LOC + ANYW + r"[ \t]+(?:" + CONN + r"{1,2})?){1,3}(?i:" + POST_TYPE_STRONG
                    + r")(?![\w])[ \t]*,?[ \t]*" + HOUSE_NO + NUM_END + _TAIL_UNIT), 0.65, validator=lower_street_ok,
              gate=lambda t: not tokens(t).isdisjoint(POST_STRONG_WORDS)),
    GatedRule("greek_street", "STREET_ADDRESS", re.compile(_GREEK_STREET), 0.65,
              gate=lambda t: re.search(r"[Α-Ωα-ω]", t) is not None),
    ExtendingRule("unit", "STREET_ADDRESS",
         re.compile(r"\b(?i:" + UNIT_WORDS + r")\.?[ \t]*(?:(?i:no|nr|n[º°])\.?[ \t]*)?" + _UNIT_ID), 0.7,
         extend=unit_with_town),
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
         re.compile(r"(?<![\w\-])(?:" + CC + r"-)?(?:\d{4,5}|\d{3}[ \t]\d{2}|\d{2}-\d{3}|\d{4}-\d{3}|\d{5}-\d{3}|"
                    r"[1-9]\d{3}[ \t]?[A-Z]{2}|[1-9]\d{2}(?=[ \t]+" + UP + LOW + r"{3,}))[ \t]+" + _CITY), 0.6,
         context=_AFTER_STREET_NO),
    Rule("postcode_cc_city", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])" + CC + r"-\d{4,5}[ \t]+" + _CITY), 0.7),
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
                    r"[ \t]+(?:and|&|y|et|und|e)[ \t]+" + _STREETISH), 0.65, validator=cross_ok,
              gate=cross_gate),
    GatedRule("street_and_street", "STREET_ADDRESS",
         re.compile(r"(?<![\w\-])(?:" + NAMEW + r"[ \t]+){0,2}(?i:" + STREET_SUFFIX + r")\b\.?[ \t]+(?:and|&|at)"
                    r"[ \t]+(?:" + NAMEW + r"[ \t]+){1,2}(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|"
                    r"drive|dr)\b\.?"), 0.6, validator=cross_ok, gate=and_gate),
    # a postal block whose last line is a bare postcode: "12 Foo 34\nTown\n, ST\n12345" (house-number line, town /
    # region lines, possibly with an empty field's leading comma, then the postcode alone)
    AnchoredRule("postcode_block", "STREET_ADDRESS",
         re.compile(r"(?m)(?:^[ \t>]*|(?<=[ \t:>])(?=\d|" + UP + r"|(?i:" + BLOCK_UNITS + r")\b))(" + _BLOCK_FIRST
                    + _BLOCK_MID + _BLOCK_LAST + r")"), 0.6,
         group=1, validator=lambda v: block_ok(v), anchor=_BARE_POSTCODE_LINE),
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
             w.casefold() in FUNCTION_WORDS and w.casefold() not in CONN_WORDS or w.casefold() in NUM_WORDS
             or w.casefold() in MEASURE for w in split_words(v)[:-1]) and split_words(v)[0].casefold() not in NOT_NAME_START),
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
