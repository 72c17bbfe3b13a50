"""Join codes: short enough to read aloud and type on a phone, long enough not to be guessed.

Eight characters from an alphabet without the look-alikes 0/O, 1/I/l (and L, so a
lower-case l typed for it is never a valid code): 31^8, about 8.5 x 10^11 codes. With codes
that match nothing throttled per address (workshops/services.py), a guesser gets a few
hundred tries an hour, against at most a few hundred open workshops. Shown as two groups
of four ("K7MQ-4QXP"), stored and compared without the separator, in capitals.
"""

import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
_NOT_CODE = re.compile(r"[\s\-–—.]")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed: str) -> str:
    """The code as typed, without spaces or dashes, in capitals ("" if it cannot be one)."""
    code = _NOT_CODE.sub("", typed or "").upper()
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return ""
    return code


def shown(code: str) -> str:
    """How the code is written on screen and read out: two groups of four."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"
