"""Constants shared by the place detectors (``gazetteer``, ``place_cues``, ``small_places``)."""

from __future__ import annotations

import re



SCORE = 0.6
SOURCE = "gazetteer"
ENTITY = "LOCATION"
GREETING = re.compile(r"(?:\b(?:hi|hello|hey|dear|thanks|thank\s+you|bye|goodbye|sorry|congrats|congratulations|"
                       r"cheers|welcome|ok|okay|yes|no|sure)[ \t]*,?[ \t]*)$", re.I)
POSSESSIVE = re.compile(r"['’][sS]\b")
