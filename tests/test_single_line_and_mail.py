"""One-line fields never keep line breaks, and one bad e-mail never stops the others.

Mail goes to a real SMTP server (aiosmtpd) on loopback, as in test_exchange_mail.
"""
from __future__ import annotations

from sqlalchemy import select, update

from knowledge.cases import lifecycle as cases
from knowledge.exchange import follows
from knowledge.exchange.collections import create_collection
from knowledge.exchange.models import Notification
from knowledge.cases.models import Case
from knowledge.accounts.users import create_user
from tests.conftest import PASSWORD, case_data, fresh
from tests.test_exchange_mail import mail, run_digests, smtp_server  # noqa: F401

BROKEN = "Trygghetsvandringar\r\nBcc: alla@exempel.se\u2028i Husby"


def test_one_line_fields_lose_their_line_breaks(db, users):
    case = cases.create_case(db, users["staff"], case_data(
        title=BROKEN, organisation="Järva\nstadsdelsförvaltning", contact_name="Kim\r\nExempel",
        partners=["Polisen\u2028Rinkeby"], measures="- Rad ett\n- Rad två"))
    assert case.title == "Trygghetsvandringar Bcc: alla@exempel.se i Husby"
    assert case.organisation == "Järva stadsdelsförvaltning"
    assert case.contact_name == "Kim Exempel"
    assert case.partners == ["Polisen Rinkeby"]
    assert case.measures == "- Rad ett\n- Rad två"  # Markdown keeps its lines
    user = create_user(db, email="ny@test.se", role="staff", password=PASSWORD,
                       name="Nils\nNilsson")
    assert user.name == "Nils Nilsson"
    collection = create_collection(db, users["editor"], {"title": "Sommar\ni Farsta"})
    assert collection.title == "Sommar i Farsta"


def test_a_line_break_in_a_title_does_not_stop_send_digests(runner, mail, db, users, published_case):
    follows.follow(db, users["coordinator"], "area", "otrygga-platser")
    case = published_case()
    # A title stored before line breaks were stripped at validation.
    db.execute(update(Case).where(Case.id == case.id).values(title=BROKEN))
    db.commit()
    result = run_digests(runner)
    assert result.exit_code == 0, result.output
    [message] = mail.messages()
    assert message["Subject"] == "Nytt exempel: ”Trygghetsvandringar Bcc: alla@exempel.se " \
                                 "i Husby”"
    assert message["Bcc"] is None


def test_one_failing_message_never_stops_the_others(runner, mail, db, users, published_case):
    follows.follow(db, users["coordinator"], "area", "otrygga-platser")
    case = published_case()
    run_digests(runner)  # collects the coordinator's notification and mails it
    mail.clear()
    # Two messages due: one to an address no e-mail header can hold, one ordinary.
    db.add(Notification(user_id=None, email="trasig\n@exempel.se", kind="question",
                        event_key="q-1", case_id=case.id, message="En fråga"))
    db.add(Notification(user_id=None, email="kim.exempel@exempel.se", kind="question",
                        event_key="q-2", case_id=case.id, message="En fråga till"))
    db.commit()
    result = run_digests(runner)
    assert result.exit_code == 1
    assert "Kunde inte skicka e-post till: trasig" in result.output
    assert [m["X-RcptTo"] for m in mail.messages()] == ["kim.exempel@exempel.se"]
    fresh(db)
    unsent = db.scalars(select(Notification).where(Notification.emailed_at.is_(None))).all()
    assert [(n.email, n.mail_claim) for n in unsent] == [("trasig\n@exempel.se", None)]
    again = run_digests(runner)   # it fails again, and still stops nothing
    assert again.exit_code == 1 and len(mail.messages()) == 1
