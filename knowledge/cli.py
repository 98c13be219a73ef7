"""Command-line interface: `flask --app app <command>`."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import text

from .audit.log import record_event
from .operations.backup import BackupError, backup_database, restore_database
from .core.db import make_engine
from .demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data
from .exchange.commands import send_digests_command
from .operations.migrate import upgrade_database
from .search.vocabulary import load_starter_vocabulary
from .search import IndexUnavailable
from .taxonomy.reference import load_reference_data
from .transfer.import_files import MAX_LISTED_ERRORS
from .transfer.import_export import export_cases, import_file
from .accounts.users import (
    SYSTEM_EMAIL, TOKEN_DAYS, create_user, find_user, issue_token, list_tokens, reset_password,
    revoke_token, system_user, token_state,
)
from .cases.validation import ValidationError
from .cases.lifecycle import MAX_ID
from .accounts.models import ROLES, ApiToken


@contextmanager
def session_scope():
    """A command's one transaction: committed when the block ends normally, rolled back
    when it raises (the domain itself only flushes; knowledge/core/db.py)."""
    session = current_app.extensions["db_sessionmaker"]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def init_db() -> None:
    """Migrate the schema to the newest version, load the reference data and the starter
    search vocabulary (into an empty vocabulary only), and rebuild the search index if it
    was built with an older text analysis."""
    url = current_app.config["DATABASE_URL"]
    with _one_at_a_time(url):
        upgrade_database(url)
        with session_scope() as session:
            load_reference_data(session)
            loaded = load_starter_vocabulary(session)
    if loaded:
        click.echo(f"Sökordslistan fylldes med {loaded} ord från startlistan.")
    index = current_app.extensions["search_index"]
    if index.analysis_outdated():
        click.echo("Sökningens textanalys har ändrats; sökindexet byggs om …")
        count = index.rebuild()
        click.echo(f"Sökindexet är ombyggt ({count} exempel).")


# pg_advisory_lock key for init-db: any constant the app uses for nothing else.
INIT_DB_LOCK = 0x4562_696E_6974  # "Ebinit"


@contextmanager
def _one_at_a_time(url: str):
    """On PostgreSQL, nodes that start together (each unit runs init-db first) take turns:
    the first migrates, the next finds nothing left to do. SQLite's own write lock (and one
    machine) serialise it there."""
    if not url.startswith("postgresql"):
        yield
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": INIT_DB_LOCK})
            connection.commit()  # the lock belongs to the connection, not the transaction
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                   {"key": INIT_DB_LOCK})
                connection.commit()
    finally:
        engine.dispose()


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Skapa eller uppgradera databasen och läs in referensdata."""
    init_db()
    click.echo("Databasen är uppdaterad.")


@click.command("demo-data")
@with_appcontext
def demo_data_command():
    """Läs in demoanvändare och demoexempel i en tom databas."""
    init_db()
    with session_scope() as session:
        created = load_demo_data(session)
    if not created:
        click.echo("Databasen har redan innehåll; inga demodata lästes in.")
        click.echo("Demoanvändarna (om de finns kvar) loggar in med lösenordet "
                   f"{DEMO_PASSWORD}: " + ", ".join(email for email, _r, _n in DEMO_USERS))
        return
    click.echo("Demodata inlästa. Logga in med någon av dessa användare:")
    for email, role, password in created:
        click.echo(f"  {email:<26} lösenord: {password:<16} roll: {role}")


@click.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as-draft", is_flag=True, help="Importera alla rader som utkast.")
def import_command(path: str, as_draft: bool):
    """Importera exempel från JSONL eller CSV (allt eller inget)."""
    with session_scope() as session:
        result = import_file(session, system_user(session), path, as_draft=as_draft)
        record_event(session, "imported", actor_email="cli", target=Path(path).name,
                     detail={"created": result.created, "updated": result.updated,
                             "unchanged": result.unchanged, "errors": len(result.errors)})
    if result.encoding:
        click.echo(f"Filen lästes som {result.encoding}.")
    # The commit applied one bounded batch; a command may take the time to apply the rest.
    try:
        current_app.extensions["search_index"].sync()
    except IndexUnavailable as error:  # the import stands; the index catches up later
        click.echo(f"Varning: {error}", err=True)
    if not result.ok:
        click.echo(f"Importen avbröts; inget sparades. {len(result.errors)} fel:", err=True)
        for row_error in result.errors[:MAX_LISTED_ERRORS]:
            click.echo(f"  {row_error}", err=True)
        if len(result.errors) > MAX_LISTED_ERRORS:
            lines = len({row_error.line for row_error in result.errors})
            click.echo(f"  … och {len(result.errors) - MAX_LISTED_ERRORS} fel till (på "
                       f"sammanlagt {lines} rader). Rätta de första och kör igen.", err=True)
        sys.exit(1)
    click.echo(f"Import klar: {result.created} nya, {result.updated} uppdaterade, "
               f"{result.unchanged} oförändrade.")


@click.command("export")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_command(path: str):
    """Exportera alla exempel som JSONL (kan importeras igen)."""
    with session_scope() as session:
        count = export_cases(session, path)
    click.echo(f"{count} exempel exporterade till {path}.")


@click.command("reindex")
@with_appcontext
def reindex_command():
    """Bygg om sökindexet från databasen och byt in det (sökningar fungerar under tiden)."""
    index = current_app.extensions["search_index"]
    with click.progressbar(length=1, label="Indexerar publicerade exempel") as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)
        count = index.rebuild(progress=progress)
    click.echo(f"Sökindexet är ombyggt: {count} publicerade exempel.")


@click.command("index-status")
@with_appcontext
def index_status_command():
    """Visa hur långt sökindexet ligger efter databasen (outbox-rader som inte lästs in)."""
    index = current_app.extensions["search_index"]
    lag = index.lag()
    click.echo(f"Generation: {index.ensure()}; outbox-rader som väntar: {lag}.")
    waiting = index.waiting()
    if waiting:
        click.echo(f"Dessutom {waiting} outbox-id från transaktioner som ännu inte avslutats "
                   "(läses in när de har sparats).")
    sys.exit(0 if lag == 0 else 2)


@click.command("sync")
@with_appcontext
def sync_command():
    """Läs in allt som väntar i outboxen; bygg om sökindexet om det saknas, är trasigt eller
    hör till en annan databas (t.ex. efter en återställning). Körs av timern."""
    index = current_app.extensions["search_index"]
    reason = index.rebuild_reason()
    # Waits for a background catch-up in a web worker rather than doing the same work twice.
    with index.catch_up_lock(timeout=600) as locked:
        if not locked:
            click.echo("En annan process håller på att bygga om sökindexet; försök igen senare.",
                       err=True)
            sys.exit(1)
        done = index.catch_up_fully(rebuild=reason is not None)
    if done == "rebuilt":
        click.echo(f"Sökindexet är ombyggt ({_REASONS.get(reason, 'antalet stämde inte')}): "
                   f"{index.document_count()} publicerade exempel.")
    else:
        click.echo(f"Sökindexet är i kapp: {index.document_count()} publicerade exempel.")


_REASONS = {"missing": "det saknades", "unreadable": "det gick inte att läsa",
            "foreign": "det hörde till en annan databas", "far behind": "det låg långt efter"}


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path: str):
    """Säkerhetskopiera SQLite-databasen medan appen kör (kontrollerad kopia)."""
    try:
        count = backup_database(current_app.config["DATABASE_URL"], path)
    except BackupError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(f"Backup klar: {path} ({count} exempel, integritetskontroll ok).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Fråga inte om bekräftelse.")
@with_appcontext
def restore_command(path: str, yes: bool):
    """Återställ databasen från en backup och bygg om sökindexet."""
    if not yes:
        click.confirm("Allt i databasen ersätts med backupens innehåll. Fortsätta?", abort=True)
    try:
        count = restore_database(current_app.config["DATABASE_URL"], path)
    except BackupError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    indexed = current_app.extensions["search_index"].rebuild()
    click.echo(f"Återställt från {path}: {count} exempel; sökindexet ombyggt ({indexed} "
               "publicerade).")


users_cli = AppGroup("users", help="Hantera användare och API-nycklar.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password", required=True)
@click.option("--name", default="")
def users_create_command(email: str, role: str, password: str, name: str):
    """Skapa en användare."""
    with session_scope() as session:
        try:
            user = create_user(session, email=email, role=role, password=password, name=name)
        except ValidationError as error:
            for problem in error.errors:
                click.echo(problem.message, err=True)
            sys.exit(1)
    click.echo(f"Användaren {user.email} ({role}) är skapad.")


@users_cli.command("token")
@click.argument("email")
@click.option("--days", default=TOKEN_DAYS, show_default=True, type=int,
              help="Hur många dagar nyckeln gäller.")
def users_token_command(email: str, days: int):
    """Skapa en ny API-nyckel för användaren och skriv ut den."""
    with session_scope() as session:
        user = find_user(session, email)
        if user is None:
            click.echo(f"Det finns ingen användare med e-post {email}.", err=True)
            sys.exit(1)
        try:
            token = issue_token(session, user, days=days)
        except ValidationError as error:
            click.echo(" ".join(e.message for e in error.errors), err=True)
            sys.exit(1)
    click.echo(token)  # after the commit: a token shown is a token that works


@users_cli.command("tokens")
@click.argument("email", required=False)
def users_tokens_command(email: str | None):
    """Lista API-nycklar (alla, eller en användares) med senaste användning."""
    with session_scope() as session:
        user = None
        if email:
            user = find_user(session, email)
            if user is None:
                click.echo(f"Det finns ingen användare med e-post {email}.", err=True)
                sys.exit(1)
        tokens = list_tokens(session, user)
        if not tokens:
            click.echo("Inga API-nycklar.")
        for token in tokens:
            click.echo(f"{token.id:>5}  {token.user.email:<30} {token_state(token):<9} "
                       f"skapad {_when(token.created_at)}  gäller till {_when(token.expires_at)}  "
                       f"senast använd {_when(token.last_used_at)}")


@users_cli.command("revoke-token")
@click.argument("token_id", type=int)
def users_revoke_token_command(token_id: int):
    """Spärra en API-nyckel (numret från `users tokens`)."""
    with session_scope() as session:
        token = session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
        if token is None:
            click.echo(f"Det finns ingen API-nyckel med nummer {token_id}; se `users tokens`.",
                       err=True)
            sys.exit(1)
        revoke_token(session, token, actor_email="cli")
        owner = token.user.email
    click.echo(f"API-nyckel {token_id} ({owner}) är spärrad.")


@users_cli.command("reset-password")
@click.argument("email")
def users_reset_password_command(email: str):
    """Ge användaren ett engångslösenord; hon måste byta det vid nästa inloggning."""
    with session_scope() as session:
        user = find_user(session, email)
        if user is None or user.email == SYSTEM_EMAIL:
            click.echo(f"Det finns ingen användare med e-post {email}.", err=True)
            sys.exit(1)
        one_time = reset_password(session, user, actor_email="cli")
        email = user.email
    click.echo(f"Engångslösenord för {email} (visas bara nu; hon väljer ett eget vid "
               f"nästa inloggning): {one_time}")


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "–"


@users_cli.command("logout-all")
def users_logout_all_command():
    """Logga ut alla (t.ex. efter en återställning av databasen med pg_restore)."""
    from sqlalchemy import delete
    from .accounts.models import UserSession
    with session_scope() as session:
        ended = session.execute(delete(UserSession)).rowcount
        record_event(session, "sessions_ended", actor_email="cli", target="alla",
                     detail={"sessions": ended})
    click.echo(f"{ended} inloggningar avslutade; alla får logga in på nytt.")


def init_app(app: Flask) -> None:
    for command in (init_db_command, demo_data_command, import_command, export_command,
                    reindex_command, index_status_command, sync_command, backup_command,
                    restore_command,
                    users_cli, send_digests_command):
        app.cli.add_command(command)
