"""Small writes that must never hold up a request: wait briefly for the write lock, or skip.

The database's normal lock wait is long (SQLite's busy timeout is 20 s, PostgreSQL waits for
a row lock without limit) — right for the writes a user asked for, wrong for a side effect
such as counting a download, which must never delay or fail the response it belongs to.
:func:`write_briefly` runs such a write with a short lock wait, tries a few times, and says
whether it got through.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)

#: How long one attempt may wait for the lock, and how many attempts are made.
WAIT_MS = 200
ATTEMPTS = 3


@contextlib.contextmanager
def _short_lock_wait(wait_ms: int):
    """A transaction (a savepoint inside the caller's) whose statements wait at most
    ``wait_ms`` for a lock: SQLite's busy timeout, PostgreSQL's ``lock_timeout``; both are
    put back afterwards."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        timeout = connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            with transaction.atomic():
                yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {int(float(timeout) * 1000)}")
    elif connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('lock_timeout')")
                (before,) = cursor.fetchone()
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{wait_ms}ms"])
            with transaction.atomic():  # a failure rolls back to here, the reset still runs
                yield
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
    else:
        with transaction.atomic():
            yield


def write_briefly(write: Callable[[], object], *, what: str) -> bool:
    """Run ``write`` with a short lock wait, up to :data:`ATTEMPTS` times; True once it got
    through, False (logged, nothing raised) when the database stayed busy."""
    for attempt in range(ATTEMPTS):
        try:
            with _short_lock_wait(WAIT_MS):
                write()
            return True
        except DatabaseError as exc:
            if attempt + 1 < ATTEMPTS:
                time.sleep(WAIT_MS / 1000 / 2)
                continue
            log.warning("%s: not written, database busy (%s)", what, exc)
    return False
