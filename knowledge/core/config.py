"""Configuration from environment variables, with safe development defaults."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any


class ConfigError(RuntimeError):
    """Raised when the app must not start with the configuration it was given."""


_TRUE = {"1", "true", "yes", "on", "ja"}
_FALSE = {"0", "false", "no", "off", "nej"}


def env_flag(name: str, default: bool) -> bool:
    """A yes/no setting; unset or empty gives `default`, anything unknown is refused."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise ConfigError(f"Miljövariabeln {name} har värdet {os.environ[name]!r}: ange något av "
                      f"{', '.join(sorted(_TRUE))} (på) eller {', '.join(sorted(_FALSE))} (av).")


def env_number(name: str, default: float, kind: type = int, minimum: float = 0) -> Any:
    """A whole (kind=int) or decimal (kind=float) number of at least `minimum`; unset or
    empty gives `default`. A bad value stops the app with a message naming the variable,
    instead of a traceback from int()."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    what = "ett heltal" if kind is int else "ett tal (decimaler med punkt)"
    try:
        value = kind(text)
    except ValueError:
        raise ConfigError(f"Miljövariabeln {name} har värdet {text!r}: den ska vara {what}, "
                          f"minst {minimum:g}, t.ex. {default:g}.") from None
    if value < minimum or value != value:  # value != value: NaN
        raise ConfigError(f"Miljövariabeln {name} har värdet {text!r}: den ska vara {what}, "
                          f"minst {minimum:g}, t.ex. {default:g}.")
    return value


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
        "SESSION_COOKIE_SECURE": env_flag("SESSION_COOKIE_SECURE", production),
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
        "MAX_CONTENT_LENGTH": int(env_number("MAX_REQUEST_MB", 5, float, minimum=0.001) * 1024 * 1024),
        # Server-side sessions (knowledge/accounts/logins.py): idle and absolute limits.
        "SESSION_IDLE": timedelta(minutes=env_number("SESSION_IDLE_MINUTES", 60, minimum=1)),
        "SESSION_ABSOLUTE": timedelta(hours=env_number("SESSION_MAX_HOURS", 10, minimum=1)),
        "PERMANENT_SESSION_LIFETIME": timedelta(
            hours=env_number("SESSION_MAX_HOURS", 10, minimum=1)),
        # Single sign-on (OpenID Connect); off unless OIDC_ISSUER is set.
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", ""),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
        "OIDC_GROUP_CLAIM": os.environ.get("OIDC_GROUP_CLAIM", "groups"),
        "OIDC_ROLE_MAP": parse_role_map(os.environ.get("OIDC_ROLE_MAP", "")),
        "OIDC_DEFAULT_ROLE": os.environ.get("OIDC_DEFAULT_ROLE") or None,
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),  # or "json"
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "PROXY_FIX": env_number("PROXY_FIX", 0),  # proxies in front of the app
        # Only if the proxy overwrites X-Forwarded-Host itself (never passes the client's).
        "PROXY_FIX_HOST": env_flag("PROXY_FIX_HOST", False),
        # Host names the app answers to (comma-separated); others get 400. Empty: any.
        "TRUSTED_HOSTS": [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",")
                          if h.strip()] or None,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": env_number("LOGIN_MAX_FAILURES", 5, minimum=1),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": env_number("LOGIN_MAX_FAILURES_PER_ADDRESS", 30,
                                                     minimum=1),
        # Past those, each further try waits 2, 4, 8 … seconds, at most this long.
        "LOGIN_MAX_DELAY": timedelta(seconds=env_number("LOGIN_MAX_DELAY_SECONDS", 60)),
        # E-mail digests (`send-digests`). Off outside production unless asked for: a
        # development machine rarely has an SMTP server on port 25.
        "MAIL_ENABLED": env_flag("MAIL_ENABLED", production),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": env_number("SMTP_PORT", 25, minimum=1),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "erfarenhetsbanken@localhost"),
        # /healthz: how long the database may take to answer (lock waits included), and the
        # free disk space below which it warns.
        "HEALTH_TIMEOUT": env_number("HEALTH_TIMEOUT", 3.0, float, minimum=0.1),
        "HEALTH_DISK_FREE_MB": env_number("HEALTH_DISK_FREE_MB", 500),
        # PostgreSQL: give up connecting, and cancel a statement, after this many seconds, so
        # a hung server cannot hold every worker until gunicorn kills it.
        "DATABASE_CONNECT_TIMEOUT": env_number("DATABASE_CONNECT_TIMEOUT", 5),
        "DATABASE_STATEMENT_TIMEOUT": env_number("DATABASE_STATEMENT_TIMEOUT", 30.0, float),
        # Links in e-mail: a command has no request to take the host from.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
    }
