"""E-mail digests: every notification is e-mailed once, through the configured SMTP server.

Each person gets one e-mail per run at most, holding everything not yet e-mailed to her,
when her digest period (daily or weekly) has passed, or at once when something in it is
waiting for her (a question on her case, an answer to her question). Rows are claimed
before sending and marked after, so two runs at the same time never mail a row twice; a
run that dies between sending and marking leaves a claim that a run a quarter of an hour
later takes over (at-least-once: that one e-mail could then arrive twice).
"""
from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Callable, Optional
from urllib.parse import urljoin

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from ..core.db import begin_write
from ..accounts.models import User
from ..core.base import utcnow
from ..core.timezones import local_date
from .models import ExchangePreferences, Notification
from .notifications import DIRECT_KINDS

log = logging.getLogger(__name__)

# Periods in Stockholm calendar days: a daily digest goes out at the first run of each new
# day, a weekly one at the first run seven days after the last. Counting hours instead
# (23 h, so that a run at the same hour does not slip a day) sent one more mail, an hour
# earlier each day, and days of 23 or 25 hours at the summer-time changes shift it further.
PERIOD_DAYS = {"daily": 1, "weekly": 7}
CLAIM_TIMEOUT = timedelta(minutes=15)
SUBJECTS = {
    "question": "Ny fråga om ”{title}”",
    "answer_mine": "Svar på din fråga om ”{title}”",
    "answer": "Nytt svar om ”{title}”",
    "adoption": "Någon har provat ”{title}”",
    "adoption_update": "Uppdatering om ”{title}”",
    "new_case": "Nytt exempel: ”{title}”",
    "stale": "Dags att se över ”{title}”",
    "case_returned": "”{title}” har återsänts till dig",
    "case_published": "”{title}” är publicerat",
}
ANCHORS = {"question": "fragor", "answer_mine": "fragor", "answer": "fragor",
           "adoption": "provat", "adoption_update": "provat"}


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    case_url: Callable[[int], str]      # absolute address of a case page
    settings_url: str                   # where a person changes her digest period
    notifications_url: str


@dataclass
class DigestReport:
    messages: int = 0
    notifications: int = 0
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Recipient:
    user_id: Optional[int]
    email: str


def send_digests(session: Session, settings: MailSettings,
                 now: Optional[datetime] = None) -> DigestReport:
    """E-mail every digest that is due. Unlike the rest of the domain this commits, several
    times: an e-mail once sent cannot be rolled back, so each recipient's claim is committed
    before her message goes out (no second run sends it twice) and the sent mark right
    after (a crash later does not lose it). Call it with a session that holds nothing
    unsaved; the send-digests command is its only caller."""
    now = now or utcnow()
    report = DigestReport()
    connection: Optional[smtplib.SMTP] = None
    try:
        for recipient in _pending_recipients(session, now):
            if connection is None:
                # Opened before anything is claimed: an unreachable server leaves no claims.
                connection = smtplib.SMTP(settings.host, settings.port, timeout=30)
            claim = _claim(session, recipient, now)
            if claim is None:
                continue
            items, to, name = claim
            try:
                connection.send_message(build_message(settings, to, name, items))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                # This message was refused; the others may still go. The next run retries.
                log.warning("The SMTP server refused the e-mail to %s: %s", to, error)
                report.failed.append(to)
                _release(session, items)
                continue
            except OSError:
                _release(session, items)  # the connection is gone: stop, the next run retries
                raise
            except Exception:  # noqa: BLE001 — one bad message must not stop the others
                # E.g. a header the e-mail library refuses. Logged with its traceback; the
                # notifications stay unsent, so the next run tries them again.
                log.exception("Could not build or send the e-mail to %s", to)
                report.failed.append(to)
                _release(session, items)
                continue
            _mark_sent(session, recipient, items, now)
            report.messages += 1
            report.notifications += len(items)
    finally:
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
    return report


def _open(now: datetime):
    return and_(Notification.emailed_at.is_(None),
                or_(Notification.mail_claim.is_(None),
                    Notification.mail_claimed_at < now - CLAIM_TIMEOUT))


def _pending_recipients(session: Session, now: datetime) -> list[_Recipient]:
    rows = session.execute(select(Notification.user_id, Notification.email, Notification.kind)
                           .where(_open(now)).distinct())
    direct: dict[_Recipient, bool] = {}
    for user_id, email, kind in rows:
        recipient = _Recipient(user_id, "" if user_id else email)
        direct[recipient] = direct.get(recipient, False) or kind in DIRECT_KINDS
    due = []
    for recipient, has_direct in direct.items():
        if recipient.user_id is None:
            due.append(recipient)  # an address outside the bank: no digest period to wait for
            continue
        user = session.get(User, recipient.user_id)
        if user is None or not user.active:
            continue
        prefs = session.get(ExchangePreferences, user.id)
        last = prefs.last_digest_at if prefs else None
        days = PERIOD_DAYS.get(prefs.digest if prefs else "daily", PERIOD_DAYS["daily"])
        if has_direct or last is None or (local_date(now) - local_date(last)).days >= days:
            due.append(recipient)
    session.rollback()  # end the read before the claims write
    return due


@dataclass(frozen=True)
class _Item:
    """What a claimed notification says, read out so that sending needs no database."""

    id: int
    kind: str
    message: str
    excerpt: str
    case_id: Optional[int]
    case_title: str
    link: str = ""          # a path on this site, for notifications about other things


def _writer(session: Session) -> None:
    # Whatever was read since the last commit ends first, so the write starts as a writer
    # (knowledge.core.db.begin_write: a reader turned writer can fail on SQLite).
    session.rollback()
    begin_write(session)


def _claim(session: Session, recipient: _Recipient, now: datetime
           ) -> Optional[tuple[list[_Item], str, str]]:
    token = uuid.uuid4().hex
    _writer(session)
    who = (Notification.user_id == recipient.user_id if recipient.user_id
           else and_(Notification.user_id.is_(None), Notification.email == recipient.email))
    session.execute(update(Notification).where(who, _open(now))
                    .values(mail_claim=token, mail_claimed_at=now))
    session.commit()
    items = [_Item(row.id, row.kind, row.message, row.excerpt, row.case_id,
                   row.case.title if row.case else "", row.link or "")
             for row in session.scalars(select(Notification).where(
                 Notification.mail_claim == token).order_by(Notification.id))]
    user = session.get(User, recipient.user_id) if recipient.user_id else None
    if user is not None:
        to, name = user.email, user.display_name
    else:
        to, name = recipient.email, ""
    session.rollback()
    return (items, to, name) if items else None  # None: another run got there first


def _release(session: Session, items: list[_Item]) -> None:
    _writer(session)
    session.execute(update(Notification).where(Notification.id.in_([i.id for i in items]))
                    .values(mail_claim=None, mail_claimed_at=None))
    session.commit()


def _mark_sent(session: Session, recipient: _Recipient, items: list[_Item],
               now: datetime) -> None:
    _writer(session)
    session.execute(update(Notification).where(Notification.id.in_([i.id for i in items]))
                    .values(emailed_at=now, mail_claim=None, mail_claimed_at=None))
    if recipient.user_id:
        prefs = session.get(ExchangePreferences, recipient.user_id)
        if prefs is None:
            prefs = ExchangePreferences(user_id=recipient.user_id, digest="daily")
            session.add(prefs)
        prefs.last_digest_at = now
    session.commit()


def _link(settings: MailSettings, row: _Item) -> str:
    if row.case_id is None:
        # A path on this site (e.g. a district's part of the compilation), made absolute
        # against the notifications page's address.
        return urljoin(settings.notifications_url, row.link) if row.link \
            else settings.notifications_url
    anchor = ANCHORS.get(row.kind)
    return settings.case_url(row.case_id) + (f"#{anchor}" if anchor else "")


def build_message(settings: MailSettings, to: str, name: str,
                  rows: list[_Item]) -> EmailMessage:
    if len(rows) == 1 and rows[0].case_title:
        subject = SUBJECTS.get(rows[0].kind, "{title}").format(title=rows[0].case_title)
    else:
        subject = f"Erfarenhetsbanken: {len(rows)} nya notiser"
    name = " ".join(name.split())
    lines = [f"Hej{' ' + name if name else ''},", ""]
    if name:
        lines += ["Det här har hänt i Erfarenhetsbanken sedan vi skrev senast:", ""]
    else:
        lines += ["Du står som kontaktperson för ett exempel i Erfarenhetsbanken, "
                  "Stockholms erfarenhetsbank för brottsförebyggande och trygghetsskapande "
                  "arbete.", ""]
    for row in rows:
        lines.append(f"* {row.message}")
        if row.excerpt:
            lines.append(f"  ”{row.excerpt}”")
        lines += [f"  {_link(settings, row)}", ""]
    lines.append("-- ")
    if name:
        lines += [f"Alla notiser: {settings.notifications_url}",
                  f"Välj hur ofta du får e-post: {settings.settings_url}"]
    else:
        lines.append("Svara frågeställaren direkt på den e-postadress som står ovan.")
    message = EmailMessage()
    # Titles and names written before line breaks were stripped at validation may still
    # hold one; a header must be one line.
    message["Subject"] = " ".join(subject.split())
    message["From"] = settings.sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content("\n".join(lines))
    return message
