"""Running totals of the usage ledger: a close reads them, not every entry.

``billing_usagetotal`` holds, per period, member, deployment and robot, the started minutes,
runtime seconds and work items booked so far. A statement-level trigger on the ledger adds
each INSERT statement's new entries, grouped, in one upsert (a thousand entries booked in
one statement cost one upsert of their few groups); the rows are locked in one order, so
concurrent bookings wait for each other instead of deadlocking. The ledger is append-only
(its guard refuses updates and deletes), so the totals stay equal to the ledger's sums;
entries already booked are summed in once here.
"""

import django.db.models.deletion
from django.db import migrations, models

# Null stays null until a value of that kind arrives.
_ADD = "{0} = coalesce(total.{0} + excluded.{0}, total.{0}, excluded.{0})"

_SUMS = """
    SELECT period_id, organisation_id, deployment_id, robot_id,
        sum(started_minutes),
        sum(quantity) FILTER (WHERE kind = 'runtime'),
        sum(quantity) FILTER (WHERE kind = 'work_items')
    FROM {entries}
    WHERE kind IN ('runtime', 'work_items')
    GROUP BY period_id, organisation_id, deployment_id, robot_id
    ORDER BY period_id, organisation_id, deployment_id, robot_id
"""

_COLUMNS = (
    "period_id, organisation_id, deployment_id, robot_id, started_minutes, runtime_seconds,"
    " work_items"
)

TOTALS = f"""
CREATE FUNCTION billing_usagetotal_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO billing_usagetotal AS total ({_COLUMNS})
    {_SUMS.format(entries="new_entries")}
    ON CONFLICT (period_id, organisation_id, deployment_id, robot_id) DO UPDATE SET
        {_ADD.format("started_minutes")},
        {_ADD.format("runtime_seconds")},
        {_ADD.format("work_items")};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_usagetotal_add AFTER INSERT ON billing_usageentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION billing_usagetotal_add();
INSERT INTO billing_usagetotal ({_COLUMNS})
{_SUMS.format(entries="billing_usageentry")};
"""

TOTALS_REVERSE = """
DROP TRIGGER billing_usagetotal_add ON billing_usageentry;
DROP FUNCTION billing_usagetotal_add();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_usage_started_minutes"),
        ("catalog", "0002_robot_catalog"),
        ("robots", "0007_job_indexes_for_claims"),
        ("tenants", "0004_organisation_buyer_reference_bank_account"),
    ]

    operations = [
        migrations.CreateModel(
            name="UsageTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("started_minutes", models.BigIntegerField(null=True)),
                (
                    "runtime_seconds",
                    models.DecimalField(decimal_places=3, max_digits=20, null=True),
                ),
                ("work_items", models.DecimalField(decimal_places=3, max_digits=20, null=True)),
                (
                    "deployment",
                    models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="robots.deployment",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenants.organisation",
                    ),
                ),
                (
                    "period",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="billing.period",
                    ),
                ),
                (
                    "robot",
                    models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.robot",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("period", "organisation", "deployment", "robot"),
                        name="usage_total_per_group",
                        nulls_distinct=False,
                    )
                ],
            },
        ),
        migrations.RunSQL(TOTALS, reverse_sql=TOTALS_REVERSE),
    ]
