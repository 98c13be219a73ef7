"""The audit log: logins, refusals, editorial decisions, role changes, imports. Never case text."""
from __future__ import annotations

import re
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AuditEvent
from ..cases.models import Case
from ..accounts.models import User
from ..accounts.permissions import require_admin

EVENT_LABELS = {
    "login": "Inloggning",
    "login_failed": "Misslyckad inloggning",
    "login_throttled": "Många misslyckade inloggningar (inloggningen fördröjs)",
    "logout": "Utloggning",
    "refused": "Nekad åtgärd",
    "published": "Publicerade exempel",
    "published_with_personal_data": "Publicerade trots personuppgifter",
    "returned": "Återsände exempel",
    "archived": "Arkiverade exempel",
    "role_changed": "Ändrad roll",
    "user_deactivated": "Avaktiverad användare",
    "user_activated": "Aktiverad användare",
    "user_created": "Skapad användare",
    "imported": "Import",
    "area_set_started": "Påbörjad revidering av samverkansområden",
    "area_set_activated": "Aktiverade nya samverkansområden",
    "districts_merged": "Slog ihop stadsdelsområden",
    "api_token_revoked": "Spärrade API-nyckel",
    "password_changed": "Bytte lösenord",
    "password_reset": "Återställde lösenord",
    "feed_token_created": "Skapade flödesnyckel",
    "feed_token_revoked": "Spärrade flödesnyckel",
    "collection_created": "Skapade tema",
    "collection_updated": "Ändrade tema",
    "collection_deleted": "Tog bort tema",
    "case_reviewed": "Bekräftade att exemplet är aktuellt",
    "search_term_created": "Lade till sökord",
    "search_term_saved": "Ändrade sökord",
    "search_term_deleted": "Tog bort sökord",
    "search_terms_imported": "Importerade sökord",
    "local_agreement_saved": "Ändrade lokal överenskommelse",
    "district_coordinator_added": "Lade till trygghetssamordnare för stadsdelsområde",
    "district_coordinator_removed": "Tog bort trygghetssamordnare för stadsdelsområde",
    "compilation_plan_saved": "Ändrade plan för kommande år",
    "compilation_published": "Publicerade årssammanställning",
}
# Control characters (new lines included) and bidirectional overrides: a value written to the
# log cannot start a fake entry or reorder what an admin reads.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
MAX_VALUE = 300


def clean(value: Any) -> Any:
    if isinstance(value, str):
        return _UNSAFE.sub("\ufffd", value)[:MAX_VALUE]
    if isinstance(value, dict):
        return {clean(str(k)): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def record_event(session: Session, event: str, *, actor: Optional[User] = None,
                 actor_email: str = "", target: str = "", address: str = "",
                 detail: Optional[dict[str, Any]] = None) -> AuditEvent:
    """Add an audit row to the session's transaction (the caller commits)."""
    row = AuditEvent(event=event, actor_id=actor.id if actor else None,
                     actor_email=clean(actor.email if actor else actor_email),
                     target=clean(target), address=clean(address)[:64],
                     detail=clean(detail or {}))
    session.add(row)
    return row


def list_events(session: Session, user: Optional[User], *, event: str = "",
                limit: int = 200) -> list[AuditEvent]:
    user = require_admin(user)
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if event:
        query = query.where(AuditEvent.event == event)
    return list(session.scalars(query))


def case_titles(session: Session, events: list[AuditEvent]) -> dict[str, str]:
    """"case:37" → the case's title, for the events on this page (the log itself keeps only
    the id: titles change, and the log never holds case text)."""
    ids = {int(e.target[5:]) for e in events
           if e.target and e.target.startswith("case:") and e.target[5:].isdigit()}
    if not ids:
        return {}
    return {f"case:{case_id}": title for case_id, title in session.execute(
        select(Case.id, Case.title).where(Case.id.in_(ids)))}
