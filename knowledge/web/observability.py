"""Request ids, one log line per request, optional JSON logs, and ProxyFix behind a proxy."""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable
from werkzeug.middleware.proxy_fix import ProxyFix

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("erfarenhetsbanken.requests")


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def loggable(text: str) -> str:
    """Control characters written as \\xNN: a path with %0A in it (a new line once decoded)
    must not start a line of its own in the text log and pass for another request."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                            else f"\\u{ord(m.group()):04x}", text)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers. Values are data, never markup."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage(),
                 "request_id": getattr(record, "request_id", "-")}
        for key in ("method", "path", "status", "duration_ms", "user_id", "remote_addr"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_app(app: Flask) -> None:
    proxies = app.config.get("PROXY_FIX", 0)
    if proxies:
        # Trust X-Forwarded-For/-Proto from this many proxies in front of us, so that remote
        # addresses (login throttling, audit) and https redirects are right. Not
        # X-Forwarded-Host unless asked for: a proxy that passes the client's own header on
        # would let anyone choose the host of every absolute URL we write (the API's "url").
        # The proxy sets Host itself instead (deploy/nginx.conf.example).
        x_host = proxies if app.config.get("PROXY_FIX_HOST") else 0
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore
                                x_host=x_host)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    root = logging.getLogger("erfarenhetsbanken")
    if not app.testing and not root.handlers:
        root.addHandler(handler)
        root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
        app.logger.addHandler(handler)
        logging.getLogger("knowledge").addHandler(handler)

    @app.before_request
    def start_request():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex[:16]
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.endpoint != "static":
            _log_request(response.status_code)
        return response


def _log_request(status: int) -> None:
    """One line per request. Never raises, and never touches the database: after a failed
    write the session cannot be used, and a hook that raised would lose exactly the 500s."""
    elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
    path = loggable(request.path)  # a newline in the path must not forge a log line
    fields = {"method": request.method, "path": path, "status": status,
              "duration_ms": round(elapsed * 1000, 1), "user_id": _user_id(),
              "remote_addr": request.remote_addr}
    try:
        log.info("%s %s %s %.1f ms", request.method, path, status, elapsed * 1000,
                 extra=fields)
    except Exception:  # noqa: BLE001 - a log line must not turn a response into an error
        logging.getLogger(__name__).exception("The request log line could not be written")


def _user_id():
    """The id of the user this request already loaded, read without a query (or None)."""
    # Flask-Login's cache, or the API's token user; never loaded here if it is not there.
    user = g.get("_login_user") or g.get("api_user")
    try:
        identity = inspect(user).identity
    except NoInspectionAvailable:  # the anonymous user, or none
        return None
    return identity[0] if identity else None
