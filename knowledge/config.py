"""Configuration from environment variables, with safe development defaults."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    """Raised when the app must not start with the configuration it was given."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def parse_role_map(text: str) -> dict[str, str]:
    """ "group=role,group=role" → {group: role}, e.g. "eb-redaktorer=editor,eb-admin=admin"."""
    mapping = {}
    for pair in text.split(","):
        group, _, role = pair.partition("=")
        if group.strip() and role.strip():
            mapping[group.strip()] = role.strip()
    return mapping


def load_config(instance_path: str) -> dict:
    """Read settings from the environment. Paths default to the instance folder."""
    instance = Path(instance_path)
    env = os.environ.get("APP_ENV", "development").lower()
    production = env == "production"
    secret = os.environ.get("SECRET_KEY")
    if production and not secret:
        raise ConfigError(
            "SECRET_KEY saknas: i produktionsläge (APP_ENV=production) måste miljövariabeln "
            "SECRET_KEY sättas till en lång slumpmässig sträng, t.ex. "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    return {
        "APP_ENV": env,
        "SECRET_KEY": secret or "dev-only-not-secret",
        "DATABASE_URL": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'erfarenhetsbanken.sqlite3'}",
        "INDEX_DIR": os.environ.get("INDEX_DIR") or str(instance / "index"),
        # One export at a time per person: lock files every worker of the server sees.
        "EXPORT_LOCK_DIR": os.environ.get("EXPORT_LOCK_DIR") or str(instance / "export-locks"),
        # Browsers refuse Secure cookies over plain http, so local development turns it off.
        "SESSION_COOKIE_SECURE": _bool(os.environ.get("SESSION_COOKIE_SECURE"), production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "BABEL_DEFAULT_LOCALE": os.environ.get("BABEL_DEFAULT_LOCALE", "sv"),
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        # CSRF tokens live as long as the session; a page left open all day still posts.
        "WTF_CSRF_TIME_LIMIT": None,
        "PER_PAGE": 20,
        # The largest request body the app reads (forms; nothing here uploads files), also
        # when nothing in front of it sets a limit. Larger requests answer 413.
        "MAX_CONTENT_LENGTH": int(float(os.environ.get("MAX_REQUEST_MB", "5")) * 1024 * 1024),
        # Server-side sessions (knowledge/logins.py): idle and absolute limits.
        "SESSION_IDLE": timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "60"))),
        "SESSION_ABSOLUTE": timedelta(hours=int(os.environ.get("SESSION_MAX_HOURS", "10"))),
        "PERMANENT_SESSION_LIFETIME": timedelta(
            hours=int(os.environ.get("SESSION_MAX_HOURS", "10"))),
        # Single sign-on (OpenID Connect); off unless OIDC_ISSUER is set.
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", ""),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
        "OIDC_GROUP_CLAIM": os.environ.get("OIDC_GROUP_CLAIM", "groups"),
        "OIDC_ROLE_MAP": parse_role_map(os.environ.get("OIDC_ROLE_MAP", "")),
        "OIDC_DEFAULT_ROLE": os.environ.get("OIDC_DEFAULT_ROLE") or None,
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),  # or "json"
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "PROXY_FIX": int(os.environ.get("PROXY_FIX", "0")),  # proxies in front of the app
        # Only if the proxy overwrites X-Forwarded-Host itself (never passes the client's).
        "PROXY_FIX_HOST": _bool(os.environ.get("PROXY_FIX_HOST"), False),
        # Host names the app answers to (comma-separated); others get 400. Empty: any.
        "TRUSTED_HOSTS": [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",")
                          if h.strip()] or None,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS",
                                                             "30")),
        # Past those, each further try waits 2, 4, 8 … seconds, at most this long.
        "LOGIN_MAX_DELAY": timedelta(seconds=int(os.environ.get("LOGIN_MAX_DELAY_SECONDS",
                                                                "60"))),
        # E-mail digests (`send-digests`). Off outside production unless asked for: a
        # development machine rarely has an SMTP server on port 25.
        "MAIL_ENABLED": _bool(os.environ.get("MAIL_ENABLED"), production),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "erfarenhetsbanken@localhost"),
        # /healthz: how long the database may take to answer (lock waits included), and the
        # free disk space below which it warns.
        "HEALTH_TIMEOUT": float(os.environ.get("HEALTH_TIMEOUT", "3")),
        "HEALTH_DISK_FREE_MB": int(os.environ.get("HEALTH_DISK_FREE_MB", "500")),
        # PostgreSQL: give up connecting, and cancel a statement, after this many seconds, so
        # a hung server cannot hold every worker until gunicorn kills it.
        "DATABASE_CONNECT_TIMEOUT": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")),
        "DATABASE_STATEMENT_TIMEOUT": float(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "30")),
        # Links in e-mail: a command has no request to take the host from.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
    }
