# Queue triggers on deployments, per-run parameter overrides on jobs.

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("robots", "0002_job_queue_and_runners"),
    ]

    operations = [
        migrations.AddField(
            model_name="deployment",
            name="queue_trigger_items_per_job",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="One more job per this many waiting items. Empty: one job at a time.",
                null=True,
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="queue trigger: items per job",
            ),
        ),
        migrations.AddField(
            model_name="deployment",
            name="queue_trigger_max_jobs",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text="The queue trigger keeps at most this many jobs queued or running.",
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="queue trigger: jobs at most",
            ),
        ),
        migrations.AddField(
            model_name="deployment",
            name="queue_trigger_min_items",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Start a job when at least this many items wait in the deployment's work queues. Empty: no queue trigger.",
                null=True,
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="queue trigger: start at",
            ),
        ),
        migrations.AddField(
            model_name="job",
            name="parameters",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Override the deployment's parameters for this run only.",
                verbose_name="parameters for this run",
            ),
        ),
        migrations.AddConstraint(
            model_name="deployment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("queue_trigger_min_items__isnull", True),
                    ("queue_trigger_min_items__gte", 1),
                    _connector="OR",
                ),
                name="deployment_queue_trigger_min_items",
            ),
        ),
        migrations.AddConstraint(
            model_name="deployment",
            constraint=models.CheckConstraint(
                condition=models.Q(("queue_trigger_max_jobs__gte", 1)),
                name="deployment_queue_trigger_max_jobs",
            ),
        ),
        migrations.AddConstraint(
            model_name="deployment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("queue_trigger_items_per_job__isnull", True),
                    ("queue_trigger_items_per_job__gte", 1),
                    _connector="OR",
                ),
                name="deployment_queue_trigger_items_per_job",
            ),
        ),
    ]
