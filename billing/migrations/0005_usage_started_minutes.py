"""The close sums a month's ledger in one pass; three things keep it about as cheap as a plain
``GROUP BY`` over the month's entries:

- ``started_minutes``: a runtime entry's seconds rounded up to whole started minutes, a
  stored generated column (the database writes it with the row, so the append-only ledger
  is never updated; adding it rewrites the table once and fires no row triggers).
- An index of the few entries priced when booked (staff hours, deployment fees), which the
  close reads one by one, so that reading them does not walk the period's whole index.
- Statistics on how many distinct (member, deployment, robot) groups there are: without
  them the planner multiplies the columns' counts, expects hundreds of thousands of groups
  and sorts every row on disk instead of hashing them into the few thousand there are.
"""

import django.db.models.expressions
import django.db.models.functions.comparison
import django.db.models.functions.math
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_invoiceline_statement_guard")]

    operations = [
        migrations.AddField(
            model_name="usageentry",
            name="started_minutes",
            field=models.GeneratedField(
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
            ),
        ),
        migrations.AddIndex(
            model_name="usageentry",
            index=models.Index(
                condition=models.Q(("kind__in", ["deployment_fee", "staff_hours"])),
                fields=["period"],
                name="usage_priced_by_period",
            ),
        ),
        migrations.RunSQL(
            "CREATE STATISTICS billing_usageentry_groups (ndistinct)"
            " ON organisation_id, deployment_id, robot_id FROM billing_usageentry;"
            " ANALYZE billing_usageentry;",
            reverse_sql="DROP STATISTICS billing_usageentry_groups;",
        ),
    ]
