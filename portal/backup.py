"""Backups of the database and the media files, taken while the site keeps serving.

A backup is a directory holding

* ``db.sqlite3`` (SQLite, copied with SQLite's online backup API) or ``db.pgdump``
  (PostgreSQL, ``pg_dump`` custom format, taken from an exported snapshot);
* ``media/``, a copy of ``MEDIA_ROOT`` (image renditions), and ``private/``, a copy of
  ``PRIVATE_MEDIA_ROOT`` (every other upload);
* ``manifest.json``: when, which engine, the row count of every table *in the copy*, the
  database file's SHA-256, the number of media files, the application version.

The directory is written as ``<name>.partial`` and renamed only when complete, so a
half-written backup never looks like a backup. ``backup_restore`` refuses any directory
whose manifest is missing, unreadable or does not match the database file.

These functions take the database as a settings dict (``settings.DATABASES[alias]``) so
the commands and the tests run exactly the same code.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "xinyu-backup"
MANIFEST_VERSION = 1
SQLITE_FILE = "db.sqlite3"
PG_FILE = "db.pgdump"
MEDIA_DIR = "media"
PRIVATE_DIR = "private"

ENGINE_SQLITE = "sqlite"
ENGINE_POSTGRESQL = "postgresql"

Out = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is for the operator (Chinese)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict


def _silent(message: str) -> None:
    return None


# --- helpers -----------------------------------------------------------------------------


def engine_of(database: dict) -> str:
    engine = database["ENGINE"]
    if engine.endswith("sqlite3"):
        return ENGINE_SQLITE
    if engine.endswith(("postgresql", "postgis")):
        return ENGINE_POSTGRESQL
    raise BackupError(f"不支持备份此数据库类型：{engine}（仅支持 SQLite 与 PostgreSQL）。")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def app_version() -> str:
    """The git commit the code runs from, or the Wagtail/Django versions when not a checkout."""
    try:
        result = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        if result.stdout.strip():
            return result.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    import django
    import wagtail

    return f"django-{django.get_version()}+wagtail-{wagtail.__version__}"


def _sqlite_connect(name) -> sqlite3.Connection:
    """Open the SQLite database Django calls ``name`` (a path, or a ``file:`` URI in tests)."""
    name = str(name)
    if name.startswith("file:"):
        return sqlite3.connect(name, uri=True, timeout=20)
    return sqlite3.connect(name, timeout=20)


def _sqlite_table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
        for name in names
    }


def _pg_env(database: dict, *, dbname: str | None = None) -> dict[str, str]:
    """libpq environment for pg_dump/pg_restore: the password never appears on a command line."""
    env = dict(os.environ)
    values = {
        "PGDATABASE": dbname or database.get("NAME") or "",
        "PGUSER": database.get("USER") or "",
        "PGPASSWORD": database.get("PASSWORD") or "",
        "PGHOST": database.get("HOST") or "",
        "PGPORT": str(database.get("PORT") or ""),
    }
    options = database.get("OPTIONS") or {}
    if options.get("sslmode"):
        values["PGSSLMODE"] = str(options["sslmode"])
    for key, value in values.items():
        if value:
            env[key] = value
        else:
            env.pop(key, None)
    return env


def _pg_connect(database: dict, *, dbname: str | None = None, autocommit: bool = False):
    import psycopg

    options = database.get("OPTIONS") or {}
    params = {
        "dbname": dbname or database.get("NAME"),
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
    }
    if options.get("sslmode"):
        params["sslmode"] = options["sslmode"]
    return psycopg.connect(
        **{k: v for k, v in params.items() if v is not None}, autocommit=autocommit
    )


def _pg_table_counts(cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
        "ORDER BY table_name"
    )
    names = [row[0] for row in cursor.fetchall()]
    counts = {}
    for name in names:
        cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608
        counts[name] = cursor.fetchone()[0]
    return counts


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"找不到 {name}。请安装 PostgreSQL 客户端（Debian：apt-get install -y postgresql-client）。"
        )
    return path


def _copy_tree(source: Path, target: Path, *, out: Out, label: str) -> tuple[int, int]:
    """Copy a directory tree file by file, printing progress; returns (files, bytes)."""
    files = [p for p in sorted(source.rglob("*")) if p.is_file()] if source.is_dir() else []
    total = len(files)
    size = 0
    target.mkdir(parents=True, exist_ok=True)
    for done, path in enumerate(files, start=1):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, destination)
        except FileNotFoundError:
            # Deleted by the running site while we copied: it is simply not in the backup.
            continue
        size += destination.stat().st_size
        if done == total or done % 200 == 0:
            out(f"  {label}：{done}/{total}")
    return total, size


# --- backup ----------------------------------------------------------------------------


def backup_default_dir(now: datetime | None = None) -> Path:
    """``var/backups/<YYYYmmdd-HHMMSS>`` in local (Shanghai) time."""
    now = timezone.localtime(now or timezone.now())
    return Path(settings.VAR_DIR) / "backups" / now.strftime("%Y%m%d-%H%M%S")


def _sqlite_backup(database: dict, target: Path, *, out: Out) -> dict[str, int]:
    """Copy the live SQLite database with the online backup API.

    The copy is made in one step, under one read transaction: it is a consistent snapshot,
    and in WAL mode the site's writers are not blocked while it runs.
    """
    source = _sqlite_connect(database["NAME"])
    destination = sqlite3.connect(target)
    try:
        pages = source.execute("PRAGMA page_count").fetchone()[0]
        out(f"正在复制 SQLite 数据库（{pages} 页）…")
        source.backup(destination, pages=-1)
        destination.execute("PRAGMA journal_mode=DELETE")
        counts = _sqlite_table_counts(destination)
        check = destination.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"数据库副本校验失败：{check}")
    finally:
        destination.close()
        source.close()
    return counts


def _pg_backup(database: dict, target: Path, *, out: Out) -> dict[str, int]:
    """pg_dump (custom format) from a snapshot; the row counts come from the same snapshot."""
    pg_dump = _pg_tool("pg_dump")
    conn = _pg_connect(database)
    try:
        with conn.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            out(f"正在用 pg_dump 导出 PostgreSQL 数据库 {database['NAME']} …")
            result = subprocess.run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
                env=_pg_env(database),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
            counts = _pg_table_counts(cursor)
            cursor.execute("COMMIT")
    finally:
        conn.close()
    return counts


def backup_create(
    *,
    database: dict,
    media_root: Path | str | None,
    dest: Path | str | None = None,
    out: Out = _silent,
    private_root: Path | str | None = None,
) -> BackupResult:
    """Write a backup of ``database``, ``media_root`` and ``private_root`` (the private
    uploads, see portal/storage.py); returns its directory and manifest."""
    engine = engine_of(database)
    started = timezone.now()
    if dest is None:
        dest = backup_default_dir(started)
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"目标目录 {dest} 已存在且不为空，请换一个目录。")
    partial = dest.with_name(dest.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    out(f"备份到 {dest}")
    try:
        if engine == ENGINE_SQLITE:
            db_file = SQLITE_FILE
            counts = _sqlite_backup(database, partial / db_file, out=out)
        else:
            db_file = PG_FILE
            counts = _pg_backup(database, partial / db_file, out=out)
        out(f"数据库已复制：{len(counts)} 张表，{sum(counts.values())} 行。")

        media_files = media_bytes = 0
        if media_root and Path(media_root).is_dir():
            out(f"正在复制媒体文件 {media_root} …")
            media_files, media_bytes = _copy_tree(
                Path(media_root), partial / MEDIA_DIR, out=out, label="媒体文件"
            )
        else:
            (partial / MEDIA_DIR).mkdir()
            out("没有媒体文件目录，跳过。")
        if private_root and Path(private_root).is_dir():
            out(f"正在复制私有文件 {private_root} …")
            files, size = _copy_tree(
                Path(private_root), partial / PRIVATE_DIR, out=out, label="私有文件"
            )
            media_files += files
            media_bytes += size

        manifest = {
            "format": MANIFEST_FORMAT,
            "format_version": MANIFEST_VERSION,
            "created_at": timezone.localtime(started).isoformat(timespec="seconds"),
            "finished_at": timezone.localtime().isoformat(timespec="seconds"),
            "engine": engine,
            "database_name": Path(str(database["NAME"])).name
            if engine == ENGINE_SQLITE
            else database["NAME"],
            "database_file": db_file,
            "database_sha256": file_sha256(partial / db_file),
            "tables": counts,
            "total_rows": sum(counts.values()),
            "media_files": media_files,
            "media_bytes": media_bytes,
            "app_version": app_version(),
        }
        (partial / MANIFEST_NAME).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        if dest.exists():
            dest.rmdir()
        partial.rename(dest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    out(f"备份完成：{dest}")
    return BackupResult(path=dest, manifest=manifest)


# --- restore ---------------------------------------------------------------------------


def backup_read_manifest(*, path: Path | str, verify_checksum: bool = True) -> dict:
    """The manifest of the backup at ``path``; BackupError when it is not a complete backup."""
    path = Path(path)
    if not path.is_dir():
        raise BackupError(f"{path} 不是目录，不是一个备份。")
    manifest_path = path / MANIFEST_NAME
    if not manifest_path.is_file():
        raise BackupError(f"{path} 不是备份目录：缺少 {MANIFEST_NAME}。")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path} 不是备份目录：{MANIFEST_NAME} 无法读取（{exc}）。") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"{path} 不是心育平台的备份目录：{MANIFEST_NAME} 格式不符。")
    if manifest.get("format_version") != MANIFEST_VERSION:
        raise BackupError(
            f"备份格式版本 {manifest.get('format_version')} 不受支持（本程序为 {MANIFEST_VERSION}）。"
        )
    db_file = path / str(manifest.get("database_file", ""))
    if manifest.get("database_file") not in (SQLITE_FILE, PG_FILE) or not db_file.is_file():
        raise BackupError(f"备份不完整：缺少数据库文件 {manifest.get('database_file')}。")
    if verify_checksum and file_sha256(db_file) != manifest.get("database_sha256"):
        raise BackupError(f"备份已损坏：{db_file.name} 的校验值与清单不符。")
    return manifest


def _sqlite_restore(source_file: Path, database: dict, *, out: Out) -> dict[str, int]:
    """Copy the backup into the live database file with the online backup API.

    The destination is written under SQLite's own locking: other connections wait (busy
    timeout) and then see the restored content; nobody sees a half-copied file.
    """
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    name = str(database["NAME"])
    if not name.startswith("file:"):
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    destination = _sqlite_connect(name)
    try:
        out("正在写回 SQLite 数据库 …")
        source.backup(destination, pages=-1)
        if not name.startswith("file:"):
            destination.execute("PRAGMA journal_mode=WAL")
        return _sqlite_table_counts(destination)
    finally:
        destination.close()
        source.close()


def _pg_restore(source_file: Path, database: dict, *, out: Out) -> dict[str, int]:
    pg_restore = _pg_tool("pg_restore")
    out(f"正在用 pg_restore 写回 PostgreSQL 数据库 {database['NAME']} …")
    result = subprocess.run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={database['NAME']}",
            str(source_file),
        ],
        env=_pg_env(database),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore 失败：{result.stderr.strip()}")
    conn = _pg_connect(database, autocommit=True)
    try:
        with conn.cursor() as cursor:
            return _pg_table_counts(cursor)
    finally:
        conn.close()


def _restore_media(source: Path, media_root: Path, *, out: Out) -> int:
    """Replace MEDIA_ROOT with the backup's media: copy beside it, then swap directories."""
    media_root = Path(media_root)
    staging = media_root.with_name(media_root.name + ".restoring")
    if staging.exists():
        shutil.rmtree(staging)
    files, _ = _copy_tree(source, staging, out=out, label="媒体文件")
    old = media_root.with_name(media_root.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if media_root.exists():
        media_root.rename(old)
    staging.rename(media_root)
    if old.exists():
        shutil.rmtree(old)
    return files


def backup_restore(
    *,
    path: Path | str,
    database: dict,
    media_root: Path | str | None,
    out: Out = _silent,
    private_root: Path | str | None = None,
) -> dict:
    """Put the backup at ``path`` back into ``database``, ``media_root`` and ``private_root``.

    Returns the manifest. The restored row counts are compared with the manifest; a
    difference raises BackupError.
    """
    path = Path(path)
    manifest = backup_read_manifest(path=path)
    engine = engine_of(database)
    if manifest["engine"] != engine:
        names = {ENGINE_SQLITE: "SQLite", ENGINE_POSTGRESQL: "PostgreSQL"}
        raise BackupError(
            f"此备份来自 {names.get(manifest['engine'], manifest['engine'])}，"
            f"当前数据库是 {names[engine]}，不能直接恢复。"
        )
    out(f"恢复备份 {path}（{manifest['created_at']}，{manifest['total_rows']} 行）")
    db_file = path / manifest["database_file"]
    if engine == ENGINE_SQLITE:
        counts = _sqlite_restore(db_file, database, out=out)
    else:
        counts = _pg_restore(db_file, database, out=out)
    expected = manifest["tables"]
    differing = sorted(name for name in expected if counts.get(name) != expected[name])
    if differing:
        raise BackupError(
            "恢复后的行数与备份清单不符："
            + "，".join(
                f"{name}（清单 {expected[name]}，实际 {counts.get(name)}）" for name in differing
            )
        )
    out(f"数据库已恢复：{len(expected)} 张表，行数与清单一致。")
    if media_root:
        files = _restore_media(path / MEDIA_DIR, Path(media_root), out=out)
        if private_root and (path / PRIVATE_DIR).is_dir():
            files += _restore_media(path / PRIVATE_DIR, Path(private_root), out=out)
        out(f"媒体文件已恢复：{files} 个。")
    out("恢复完成。")
    return manifest
