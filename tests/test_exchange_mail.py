"""Follows, notifications and e-mail digests, sent to a real SMTP server on loopback.

The server is aiosmtpd run as its own process (`python -m aiosmtpd … -c Mailbox DIR`),
which writes each message it accepts into a maildir, with the envelope recipients in an
X-RcptTo header; the tests read what it received.
"""
from __future__ import annotations

import email
import socket
import subprocess
import sys
import time
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select, update

from knowledge.cases import lifecycle as cases
from knowledge.exchange import follows, notifications, questions
from knowledge.exchange.commands import mail_settings
from knowledge.exchange.mail import send_digests
from knowledge.exchange.models import ExchangePreferences, Notification
from knowledge.core.base import utcnow
from tests.conftest import ROLE_EMAILS, case_data, fresh

PUBLIC = "http://erfarenhetsbanken.test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailServer:
    def __init__(self, port: int, maildir: Path):
        self.port, self.maildir = port, maildir

    def _files(self):
        return sorted(p for sub in ("new", "cur") if (self.maildir / sub).exists()
                      for p in (self.maildir / sub).iterdir())

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(path.read_bytes(), policy=policy.default)
                for path in self._files()]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages() if m["X-RcptTo"] == address]

    def clear(self) -> None:
        for path in self._files():
            path.unlink()


@pytest.fixture(scope="module")
def smtp_server(tmp_path_factory):
    # A path that does not exist yet: the handler makes the maildir (new/, cur/, tmp/) only then.
    maildir = tmp_path_factory.mktemp("smtp") / "maildir"
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Mailbox", str(maildir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("aiosmtpd did not start: "
                                   + process.stderr.read().decode(errors="replace")) from None
            time.sleep(0.05)
    yield MailServer(port, maildir)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def mail(app, smtp_server):
    smtp_server.clear()
    app.config.update(MAIL_ENABLED=True, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port,
                      SMTP_FROM="erfarenhetsbanken@test.se", PUBLIC_URL=PUBLIC)
    return smtp_server


def run_digests(runner):
    result = runner.invoke(args=["send-digests"])
    return result


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_new_case_in_a_followed_area_reaches_the_follower_once(runner, mail, db, users,
        published_case):
    follows.follow(db, users["coordinator"], "area", "otrygga-platser")
    follows.follow(db, users["staff2"], "district", "farsta")       # not this case's district
    follows.follow(db, users["staff"], "area", "otrygga-platser")  # her own case: no news
    case = published_case()

    result = run_digests(runner)
    assert result.exit_code == 0, result.output
    assert "1 om nya exempel" in result.output and "Skickade 1 e-postmeddelanden" in result.output
    [message] = mail.messages()
    assert message["X-RcptTo"] == ROLE_EMAILS["coordinator"]
    assert message["To"] == ROLE_EMAILS["coordinator"]
    assert message["From"] == "erfarenhetsbanken@test.se"
    assert message["Subject"] == f"Nytt exempel: ”{case.title}”"
    text = body_of(message)
    assert "Hej Coordinator," in text and case.title in text
    assert f"{PUBLIC}/cases/{case.id}" in text and f"{PUBLIC}/installningar" in text

    fresh(db)
    [note] = db.scalars(select(Notification)).all()
    assert (note.user_id, note.kind, note.emailed_at is not None) == (
        users["coordinator"].id, "new_case", True)

    again = run_digests(runner)  # idempotent: nothing new is collected or sent
    assert "0 om nya exempel" in again.output and "Skickade 0" in again.output
    assert len(mail.messages()) == 1


def test_a_saved_search_matches_text_and_filters(runner, mail, db, users, published_case):
    follows.follow(db, users["coordinator"], "search",
                   "https://x.test/cases?q=tunnelbanan&district=jarva&page=3#top")
    hit = published_case()                            # Järva, "tunnelbanan" in the text
    published_case(title="Samma i Farsta", district="Farsta")
    published_case(title="Ungdomsgårdar på kvällstid",
            situation="Ungdomar saknade mötesplatser.", cause_analysis="", summary="Fritid.")
    run_digests(runner)
    [message] = mail.to(ROLE_EMAILS["coordinator"])
    assert message["Subject"] == f"Nytt exempel: ”{hit.title}”"


def test_a_follow_hears_only_of_cases_published_after_it(runner, mail, db, users, published_case):
    published_case()
    follows.follow(db, users["coordinator"], "district", "Järva")
    run_digests(runner)
    assert mail.messages() == []


def test_a_question_is_mailed_at_once_to_the_author_and_an_outside_contact(runner, mail, db,
                                                                         users, published_case):
    case = published_case()
    prefs = notifications.set_digest(db, users["staff"], "weekly")
    prefs.last_digest_at = utcnow() - timedelta(days=1)  # her weekly digest is days away
    db.commit()
    questions.ask_question(db, users["coordinator"], case,
                           {"body": "Hur många vandringar gjorde ni?"})
    result = run_digests(runner)
    assert result.exit_code == 0, result.output

    [to_author] = mail.to(ROLE_EMAILS["staff"])
    assert to_author["Subject"] == f"Ny fråga om ”{case.title}”"
    assert "Hur många vandringar gjorde ni?" in body_of(to_author)
    assert f"{PUBLIC}/cases/{case.id}#fragor" in body_of(to_author)

    [to_contact] = mail.to("kim.exempel@exempel.stockholm.se")
    text = body_of(to_contact)
    assert to_contact["Subject"] == f"Ny fråga om ”{case.title}”"
    assert "kontaktperson" in text and ROLE_EMAILS["coordinator"] in text
    assert "/installningar" not in text  # she has no account to change settings in


def test_the_digest_period_holds_other_news_until_due_and_then_sends_all_in_one(
        runner, mail, db, users, published_case):
    notifications.set_digest(db, users["coordinator"], "weekly")
    follows.follow(db, users["coordinator"], "area", "otrygga-platser")
    db.execute(update(ExchangePreferences).values(last_digest_at=utcnow() - timedelta(days=2)))
    db.commit()
    published_case()
    run_digests(runner)
    assert mail.messages() == []  # not due: collected, shown in the app, not yet mailed

    db.execute(update(ExchangePreferences).values(last_digest_at=utcnow() - timedelta(days=8)))
    db.commit()
    published_case(title="Nattvandrare i Husby")
    run_digests(runner)
    [message] = mail.messages()
    assert message["Subject"] == "Erfarenhetsbanken: 2 nya notiser"
    text = body_of(message)
    assert "Trygghetsvandringar med boende i Husby" in text and "Nattvandrare i Husby" in text


def test_an_answer_to_her_question_skips_the_wait_and_brings_the_rest_along(
        runner, mail, db, users, published_case):
    case = published_case()
    notifications.set_digest(db, users["coordinator"], "weekly")
    follows.follow(db, users["coordinator"], "area", "otrygga-platser")
    db.execute(update(ExchangePreferences).values(last_digest_at=utcnow()))
    db.commit()
    question = questions.ask_question(db, users["coordinator"], case, {"body": "Hur?"})
    published_case(title="Nattvandrare i Husby")
    questions.answer_question(db, users["staff"], question, {"body": "Med grannar."})
    run_digests(runner)
    [message] = mail.to(ROLE_EMAILS["coordinator"])
    text = body_of(message)
    assert "har svarat på din fråga" in text and "Med grannar." in text
    assert "Nattvandrare i Husby" in text


def test_nothing_is_sent_when_mail_is_disabled_or_the_server_is_down(app, runner, mail, db,
                                                                     users, published_case):
    follows.follow(db, users["coordinator"], "area", "otrygga-platser")
    published_case()
    app.config["MAIL_ENABLED"] = False
    off = run_digests(runner)
    assert off.exit_code == 0 and "E-post är avstängt" in off.output

    app.config.update(MAIL_ENABLED=True, SMTP_PORT=_free_port())  # nobody listens there
    down = run_digests(runner)
    assert down.exit_code == 1 and "Kunde inte skicka e-post" in down.output
    fresh(db)
    note = db.scalars(select(Notification)).one()
    assert note.emailed_at is None and note.mail_claim is None  # left for the next run

    app.config["SMTP_PORT"] = mail.port
    assert run_digests(runner).exit_code == 0
    assert len(mail.to(ROLE_EMAILS["coordinator"])) == 1


def test_a_row_claimed_by_a_running_digest_is_left_alone_until_the_claim_is_stale(
        app, mail, db, users, published_case):
    case = published_case()
    questions.ask_question(db, users["coordinator"], case, {"body": "Hur?"})
    db.execute(update(Notification).values(mail_claim="other-run", mail_claimed_at=utcnow()))
    db.commit()
    settings = mail_settings(app)
    assert send_digests(db, settings).messages == 0
    db.execute(update(Notification).values(
        mail_claimed_at=utcnow() - timedelta(minutes=20)))  # that run died
    db.commit()
    report = send_digests(db, settings)
    assert (report.messages, report.notifications) == (2, 2)  # the author and the contact
    assert send_digests(db, settings).messages == 0


def test_an_inactive_user_gets_no_mail(runner, mail, db, users, published_case):
    follows.follow(db, users["coordinator"], "area", "otrygga-platser")
    published_case()
    users["coordinator"].active = False
    db.commit()
    run_digests(runner)
    assert mail.messages() == []


def test_notifications_page_nav_count_and_marking_read(client, auth, db, users, published_case):
    case = published_case()
    questions.ask_question(db, users["coordinator"], case, {"body": "Första frågan"})
    questions.ask_question(db, users["coordinator"], case, {"body": "Andra frågan"})
    auth.login("staff")
    page = client.get("/notiser")
    assert 'Notiser (2<span class="visually-hidden"> olästa</span>)' in page.text
    assert "Första frågan" in page.text and f'/cases/{case.id}#fragor' in page.text
    fresh(db)
    first = db.scalars(select(Notification).where(
        Notification.user_id == users["staff"].id).order_by(Notification.id)).first()
    swapped = client.post(f"/notiser/{first.id}/last", headers={"HX-Request": "true"})
    assert swapped.status_code == 200 and '<div id="notiser">' in swapped.text
    assert "1 oläst." in swapped.text
    # The menu's count follows along, swapped out of band.
    assert ('<a id="nav-notiser" href="/notiser" hx-swap-oob="true">Notiser (1'
            '<span class="visually-hidden"> oläst</span>)</a>') in swapped.text
    assert client.post("/notiser/alla-lasta").status_code == 303
    assert "oläst" not in client.get("/notiser").text
    auth.logout()
    auth.login("staff2")
    assert client.post(f"/notiser/{first.id}/last").status_code == 404  # not hers


def test_settings_choose_the_digest_and_manage_follows(client, auth, db, users):
    auth.login("coordinator")
    assert client.post("/installningar", data={"digest": "weekly"}).status_code == 303
    bad = client.post("/installningar", data={"digest": "hourly"})
    assert bad.status_code == 422 and "daily (en gång om dagen)" in bad.text
    assert client.post("/bevakningar", data={"kind": "district", "target": "Farsta"}
                       ).status_code == 303
    assert client.post("/bevakningar", data={"kind": "search",
                                             "target": "/cases?q=nattvandring&area=unga-i-riskzon"}
                       ).status_code == 303
    refused = client.post("/bevakningar", data={"kind": "search", "target": "area=okänt"})
    assert refused.status_code == 422 and "okänt värde" in refused.text
    page = client.get("/installningar").text
    assert 'value="weekly" checked' in page
    assert "Stadsdelsområde:\n      Farsta" in page or "Farsta" in page
    assert "”nattvandring” · Unga i riskzon för destruktivt beteende" in page
    fresh(db)
    prefs = db.get(ExchangePreferences, users["coordinator"].id)
    assert prefs.digest == "weekly"
    views = follows.list_follows(db, users["coordinator"])
    assert [(v.follow.kind, v.follow.target) for v in views] == [
        ("search", "area=unga-i-riskzon&q=nattvandring"), ("district", "farsta")]
    assert client.post(f"/bevakningar/{views[0].follow.id}/ta-bort").status_code == 303
    fresh(db)
    assert len(follows.list_follows(db, users["coordinator"])) == 1


def test_following_a_case_with_htmx_toggles_the_button(client, auth, db, users, published_case):
    case = published_case()
    auth.login("coordinator")
    on = client.post(f"/cases/{case.id}/folj", headers={"HX-Request": "true"})
    assert 'aria-pressed="true"' in on.text and "Följer" in on.text
    off = client.post(f"/cases/{case.id}/folj")
    assert off.status_code == 303
    assert 'aria-pressed="false">Följ exemplet' in client.get(f"/cases/{case.id}").text


def test_saved_search_parameters_match_the_search_page():
    from knowledge.exchange.saved_search import URL_FACETS
    from knowledge.web.searching import URL_FACETS as PAGE_FACETS
    assert URL_FACETS == PAGE_FACETS


@pytest.mark.parametrize("first_day", ["2026-10-15", "2027-03-18"],
                         ids=["winter-time-begins", "summer-time-begins"])
def test_a_daily_digest_goes_out_once_per_stockholm_day_across_the_clock_change(
        app, mail, db, users, first_day):
    """Three weeks of a timer every 15 minutes, with news every hour, across a change of
    summer time: one e-mail per calendar day, always on the first run after midnight."""
    from datetime import date, datetime, timezone
    from knowledge.core.timezones import STOCKHOLM, to_local
    def utc_midnight(day):  # midnight in Stockholm, as a stored (naive UTC) time
        return datetime.combine(day, datetime.min.time(), STOCKHOLM).astimezone(
            timezone.utc).replace(tzinfo=None)

    start = utc_midnight(date.fromisoformat(first_day))
    end = utc_midnight(date.fromisoformat(first_day) + timedelta(days=21))
    settings = mail_settings(app)
    sent_at = []
    now = start
    while now < end:
        if now.minute == 0:
            notifications.notify(db, [users["coordinator"]], kind="new_case",
                                 event_key=f"news:{now.isoformat()}", message="Nytt exempel")
            db.commit()
        if send_digests(db, settings, now=now).messages:
            sent_at.append(to_local(now))
        now += timedelta(minutes=15)
    days = [moment.date() for moment in sent_at]
    assert len(sent_at) == 21 and len(set(days)) == 21              # not 22 in 21 days
    assert {moment.strftime("%H:%M") for moment in sent_at} == {"00:00"}
    assert len(mail.to(ROLE_EMAILS["coordinator"])) == 21


def test_the_author_hears_of_the_editors_decision_in_the_app_and_by_mail(
        runner, mail, client, auth, db, users):
    case = cases.create_case(db, users["staff"], case_data(), submit=True)
    auth.login("editor")
    assert client.post(f"/cases/{case.id}/return",
                       data={"comment": "Beskriv uppföljningen."}).status_code == 303
    auth.logout()
    fresh(db)
    [note] = db.scalars(select(Notification)).all()
    assert (note.user_id, note.kind) == (users["staff"].id, "case_returned")
    assert note.excerpt == "Beskriv uppföljningen."

    run_digests(runner)  # a returned case does not wait for the daily digest
    [message] = mail.to(ROLE_EMAILS["staff"])
    assert message["Subject"] == f"”{case.title}” har återsänts till dig"
    assert "Beskriv uppföljningen." in body_of(message)

    fresh(db)
    cases.submit_case(db, users["staff"], db.get(type(case), case.id))
    auth.login("editor")
    assert client.post(f"/cases/{case.id}/publish").status_code == 303
    fresh(db)
    kinds = [n.kind for n in db.scalars(select(Notification).where(
        Notification.user_id == users["staff"].id).order_by(Notification.id))]
    assert kinds == ["case_returned", "case_published"]
