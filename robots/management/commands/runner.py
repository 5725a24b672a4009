from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from robots.agent import RunnerAgent


class Command(BaseCommand):
    help = "Run a runner agent: pull jobs from the office and run robots until stopped."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", required=True, help="The office's address, e.g. https://robotkontor.dk"
        )
        token = parser.add_mutually_exclusive_group(required=True)
        token.add_argument("--token", help="The runner's token (rkr_…)")
        token.add_argument("--token-file", help="A file holding the runner's token")
        parser.add_argument(
            "--work-dir", default=str(Path(settings.BASE_DIR) / ".robotkontor" / "runner")
        )
        parser.add_argument(
            "--poll", type=float, default=5.0, help="Seconds between claims when idle"
        )
        parser.add_argument("--once", action="store_true", help="Run at most one job, then stop")

    def handle(self, *args, **options):
        work = Path(options["work_dir"])
        agent = RunnerAgent(
            url=options["url"],
            token=options["token"] or Path(options["token_file"]).read_text().strip(),
            work_root=work / "jobs",
            cache_root=work / "cache",
            poll_seconds=options["poll"],
        )
        if options["once"]:
            ran = agent.run_once()
            self.stdout.write("Ran one job." if ran else "Nothing to run.")
            return
        self.stdout.write(f"Runner polling {options['url']} (Ctrl-C stops it).")
        try:
            agent.run_forever()
        except KeyboardInterrupt:
            self.stdout.write("Runner stopped.")
