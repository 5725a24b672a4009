"""Claims cost less database time.

- ``robots_claim_job`` keeps generic plans for its statements. Under the default plan cache
  mode PostgreSQL kept planning the candidate query anew on every call (a custom plan
  looked cheaper than the generic one), which cost more than running it. The statements
  look rows up by index whatever the parameters, so one plan fits every call.
- Every claim and every end of a job writes a new row version into each of the table's
  indexes (the status changes, so no update is heap-only). Six indexes nothing needed are
  dropped: the status index and its ``LIKE`` twin (nothing reads jobs by status alone), the
  token hash's two (the one-time token is only looked up while the job runs: a small
  partial index now), and the member and deployment foreign-key indexes (the member and
  deployment ``status`` indexes begin with those columns).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


GENERIC_PLANS = (
    "ALTER FUNCTION robots_claim_job(varchar, timestamptz, timestamptz, interval,"
    " varchar, integer, integer, integer) SET plan_cache_mode = force_generic_plan"
)


class Migration(migrations.Migration):
    dependencies = [
        ("robots", "0006_claim_function"),
        ("tenants", "0004_organisation_buyer_reference_bank_account"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(
            GENERIC_PLANS,
            reverse_sql="ALTER FUNCTION robots_claim_job(varchar, timestamptz, timestamptz,"
            " interval, varchar, integer, integer, integer) RESET plan_cache_mode",
        ),
        migrations.AlterField(
            model_name="job",
            name="deployment",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="jobs",
                to="robots.deployment",
            ),
        ),
        migrations.AlterField(
            model_name="job",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="jobs",
                to="tenants.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="job",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("succeeded", "Succeeded"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                default="queued",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="job",
            name="token_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(
                condition=models.Q(("status", "running")),
                fields=["token_hash"],
                name="job_running_token",
            ),
        ),
    ]
