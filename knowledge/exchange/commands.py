"""`flask --app app send-digests`: collect new events, then e-mail what is due.

Run it from cron every quarter of an hour or so: each person still gets at most her daily
or weekly digest (questions and answers go out with the next run), and a second run right
after the first sends nothing.
"""
from __future__ import annotations

import sys
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..taxonomy.reference import current_taxonomy
from .collect import collect_publications, collect_stale
from .mail import MailSettings, send_digests
from .saved_search import saved_search_matcher


def mail_settings(app: Flask) -> MailSettings:
    """Links in e-mail point at PUBLIC_URL: a command has no request to take a host from."""
    public = urlsplit(app.config["PUBLIC_URL"])
    adapter = app.url_map.bind(public.netloc, script_name=public.path or "/",
                               url_scheme=public.scheme or "https")

    def url(endpoint: str, **values) -> str:
        return adapter.build(endpoint, values, force_external=True)

    return MailSettings(host=app.config["SMTP_HOST"], port=int(app.config["SMTP_PORT"]),
                        sender=app.config["SMTP_FROM"],
                        case_url=lambda case_id: url("cases.show_case", case_id=case_id),
                        settings_url=url("personal.settings"),
                        notifications_url=url("personal.notifications_page"))


@click.command("send-digests")
@with_appcontext
def send_digests_command():
    """Samla nya händelser till notiser och skicka e-postsammanfattningar som är på tur."""
    app = current_app
    session = app.extensions["db_sessionmaker"]()
    try:
        matcher = saved_search_matcher(app.extensions["search_index"], session,
                                       current_taxonomy(session))
        new_cases = collect_publications(session, matcher)
        session.commit()  # each collection is its own transaction (see exchange.collect)
        stale = collect_stale(session)
        session.commit()
        click.echo(f"Nya notiser: {new_cases} om nya exempel, {stale} om exempel att se över.")
        if not app.config["MAIL_ENABLED"]:
            click.echo("E-post är avstängt (MAIL_ENABLED); inget e-postmeddelande skickades.")
            return
        settings = mail_settings(app)
        try:
            report = send_digests(session, settings)
        except OSError as error:
            click.echo(f"Kunde inte skicka e-post via {settings.host}:{settings.port}: {error}. "
                       "Det som inte skickades går med nästa körning.", err=True)
            sys.exit(1)
    finally:
        session.close()
    click.echo(f"Skickade {report.messages} e-postmeddelanden med {report.notifications} "
               "notiser.")
    if report.failed:
        click.echo("Kunde inte skicka e-post till: " + ", ".join(report.failed)
                   + ". De försöks igen nästa körning.", err=True)
        sys.exit(1)
