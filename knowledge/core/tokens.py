"""The one way bearer secrets (session, API and feed tokens) are stored: their sha256.

The tokens are long random strings (secrets.token_urlsafe(32)), so a slow password hash
would add nothing; a fast one lets every request look its token up by an index.
"""
from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
