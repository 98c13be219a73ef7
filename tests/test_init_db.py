"""`init-db` run by several nodes at once on an empty PostgreSQL database (each node's
systemd unit migrates before it starts): one migrates, the others wait and find it done."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from knowledge.taxonomy.models import PriorityArea
from tests.databases import SERVER_URL

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not SERVER_URL.startswith("postgresql"),
                                reason="concurrent migrations on one PostgreSQL server")


@pytest.fixture
def empty_database():
    admin = create_engine(make_url(SERVER_URL).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    name = f"eb_init_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_three_init_db_at_once_on_an_empty_database_all_succeed(empty_database, tmp_path):
    env = {**os.environ, "DATABASE_URL": empty_database, "INDEX_DIR": str(tmp_path / "index")}
    flask = str(Path(sys.executable).parent / "flask")
    runs = [subprocess.Popen([flask, "--app", "app", "init-db"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(3)]
    outputs = [(run.wait(timeout=300), run.stdout.read()) for run in runs]
    for code, output in outputs:
        assert code == 0, output
    engine = create_engine(empty_database)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(PriorityArea)) >= 5
    engine.dispose()
