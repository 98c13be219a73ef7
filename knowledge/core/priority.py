"""Work that may wait: run in a thread of its own at a lower CPU priority.

A big export keeps a core busy for seconds. On a two-core server, two exports at once took
the CPU from everyone else's searches. Linux keeps a nice value per thread, so the export's
thread can give way without the worker process itself (which goes on serving requests, and
could not raise its priority again without privileges) being slowed afterwards.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, TypeVar

T = TypeVar("T")

# Nice 10 against the searches' 0: Linux's scheduler then gives the export about a tenth of a
# contended core, and all of an idle one.
NICENESS = 10


def at_low_priority(work: Callable[[], T]) -> T:
    """`work()` in a new thread at a lower priority; waits for it and returns its result
    (or raises its exception) in the calling thread."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            thread = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, thread,
                           os.getpriority(os.PRIO_PROCESS, thread) + NICENESS)
        except (AttributeError, OSError):  # not Linux: the same priority, nothing else changes
            pass
        try:
            outcome["value"] = work()
        except BaseException as error:  # noqa: BLE001 - handed to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=run, name="low-priority", daemon=True)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
