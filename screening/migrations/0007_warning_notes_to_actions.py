"""Data: each warning's free-text notes become one note action; open warnings get a due time
from their level; a student's duplicate open warnings merge into the highest one (so the
constraint of 0006 holds)."""

import datetime

from django.db import migrations

RANK = {"general": 1, "key": 2, "crisis": 3}
DUE = {"crisis": datetime.timedelta(hours=24), "key": datetime.timedelta(days=3)}
DEFAULT_DUE = datetime.timedelta(days=7)


def forwards(apps, schema_editor):
    Warning = apps.get_model("screening", "Warning")
    WarningAction = apps.get_model("screening", "WarningAction")
    actions = []
    for w in Warning.objects.exclude(notes="").iterator():
        actions.append(
            WarningAction(
                warning_id=w.pk,
                at=w.closed_at or w.raised_at,
                by_id=w.owner_id,
                kind="note",
                text=w.notes,
            )
        )
    WarningAction.objects.bulk_create(actions, batch_size=500)
    open_rows = list(Warning.objects.exclude(status="closed").order_by("student_id", "raised_at"))
    by_student = {}
    for w in open_rows:
        if w.due_at is None:
            w.due_at = w.raised_at + DUE.get(w.level, DEFAULT_DUE)
            w.save(update_fields=["due_at"])
        by_student.setdefault(w.student_id, []).append(w)
    for rows in by_student.values():
        if len(rows) < 2:
            continue
        keep = max(rows, key=lambda w: (RANK.get(w.level, 0), -w.raised_at.timestamp()))
        for w in rows:
            if w.pk == keep.pk:
                continue
            WarningAction.objects.create(
                warning_id=keep.pk,
                at=w.raised_at,
                by_id=w.raised_by_id,
                kind="merged",
                text=f"合并同一学生的另一条未结预警 #{w.pk}。",
                result_id=w.result_id,
                source=w.source,
            )
            w.status = "closed"
            w.closed_at = w.raised_at
            w.outcome = f"已合并到预警 #{keep.pk}。"
            w.save(update_fields=["status", "closed_at", "outcome"])


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0006_warning_work"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
