import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Guardian consent gets a status (given / refused / withdrawn), the guardian, how it was
    obtained and when it was recorded. Existing rows were all consents given."""

    dependencies = [
        ("screening", "0002_builtin_instruments"),
    ]

    operations = [
        migrations.RenameField(
            model_name="guardianconsent", old_name="given_on", new_name="decided_on"
        ),
        migrations.AlterField(
            model_name="guardianconsent",
            name="decided_on",
            field=models.DateField(verbose_name="监护人表态日期"),
        ),
        migrations.AddField(
            model_name="guardianconsent",
            name="status",
            field=models.CharField(
                choices=[("given", "已同意"), ("refused", "不同意"), ("withdrawn", "已撤回同意")],
                default="given",
                max_length=10,
                verbose_name="同意情况",
            ),
        ),
        migrations.AddField(
            model_name="guardianconsent",
            name="guardian_name",
            field=models.CharField(blank=True, max_length=50, verbose_name="监护人姓名"),
        ),
        migrations.AddField(
            model_name="guardianconsent",
            name="relationship",
            field=models.CharField(
                blank=True,
                choices=[
                    ("father", "父亲"),
                    ("mother", "母亲"),
                    ("grandparent", "祖父母/外祖父母"),
                    ("other", "其他监护人"),
                ],
                max_length=20,
                verbose_name="与学生关系",
            ),
        ),
        migrations.AddField(
            model_name="guardianconsent",
            name="method",
            field=models.CharField(
                blank=True,
                choices=[
                    ("paper", "纸质知情同意书回执"),
                    ("online", "家校平台在线确认"),
                    ("phone", "电话确认（已记录）"),
                    ("in_person", "到校当面签署"),
                ],
                max_length=20,
                verbose_name="获取方式",
            ),
        ),
        migrations.AddField(
            model_name="guardianconsent",
            name="note",
            field=models.CharField(blank=True, max_length=200, verbose_name="备注"),
        ),
        migrations.AddField(
            model_name="guardianconsent",
            name="recorded_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="登记时间"),
        ),
        migrations.AlterModelOptions(
            name="guardianconsent",
            options={"verbose_name": "监护人知情同意", "verbose_name_plural": "监护人知情同意"},
        ),
    ]
