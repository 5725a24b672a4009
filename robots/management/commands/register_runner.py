import os
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from robots.models import Runner
from robots.services import runners


class Command(BaseCommand):
    help = (
        "Register a runner (or give an existing one a new token) and write its token to a "
        "file readable only by its owner, for `manage.py runner --token-file`."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--token-file", required=True)
        parser.add_argument("--pool", default="default")
        parser.add_argument("--labels", default="python", help="Comma-separated")
        parser.add_argument("--max-concurrency", type=int, default=2)

    @transaction.atomic
    def handle(self, *args, **options):
        runner = Runner.objects.filter(name=options["name"]).first()
        if runner is None:
            runner, token = runners.register_runner(
                actor=None,
                name=options["name"],
                pool=options["pool"],
                labels=options["labels"].split(","),
                max_concurrency=options["max_concurrency"],
            )
        else:
            token = runners.rotate_token(runner=runner, actor=None)
        path = Path(options["token_file"])
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(token)
        self.stdout.write(f"Runner {runner.name}: token written to {path}.")
