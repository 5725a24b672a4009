"""`make run`: database, migrations, demo data, then web + worker + beat + runner (honcho).

When DATABASE_URL is unset the embedded PostgreSQL is started here and kept running for
the child processes (they get its URL); it stops when this process exits (Ctrl-C).
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from config.embedded_postgres import database_url

BASE_DIR = Path(__file__).resolve().parent.parent
RUNNER_TOKEN_FILE = BASE_DIR / ".robotkontor" / "runner-token"


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True)


def main() -> int:
    if not os.environ.get("DATABASE_URL"):
        # This process holds the embedded server; children share it through the URL.
        os.environ["DATABASE_URL"] = database_url(BASE_DIR)
        print(f"Embedded PostgreSQL: data in {BASE_DIR / '.robotkontor'}")
    manage("migrate_all", "--verbosity", "0")
    manage("load_demo")
    # A local runner for the demo; its token is renewed at every start.
    manage("register_runner", "lokal-runner", "--token-file", str(RUNNER_TOKEN_FILE))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    procfile = BASE_DIR / "platform" / "Procfile"
    honcho = [sys.executable, "-m", "honcho", "-f", str(procfile), "-d", str(BASE_DIR), "start"]
    processes = subprocess.Popen(honcho, env=env)
    # Ctrl-C (or a SIGTERM to this process) stops the processes, then PostgreSQL with us.
    signal.signal(signal.SIGTERM, lambda *_: processes.send_signal(signal.SIGINT))
    try:
        return processes.wait()
    except KeyboardInterrupt:
        processes.send_signal(signal.SIGINT)
        try:
            return processes.wait(timeout=30)
        except subprocess.TimeoutExpired:
            processes.kill()
            return processes.wait()


if __name__ == "__main__":
    sys.exit(main())
