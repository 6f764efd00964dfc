"""Word lists and lexicon loaders of the privacy detectors, and the one text ``fold`` they share.

``base``: ``fold`` / ``fold_place``, spaCy stop words + ``data/common_words.txt`` (``skip_words``).
``names``: census first / last names, international given names, the English vocabulary behind ``word_class``.
Detectors import their word lists from here; nothing here imports a detector.
"""
