"""PHQ-9, GAD-7 and the licensed skeletons exist on a fresh install (R-12).

Uses the historical models; ``screening.services.builtin_instruments_ensure`` does the same
with validation for demo and tests (it is idempotent, so both may run).
"""

from decimal import Decimal

from django.db import migrations


def create_builtins(apps, schema_editor):
    from screening.instruments import BUILTIN_SPECS

    Instrument = apps.get_model("screening", "Instrument")
    Item = apps.get_model("screening", "InstrumentItem")
    CutOff = apps.get_model("screening", "CutOff")
    for spec in BUILTIN_SPECS:
        if Instrument.objects.filter(
            code=spec["code"], version=spec["version"], school__isnull=True
        ).exists():
            continue
        instrument = Instrument.objects.create(
            code=spec["code"],
            version=spec["version"],
            name=spec["name"],
            kind=spec["kind"],
            instructions=spec["instructions"],
            scoring=spec["scoring"],
            licence_note=spec["licence_note"],
        )
        Item.objects.bulk_create(
            Item(
                instrument=instrument,
                sort_order=index,
                number=item["number"],
                text=item["text"],
                options=item["options"],
                is_critical=item.get("is_critical", False),
                critical_min_score=item.get("critical_min_score"),
            )
            for index, item in enumerate(spec["items"])
        )
        CutOff.objects.bulk_create(
            CutOff(
                instrument=instrument,
                sort_order=index,
                min_score=Decimal(band["min_score"]),
                max_score=Decimal(band["max_score"]),
                label=band["label"],
                level=band["level"],
            )
            for index, band in enumerate(spec["cutoffs"])
        )


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial")]

    operations = [migrations.RunPython(create_builtins, migrations.RunPython.noop)]
