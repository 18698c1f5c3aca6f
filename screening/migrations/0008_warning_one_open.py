"""The free-text notes now live as actions (0005); one open warning per student."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0007_warning_notes_to_actions"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='warning',
            name='notes',
        ),
        migrations.AddConstraint(
            model_name='warning',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'closed'), _negated=True), fields=('student',), name='warning_one_open_per_student'),
        ),
    ]
