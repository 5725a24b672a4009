import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from members.data import services


class Command(BaseCommand):
    help = (
        "Check an erasure receipt (the JSON file as downloaded): whether its signature is "
        "ours and it is unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("receipt", type=Path)

    def handle(self, *args, receipt: Path, **options):
        try:
            document = json.loads(receipt.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {receipt} as JSON: {error}") from error
        if not isinstance(document, dict) or not services.verify(document):
            raise CommandError("The signature does not match: not issued here, or changed.")
        payload = document["payload"]
        self.stdout.write(
            f"Valid: {payload['organisation']['name']} (CVR {payload['organisation']['cvr']}) "
            f"erased at {payload['erased_at']} by {payload['erased_by']}."
        )
