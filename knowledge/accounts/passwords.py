"""Password rules: long enough, not one character over and over, not the e-mail address,
and not on the list of passwords people pick first (knowledge/accounts/data/common_passwords.txt)."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

PASSWORD_MIN = 10
_LIST = Path(__file__).parent / "data" / "common_passwords.txt"
# "Sommar2024!" is "sommar" with a year and a "!" added; such tails add little.
_TAIL = re.compile(r"[\d\W_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, email: str = "") -> list[str]:
    """Why the password may not be used, in Swedish; empty when it is fine."""
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append(f"Lösenord: måste vara minst {PASSWORD_MIN} tecken.")
    lowered = password.lower()
    if password and Counter(lowered).most_common(1)[0][1] * 2 > len(lowered):
        problems.append("Lösenord: får inte till största delen bestå av samma tecken.")
    local = (email or "").strip().lower().partition("@")[0]
    parts = {local} | {p for p in re.split(r"[._+-]", local) if len(p) >= 4}
    if any(len(part) >= 3 and part in lowered for part in parts):
        problems.append("Lösenord: får inte innehålla namnet i din e-postadress.")
    common = common_passwords()
    stripped = _TAIL.sub("", lowered)
    if lowered in common or (stripped and stripped in common):
        problems.append("Lösenord: det här är ett av de vanligaste lösenorden och gissas "
                        "först. Välj en egen fras, t.ex. tre ord som inte hör ihop.")
    return problems
