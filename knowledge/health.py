"""Health of the parts the app needs, for /healthz and monitoring."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session


def check_health(session: Session) -> tuple[bool, dict]:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False, {"status": "error", "database": "unreachable"}
    return True, {"status": "ok", "database": "ok"}
