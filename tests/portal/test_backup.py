"""Backups taken while the site keeps writing, restored into a fresh database.

The SQLite tests run the real backup code against a file database in WAL mode (a copy of
the migrated test database), because pytest-django's own SQLite test database lives in
memory. A writer thread keeps committing rows through its own connection during the whole
backup; the restored database must hold exactly the rows the manifest counted, and those
rows must be a prefix of what the writer committed (a consistent snapshot).
"""

import sqlite3
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from portal.backup import (
    BackupError,
    backup_create,
    backup_read_manifest,
    backup_restore,
)

pytestmark = pytest.mark.django_db(transaction=True)

SQLITE = {"ENGINE": "django.db.backends.sqlite3"}

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite online-backup test; this run's database is PostgreSQL (see the pg test)",
)


class Writer(threading.Thread):
    """Commits one taggit_tag row after another until stopped, like a busy site."""

    def __init__(self, connect, placeholder="?"):
        super().__init__(daemon=True)
        self.connect = connect
        self.placeholder = placeholder
        self.committed = 0
        self.errors = []
        self.stop = threading.Event()
        self.progress = threading.Condition()

    def run(self):
        try:
            conn = self.connect()
            p = self.placeholder
            while not self.stop.is_set():
                n = self.committed + 1
                cur = conn.cursor()
                cur.execute(
                    f"INSERT INTO taggit_tag (name, slug) VALUES ({p}, {p})",
                    (f"标签{n}", f"tag-{n}"),
                )
                conn.commit()
                with self.progress:
                    self.committed = n
                    self.progress.notify_all()
            conn.close()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.errors.append(exc)
            with self.progress:
                self.progress.notify_all()

    def wait_for_more(self, rows=20, timeout=30):
        """Block until the writer has committed ``rows`` more rows (it is not blocked)."""
        with self.progress:
            target = self.committed + rows
            ok = self.progress.wait_for(
                lambda: self.committed >= target or self.errors, timeout=timeout
            )
        assert ok and not self.errors, f"writer stalled during the backup: {self.errors}"


def _file_database(path: Path) -> dict:
    """A WAL-mode SQLite file holding the migrated schema and rows of the test database."""
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    return {**SQLITE, "NAME": str(path)}


def _sqlite_counts(path) -> dict:
    conn = sqlite3.connect(path)
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    counts = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    conn.close()
    return counts


def _media(tmp_path) -> Path:
    media = tmp_path / "media"
    (media / "images").mkdir(parents=True)
    (media / "images" / "海报.png").write_bytes(b"\x89PNG fake image bytes")
    (media / "documents").mkdir()
    (media / "documents" / "教案.pdf").write_bytes(b"%PDF-1.4 fake")
    return media


def _backup_during_writes(writer, *, database, media_root, dest):
    """Run backup_create while ``writer`` commits, checking it is never held up."""
    messages = []

    def out(message):
        messages.append(message)
        if message.startswith(("正在复制 SQLite", "正在用 pg_dump", "正在复制媒体文件")):
            writer.wait_for_more()

    writer.start()
    writer.wait_for_more()
    before = writer.committed
    try:
        result = backup_create(database=database, media_root=media_root, dest=dest, out=out)
        writer.wait_for_more()
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert not writer.errors
    return result, before, messages


@sqlite_only
def test_sqlite_backup_during_writes_restores_exactly_the_manifest(tmp_path):
    User.objects.create_user("wang", password="x-long-password", real_name="王老师")
    live = tmp_path / "live.sqlite3"
    database = _file_database(live)
    media = _media(tmp_path)

    writer = Writer(lambda: sqlite3.connect(live, timeout=20))
    result, before, messages = _backup_during_writes(
        writer, database=database, media_root=media, dest=tmp_path / "backup"
    )

    manifest = result.manifest
    tags_in_backup = manifest["tables"]["taggit_tag"]
    # Writes went on before, during and after the backup.
    assert before < tags_in_backup < writer.committed
    assert manifest["engine"] == "sqlite"
    assert manifest["tables"]["accounts_user"] == 1
    assert manifest["media_files"] == 2
    assert manifest["app_version"]
    assert any("媒体文件" in m for m in messages)
    assert backup_read_manifest(path=result.path) == manifest
    assert not (tmp_path / "backup.partial").exists()

    fresh = tmp_path / "fresh.sqlite3"
    restored_media = tmp_path / "restored-media"
    backup_restore(
        path=result.path,
        database={**SQLITE, "NAME": str(fresh)},
        media_root=restored_media,
    )
    assert _sqlite_counts(fresh) == manifest["tables"]
    conn = sqlite3.connect(fresh)
    slugs = {row[0] for row in conn.execute("SELECT slug FROM taggit_tag")}
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    # A consistent snapshot: exactly the first N rows the writer committed, no gaps.
    assert slugs == {f"tag-{n}" for n in range(1, tags_in_backup + 1)}
    assert (restored_media / "images" / "海报.png").read_bytes() == b"\x89PNG fake image bytes"
    assert (restored_media / "documents" / "教案.pdf").exists()


@sqlite_only
def test_sqlite_restore_into_the_live_file_rolls_it_back(tmp_path):
    live = tmp_path / "live.sqlite3"
    database = _file_database(live)
    conn = sqlite3.connect(live)
    conn.execute("INSERT INTO taggit_tag (name, slug) VALUES ('保留', 'keep')")
    conn.commit()
    result = backup_create(database=database, media_root=None, dest=tmp_path / "b")
    conn.execute("INSERT INTO taggit_tag (name, slug) VALUES ('之后', 'later')")
    conn.commit()
    # The site's connection stays open during the restore and sees the restored state.
    backup_restore(path=result.path, database=database, media_root=None)
    assert [r[0] for r in conn.execute("SELECT slug FROM taggit_tag")] == ["keep"]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_backup_and_restore_commands_on_the_site_database(tmp_path, settings, monkeypatch):
    settings.MEDIA_ROOT = _media(tmp_path)
    User.objects.create_user("li", password="x-long-password", real_name="李老师")
    dest = tmp_path / "nightly"
    call_command("backup", "--dest", str(dest), stdout=(out := _Buffer()))
    assert "已备份" in out.text and "媒体文件" in out.text
    manifest = backup_read_manifest(path=dest)
    assert manifest["tables"]["accounts_user"] == 1

    User.objects.create_user("zhao", password="x-long-password")
    User.objects.filter(username="li").delete()
    (settings.MEDIA_ROOT / "images" / "海报.png").unlink()

    # Answering anything but yes changes nothing.
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(dest), stdout=_Buffer())
    assert set(User.objects.values_list("username", flat=True)) == {"zhao"}

    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    call_command("restore", str(dest), stdout=(out := _Buffer()))
    assert "行数与清单一致" in out.text
    assert set(User.objects.values_list("username", flat=True)) == {"li"}
    assert (settings.MEDIA_ROOT / "images" / "海报.png").exists()


def test_restore_refuses_a_directory_that_is_not_a_backup(tmp_path):
    (tmp_path / "random").mkdir()
    (tmp_path / "random" / "notes.txt").write_text("不是备份")
    with pytest.raises(CommandError, match="不是备份目录：缺少 manifest.json"):
        call_command("restore", str(tmp_path / "random"), "--noinput", stdout=_Buffer())
    with pytest.raises(CommandError, match="不是目录"):
        call_command("restore", str(tmp_path / "missing"), "--noinput", stdout=_Buffer())
    (tmp_path / "random" / "manifest.json").write_text('{"format": "other"}')
    with pytest.raises(CommandError, match="不是心育平台的备份目录"):
        call_command("restore", str(tmp_path / "random"), "--noinput", stdout=_Buffer())


def test_restore_refuses_a_damaged_backup(tmp_path):
    database = connection.settings_dict
    result = backup_create(database=database, media_root=None, dest=tmp_path / "b")
    with open(result.path / result.manifest["database_file"], "r+b") as fh:
        fh.seek(200)
        fh.write(b"garbage")
    with pytest.raises(BackupError, match="备份已损坏"):
        backup_restore(path=result.path, database=database, media_root=None)


def test_backup_refuses_a_non_empty_destination(tmp_path):
    database = connection.settings_dict
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(BackupError, match="已存在且不为空"):
        backup_create(database=database, media_root=None, dest=tmp_path / "full")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_dump/pg_restore test needs DATABASE_URL=postgres://… (this run uses SQLite)",
)
def test_postgresql_backup_during_writes_restores_into_a_fresh_database(tmp_path):
    User.objects.create_user("wang", password="x-long-password", real_name="王老师")
    database = dict(connection.settings_dict)

    def connect(dbname=None, autocommit=False):
        return psycopg.connect(
            dbname=dbname or database["NAME"],
            user=database["USER"] or None,
            password=database["PASSWORD"] or None,
            host=database["HOST"] or None,
            port=database["PORT"] or None,
            autocommit=autocommit,
        )

    writer = Writer(connect, placeholder="%s")
    result, before, _ = _backup_during_writes(
        writer, database=database, media_root=_media(tmp_path), dest=tmp_path / "pg"
    )
    manifest = result.manifest
    tags_in_backup = manifest["tables"]["taggit_tag"]
    assert manifest["engine"] == "postgresql"
    # The snapshot is taken at some moment after `before` was read (possibly before the next
    # commit: the writer is not paused); the writer went on committing during pg_dump.
    assert before <= tags_in_backup < writer.committed
    assert manifest["tables"]["accounts_user"] == 1

    fresh = f"{database['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin = connect(dbname="postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        backup_restore(path=result.path, database={**database, "NAME": fresh}, media_root=None)
        with connect(dbname=fresh) as conn:
            slugs = {r[0] for r in conn.execute("SELECT slug FROM taggit_tag")}
            users = [r[0] for r in conn.execute("SELECT username FROM accounts_user")]
        assert slugs == {f"tag-{n}" for n in range(1, tags_in_backup + 1)}
        assert users == ["wang"]
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        admin.close()


class _Buffer:
    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    def flush(self):
        pass

    @property
    def text(self):
        return "".join(self.parts)
