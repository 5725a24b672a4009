"""Runtime to the microsecond: the ledger's quantity and the running totals keep six
decimals (they kept three, so a run of 60,0004 s was booked as 60,000 s and billed as one
started minute instead of two).

``started_minutes`` is generated from ``quantity``, and PostgreSQL cannot change the type of
a column a generated column reads: the generated column is dropped and added again around
the change (the table is rewritten; no row trigger fires, so the append-only guard and the
running totals are untouched). Entries already booked keep the value they were booked with.
"""

import django.db.models.expressions
import django.db.models.functions.comparison
import django.db.models.functions.math
from django.db import migrations, models


def started_minutes():
    return models.GeneratedField(
        db_persist=True,
        expression=models.Case(
            models.When(
                kind="runtime",
                then=django.db.models.functions.comparison.Cast(
                    django.db.models.functions.math.Ceil(
                        django.db.models.expressions.CombinedExpression(
                            models.F("quantity"), "/", models.Value(60)
                        )
                    ),
                    models.BigIntegerField(),
                ),
            )
        ),
        output_field=models.BigIntegerField(),
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_usage_totals")]

    operations = [
        migrations.RemoveField(model_name="usageentry", name="started_minutes"),
        migrations.AlterField(
            model_name="usageentry",
            name="quantity",
            field=models.DecimalField(decimal_places=6, max_digits=19, verbose_name="quantity"),
        ),
        migrations.AddField(
            model_name="usageentry", name="started_minutes", field=started_minutes()
        ),
        migrations.AlterField(
            model_name="usagetotal",
            name="runtime_seconds",
            field=models.DecimalField(decimal_places=6, max_digits=23, null=True),
        ),
        migrations.AlterField(
            model_name="usagetotal",
            name="work_items",
            field=models.DecimalField(decimal_places=6, max_digits=23, null=True),
        ),
    ]
