"""The job table's full index of runners goes: jobs are read by runner only while they run
(the partial index ``job_running_runner``), and runners are revoked, never deleted. One
index fewer for every claim and every end of a job to write.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("robots", "0008_deployment_credentials_granted"),
    ]

    operations = [
        migrations.AlterField(
            model_name="job",
            name="runner",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="jobs",
                to="robots.runner",
            ),
        ),
    ]
