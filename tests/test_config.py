"""Settings from the environment: a bad value stops the app with a message that names the
variable and what it should be, never a traceback from int()."""
from __future__ import annotations

from datetime import timedelta

import pytest

from knowledge.core.config import ConfigError, load_config


@pytest.mark.parametrize("name, value, expected", [
    ("SESSION_IDLE_MINUTES", "en timme", "SESSION_IDLE_MINUTES har värdet 'en timme'"),
    ("SMTP_PORT", "25.5", "SMTP_PORT har värdet '25.5': den ska vara ett heltal"),
    ("SESSION_MAX_HOURS", "0", "minst 1"),
    ("LOGIN_MAX_FAILURES", "-3", "LOGIN_MAX_FAILURES har värdet '-3'"),
    ("HEALTH_TIMEOUT", "3,5", "HEALTH_TIMEOUT har värdet '3,5': den ska vara ett tal "
                              "(decimaler med punkt)"),
    ("MAX_REQUEST_MB", "nan", "MAX_REQUEST_MB"),
    ("MAIL_ENABLED", "kanske", "MAIL_ENABLED har värdet 'kanske': ange något av"),
])
def test_a_bad_value_names_the_variable_and_what_it_should_be(
        monkeypatch, tmp_path, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        load_config(str(tmp_path))
    assert expected in str(raised.value)


def test_good_values_are_read_and_empty_ones_fall_back_to_the_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", " 30 ")
    monkeypatch.setenv("HEALTH_TIMEOUT", "1.5")
    monkeypatch.setenv("MAIL_ENABLED", "Ja")
    monkeypatch.setenv("PROXY_FIX_HOST", "nej")
    monkeypatch.setenv("SMTP_PORT", "")
    config = load_config(str(tmp_path))
    assert config["SESSION_IDLE"] == timedelta(minutes=30)
    assert config["HEALTH_TIMEOUT"] == 1.5
    assert config["MAIL_ENABLED"] is True
    assert config["PROXY_FIX_HOST"] is False
    assert config["SMTP_PORT"] == 25


def test_the_app_does_not_start_with_a_bad_value(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.setenv("PROXY_FIX", "ett")
    with pytest.raises(ConfigError, match="PROXY_FIX har värdet 'ett'"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                    "INDEX_DIR": str(tmp_path / "index")})
