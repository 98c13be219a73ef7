"""Erfarenhetsbanken: the application factory. `flask --app app run` serves it."""
from __future__ import annotations

from flask import Flask

from knowledge import all_models, cli, web  # noqa: F401  (all_models: every table mapped)
from knowledge.core.config import load_config
from knowledge.core.db import make_engine, make_sessionmaker
from knowledge.exchange.adoptions import adoption_counts
from knowledge.search import SearchIndex, sync_after_commit


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    engine = make_engine(app.config["DATABASE_URL"],
                         connect_timeout=app.config["DATABASE_CONNECT_TIMEOUT"],
                         statement_timeout=app.config["DATABASE_STATEMENT_TIMEOUT"])
    app.extensions["db_engine"] = engine
    sessions = make_sessionmaker(engine)
    app.extensions["db_sessionmaker"] = sessions
    # Search stores how often each case was adopted elsewhere; exchange knows, search does not
    # import it (see knowledge.search.index.ReuseCounts).
    app.extensions["search_index"] = SearchIndex(app.config["INDEX_DIR"], sessions,
                                                 reuse_counts=adoption_counts)
    sync_after_commit(sessions, app.extensions["search_index"])
    web.init_app(app)
    cli.init_app(app)
    return app
