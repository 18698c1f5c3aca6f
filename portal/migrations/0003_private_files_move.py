"""Move uploads written before private storage existed out of MEDIA_ROOT.

Documents, original images, training evidence and report attachments used to sit under
MEDIA_ROOT, next to the publicly served renditions. Their names in the database stay the
same; only the files move to PRIVATE_MEDIA_ROOT (portal/storage.py). Idempotent.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from portal.storage import private_files_move

    private_files_move(out=print)


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
