"""/healthz checks what users need, in real failing states: a database that cannot be written
or is held by another writer, a deleted index, a published case missing from the index, a
disk running out of room."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.own_database  # /healthz checks the database on a connection of its own



@pytest.fixture
def index(app):
    index = app.extensions["search_index"]
    yield index
    index.wait_for_background()


def is_sqlite(app) -> bool:
    return app.config["DATABASE_URL"].startswith("sqlite")


def test_healthy_reports_what_it_checked(client, index, db, users, published_case):
    published_case("Nattvandring i Husby")
    response = client.get("/healthz")
    body = response.json
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["database"] == "ok" and body["index"] == "ok"
    assert body["index_lag"] == 0 and body["index_waiting"] == 0
    assert body["disk_free_mb"]["index"] > 0
    assert "problems" not in body


def _mount(*args) -> bool:
    return os.geteuid() == 0 and subprocess.run(["mount", *args],
                                                capture_output=True).returncode == 0


def test_a_database_that_cannot_be_written_is_unhealthy(app, client, index, db, users):
    engine = app.extensions["db_engine"]
    if is_sqlite(app):
        directory = str(Path(make_url(app.config["DATABASE_URL"]).database).parent)
        if not (_mount("--bind", directory, directory)
                and _mount("-o", "remount,ro,bind", directory)):
            pytest.skip("needs root and permission to bind-mount read-only")
        undo = lambda: subprocess.run(["umount", "-l", directory], check=False)  # noqa: E731
    else:
        name = make_url(app.config["DATABASE_URL"]).database
        admin = create_engine(app.config["DATABASE_URL"], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))

        def undo():
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
            admin.dispose()
    db.close()
    engine.dispose()  # connections opened from now on meet the read-only database
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json["status"] == "error"
        assert response.json["database"] in ("not writable", "unreachable")
        assert response.json["problems"][0].startswith("Databasen")
    finally:
        engine.dispose()
        undo()
    engine.dispose()
    assert client.get("/healthz").json["database"] == "ok"


def test_a_database_held_by_another_writer_times_out(app, client, index):
    app.config["HEALTH_TIMEOUT"] = 0.5
    url = app.config["DATABASE_URL"]
    if is_sqlite(app):
        holder = sqlite3.connect(make_url(url).database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        release = holder.close
    else:
        engine = create_engine(url)
        holder = engine.connect()
        holder.execute(text("LOCK TABLE alembic_version IN EXCLUSIVE MODE"))

        def release():
            holder.close()
            engine.dispose()
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json["database"] == "timeout"
        assert "svarade inte i tid" in response.json["problems"][0]
    finally:
        release()
    assert client.get("/healthz").status_code == 200


def test_an_unreachable_database_is_unhealthy(tmp_path):
    from app import create_app
    import socket
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index"),
                      "DATABASE_URL": f"postgresql+psycopg://eb@127.0.0.1:{port}/eb"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
    assert response.json["problems"] == ["Databasen svarar inte."]


def test_a_deleted_index_is_unhealthy_until_rebuilt_in_the_background(client, index, db,
                                                                       users, published_case):
    published_case("Läxhjälp i Tensta")
    shutil.rmtree(index.root)
    index._open = None
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["index"] == "missing"
    assert "byggs om" in response.json["problems"][0]
    index.wait_for_background()
    assert client.get("/healthz").status_code == 200


def test_a_published_case_missing_from_the_index_is_unhealthy(client, index, db, users,
        published_case):
    published_case("Mentorprogram i Rinkeby")
    hidden = published_case("Mentorprogram i Tensta")
    from whoosh import index as whoosh_index
    writer = whoosh_index.open_dir(str(index.root / index.current_generation())).writer()
    writer.delete_by_term("id", str(hidden.id))
    writer.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json
    assert body["index"] == "mismatch" and body["index_documents"] == 1
    assert body["published"] == 2
    assert "flask --app app sync" in body["problems"][0]


def test_little_disk_space_is_a_warning(app, client, index):
    index.ensure()
    app.config["HEALTH_DISK_FREE_MB"] = 10 ** 9  # more than any disk here has free
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["status"] == "degraded"
    assert response.json["problems"][0].startswith("Lite diskutrymme kvar för sökindexet")


def test_a_full_disk_under_the_sqlite_file_is_unhealthy(app, tmp_path):
    if not is_sqlite(app):
        pytest.skip("the database's own disk is watched for SQLite")
    point = tmp_path / "small-disk"
    point.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(point)):
        pytest.skip("needs root and permission to mount a tmpfs")
    try:
        shutil.copy(make_url(app.config["DATABASE_URL"]).database, point / "eb.sqlite3")
        from app import create_app
        small = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{point}/eb.sqlite3",
                            "INDEX_DIR": str(tmp_path / "index")})
        client = small.test_client()
        assert client.get("/healthz").json["database"] == "ok"
        try:
            with open(point / "filler", "wb") as out:
                while True:
                    out.write(b"x" * 4096)
                    out.flush()
        except OSError:
            pass  # the disk is full now
        response = client.get("/healthz")
        assert response.status_code == 503
        assert "Disken för databasen är full (0 MB kvar)." in response.json["problems"]
        small.extensions["db_engine"].dispose()
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)
