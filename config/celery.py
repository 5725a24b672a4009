"""The Celery app. Tasks are tenant-aware: a task sent while a member's schema is active
carries that schema and runs inside it (tenant-schemas-celery)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("robotkontor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
