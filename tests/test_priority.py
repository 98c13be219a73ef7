"""Exports are written at a lower CPU priority, in a thread of their own."""
from __future__ import annotations

import os
import sys
import threading

import pytest

from knowledge.core.priority import NICENESS, at_low_priority


def nice_of_this_thread() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_work_runs_at_a_lower_priority_and_the_caller_keeps_its_own():
    before = nice_of_this_thread()
    seen = at_low_priority(nice_of_this_thread)
    assert seen == min(19, before + NICENESS)
    assert nice_of_this_thread() == before     # the worker goes on serving at its priority


def test_the_result_and_the_error_reach_the_caller():
    assert at_low_priority(lambda: 42) == 42
    with pytest.raises(ValueError, match="trasig"):
        at_low_priority(lambda: (_ for _ in ()).throw(ValueError("trasig")))


def test_an_export_still_downloads_whole(client, auth, users, db):
    auth.login("coordinator")
    response = client.get("/cases/export.csv")
    assert response.status_code == 200
    assert response.data.decode("utf-8-sig").startswith("Nummer;")
