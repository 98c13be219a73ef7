"""Atom feeds and the personal feed tokens that let feed readers (which cannot log in) read
them. A token is a long random string; only its sha256 is kept, so it is shown once, when
it is made, and a lost token is replaced (which stops the old one) rather than looked up.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, Iterable, Optional

from feedgen.feed import FeedGenerator
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.log import record_event
from ..core.db import begin_write
from ..cases.models import Case
from ..accounts.models import User
from ..core.base import utcnow
from ..accounts.permissions import require_active
from ..core.tokens import hash_token, new_token
from ..accounts.users import revoke_all_feed_tokens
from ..accounts.models import FeedToken

TOKEN_PREFIX = "ef_"


def _require_user(user: Optional[User]) -> User:
    return require_active(user, "Logga in för att hantera din flödesnyckel.")


def active_feed_token(session: Session, user: Optional[User]) -> Optional[FeedToken]:
    if not (user and user.active):
        return None
    return session.scalar(select(FeedToken).where(
        FeedToken.user_id == user.id, FeedToken.revoked_at.is_(None))
        .order_by(FeedToken.id.desc()))


def issue_feed_token(session: Session, user: Optional[User], *, address: str = "") -> str:
    """A new feed token for her; any earlier one stops working. Returns the token itself."""
    user = _require_user(user)
    begin_write(session)
    revoke_all_feed_tokens(session, user)
    token = new_token(TOKEN_PREFIX)
    session.add(FeedToken(user_id=user.id, token_hash=hash_token(token)))
    record_event(session, "feed_token_created", actor=user, address=address)
    session.commit()
    return token


def revoke_feed_tokens(session: Session, user: Optional[User], *, address: str = "") -> int:
    user = _require_user(user)
    begin_write(session)
    count = revoke_all_feed_tokens(session, user)
    if count:
        record_event(session, "feed_token_revoked", actor=user, address=address)
    session.flush()
    return count


def user_for_feed_token(session: Session, token: str) -> Optional[User]:
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.scalar(select(FeedToken).where(FeedToken.token_hash == hash_token(token),
                                                 FeedToken.revoked_at.is_(None)))
    if row is None or not row.user.active:
        return None
    return row.user


def _aware(moment: Optional[datetime]) -> datetime:
    # The database keeps naive UTC; Atom wants the offset written out.
    return (moment or utcnow()).replace(tzinfo=timezone.utc)


def atom_feed(*, feed_id: str, title: str, subtitle: str, self_url: str, page_url: str,
              cases: Iterable[Case], case_url: Callable[[Case], str]) -> bytes:
    """An Atom document listing the cases (published ones only: callers pass those)."""
    cases = list(cases)
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.language("sv")
    feed.author({"name": "Erfarenhetsbanken"})
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=page_url, rel="alternate", type="text/html")
    moments = [moment for case in cases
               if (moment := case.updated_at or case.published_at) is not None]
    feed.updated(_aware(max(moments)) if moments else _aware(None))
    for case in cases:
        entry = feed.add_entry(order="append")
        url = case_url(case)
        entry.id(url)
        entry.title(case.title)
        entry.link(href=url, rel="alternate", type="text/html")
        entry.summary(case.summary)
        entry.published(_aware(case.published_at))
        entry.updated(_aware(case.updated_at or case.published_at))
        entry.author({"name": case.home_district.name})
        for area in case.areas:
            entry.category(term=area.slug, label=area.name)
    return feed.atom_str(pretty=True)
