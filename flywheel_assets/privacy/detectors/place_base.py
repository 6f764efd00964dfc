"""Constants and the glued-span test shared by the place detectors (``gazetteer``, ``place_cues``, ``small_places``)."""

from __future__ import annotations

import re



SCORE = 0.6
SOURCE = "gazetteer"
ENTITY = "LOCATION"
GREETING = re.compile(r"(?:\b(?:hi|hello|hey|dear|thanks|thank\s+you|bye|goodbye|sorry|congrats|congratulations|"
                       r"cheers|welcome|ok|okay|yes|no|sure)[ \t]*,?[ \t]*)$", re.I)
POSSESSIVE = re.compile(r"['’][sS]\b")


def glued(text: str, start: int, end: int) -> bool:
    """The span ``text[start:end]`` is glued to a path, host, time-zone id, identifier or e-mail (a place name
    inside ``Europe/Paris``, ``paris.example.com``, ``paris_2``, ``@paris``)."""
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "/@._#$\\-+="):
        return True
    if end < len(text):
        c = text[end]
        if c.isalnum() or c in "/@_#\\(":
            return True
        if c in ".-:" and end + 1 < len(text) and (text[end + 1].isalnum() or text[end + 1] == "_"):
            return True
    return False
