"""Health of the parts the app needs, for /healthz and monitoring."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .search import IndexUnavailable, SearchIndex

# More outbox rows than this waiting means the index is not keeping up.
LAG_WARNING = 100


def check_health(session: Session, index: SearchIndex) -> tuple[bool, dict]:
    """(healthy, report). The database must answer; the search index must be readable and
    report how many outbox rows it has not applied yet."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False, {"status": "error", "database": "unreachable"}
    report = {"status": "ok", "database": "ok"}
    try:
        index.searcher_and_cache()
        lag = index.lag()
    except IndexUnavailable as error:
        report.update(status="error", index="unavailable", index_error=str(error))
        return False, report
    report.update(index="ok" if lag <= LAG_WARNING else "lagging", index_lag=lag)
    if index.last_error:
        report.update(status="degraded", index="failing", index_error=index.last_error)
    return True, report
