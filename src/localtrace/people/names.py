"""Normalised keys for comparing names, so "O'Brien", "O BRIEN" and "Obrien" compare equal."""

from __future__ import annotations

import functools
import re
import unicodedata

_NOT_LETTERS = re.compile(r"[^a-z]")


@functools.lru_cache(maxsize=200_000)
def name_key(text: str) -> str:
    """Case-folded, accents removed, only the letters a–z kept (ł and ø folded by hand)."""
    text = (text or "").replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_LETTERS.sub("", ascii_only)
