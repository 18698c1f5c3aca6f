"""Every student has an archive (一生一策 covers all students); every existing support plan
gets its first version.

Students enrolled before this migration have no recorded enrolment date: their archive is
opened today (the day archives became universal). New students get theirs on enrolment
(``screening.services.archives_for_enrolled``).
"""

from django.db import migrations
from django.utils import timezone

BATCH = 2000


def forwards(apps, schema_editor):
    Student = apps.get_model("schools", "Student")
    Archive = apps.get_model("screening", "Archive")
    SupportPlan = apps.get_model("screening", "SupportPlan")
    SupportPlanVersion = apps.get_model("screening", "SupportPlanVersion")
    today = timezone.localdate()
    missing = Student.objects.filter(screening_archive__isnull=True).values_list(
        "pk", "school_id"
    )
    batch = []
    for pk, school_id in missing.iterator(chunk_size=BATCH):
        batch.append(Archive(student_id=pk, school_id=school_id, opened_on=today))
        if len(batch) >= BATCH:
            Archive.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Archive.objects.bulk_create(batch, ignore_conflicts=True)
    versions = [
        SupportPlanVersion(
            plan_id=plan.pk,
            number=1,
            goals=plan.goals,
            actions=plan.actions,
            responsible=plan.responsible,
            review_on=plan.review_on,
            changed_fields=["goals", "actions", "responsible", "review_on"],
            changed_at=plan.updated_at,
        )
        for plan in SupportPlan.objects.filter(versions__isnull=True)
    ]
    SupportPlanVersion.objects.bulk_create(versions, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0003_access_log_student_count_student_left_on"),
        ("screening", "0004_plan_versions_attachments"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
