"""The runner agent: pulls jobs from the office over HTTPS and runs robots as subprocesses.

For each job it prepares a clean working directory, fetches the robot's package (a git
commit, or an archive whose SHA-256 it checks), installs the package's requirements into
a virtualenv cached per package, runs the robot with a minimal environment and a timeout,
streams its output as log lines, sends heartbeats (which carry stop and kill requests) and
reports the outcome. It talks only to the runner protocol (``robots/runner_api.py``).

The robot's environment: its parameters (``RK_PARAMETERS``), the work-item API and the
job's token (``ROBOTKONTOR_WORKITEMS_URL``, ``ROBOTKONTOR_JOB_TOKEN``), the ``RC_*``
variables of Robocorp's work-item library, and the credentials its deployment may use
(``RK_CRED_…``). Credential values and the token are masked in every log line it sends.

What runs: ``robotkontor.json`` with ``{"command": [...]}`` (any RPA tool's command line),
else ``tasks.robot`` (Robot Framework), else ``robot.py`` (Python).
"""

import contextlib
import hashlib
import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import venv
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import requests

from robots.credentials import redaction

logger = logging.getLogger(__name__)

LOG_BATCH_SECONDS = 1.0
LOG_BATCH_LINES = 500
# What a robot's process inherits from the runner's environment; nothing else leaks in.
INHERITED_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "TEMP", "TMP")


class PackageError(Exception):
    """The robot's package could not be fetched, checked or prepared."""


@dataclass
class Outcome:
    succeeded: bool
    exit_code: int | None
    message: str


@dataclass
class RunnerAgent:
    url: str
    token: str
    work_root: Path
    cache_root: Path
    poll_seconds: float = 5.0
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self):
        self.url = self.url.rstrip("/")
        self.session.headers["Authorization"] = f"Runner {self.token}"
        self.work_root.mkdir(parents=True, exist_ok=True)
        self.cache_root.mkdir(parents=True, exist_ok=True)

    # --- protocol -------------------------------------------------------------------------

    def _post(self, path: str, payload=None):
        response = self.session.post(f"{self.url}/api/v1/runner/{path}", json=payload, timeout=30)
        response.raise_for_status()
        return response

    def claim(self) -> dict | None:
        response = self._post("claim/")
        return None if response.status_code == 204 else response.json()

    def heartbeat(self, job_ids: list[int]) -> dict[str, str]:
        return self._post("heartbeat/", {"jobs": job_ids}).json()["jobs"]

    def send_lines(self, job_id: int, lines: list[dict]) -> None:
        if lines:
            self._post(f"jobs/{job_id}/logs/", {"lines": lines})

    def complete(self, job_id: int, outcome: Outcome, token: str = "") -> None:
        """Report the end; the claim's job token lets the office refuse a late report."""
        self._post(
            f"jobs/{job_id}/complete/",
            {
                "succeeded": outcome.succeeded,
                "exit_code": outcome.exit_code,
                "message": outcome.message[:5000],
                "token": token,
            },
        )

    # --- loop -----------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                ran = self.run_once()
            except requests.RequestException as error:
                logger.warning("The office did not answer: %s", error)
                ran = False
            if not ran:
                stop.wait(self.poll_seconds)

    def run_once(self) -> bool:
        """Claim one job and run it to the end; False when there was nothing to do."""
        spec = self.claim()
        if spec is None:
            return False
        job_id = spec["id"]
        workdir = Path(tempfile.mkdtemp(prefix=f"job-{job_id}-", dir=self.work_root))
        try:
            try:
                package = self.fetch_package(spec, workdir)
                python = self.environment_for(package)
                command = command_for(package, python)
            except PackageError as error:
                self.send_lines(job_id, [{"number": 1, "stream": "system", "text": str(error)}])
                self.complete(job_id, Outcome(False, None, str(error)), spec["token"])
                return True
            outcome = self.execute(spec, command, package, workdir)
            self.complete(job_id, outcome, spec["token"])
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return True

    # --- packages -------------------------------------------------------------------------

    def fetch_package(self, spec: dict, workdir: Path) -> Path:
        package = spec["package"]
        target = workdir / "robot"
        if package.get("git_commit"):
            clone = ["git", "clone", "--quiet", "--no-checkout", package["git_repository"], target]
            checkout = ["git", "-C", target, "checkout", "--quiet", package["git_commit"]]
            for command in (clone, checkout):
                done = subprocess.run(command, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    raise PackageError(f"git failed: {done.stderr.strip()[:500]}")
            return target
        response = self.session.get(package["archive_url"], timeout=120)
        response.raise_for_status()
        digest = hashlib.sha256(response.content).hexdigest()
        if digest != package["archive_sha256"]:
            raise PackageError(
                f"The package's checksum is {digest}, not {package['archive_sha256']}: refused."
            )
        unpack(response.content, target)
        return target

    def environment_for(self, package: Path) -> str:
        """The Python to run the robot with: a virtualenv per requirements, cached."""
        requirements = package / "requirements.txt"
        if not requirements.exists():
            return sys.executable
        key = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
        home = self.cache_root / f"venv-{key}"
        python = home / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        if not python.exists():
            venv.EnvBuilder(with_pip=True, clear=True).create(home)
            done = subprocess.run(
                [python, "-m", "pip", "install", "--quiet", "-r", requirements],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                shutil.rmtree(home, ignore_errors=True)
                raise PackageError(f"pip failed: {done.stderr.strip()[-500:]}")
        return str(python)

    # --- running --------------------------------------------------------------------------

    def execute(self, spec: dict, command: list[str], package: Path, workdir: Path) -> Outcome:
        job_id = spec["id"]
        environment = {
            name: os.environ[name] for name in INHERITED_ENVIRONMENT if name in os.environ
        }
        environment |= {
            "HOME": str(workdir),
            "RK_JOB_ID": str(job_id),
            "RK_JOB_TOKEN": spec["token"],
            "RK_API_URL": self.url,
            "RK_PARAMETERS": json.dumps(spec["parameters"]),
            "RK_OUTPUT_DIR": str(workdir / "output"),
            "PYTHONUNBUFFERED": "1",
            "ROBOTKONTOR_WORKITEMS_URL": spec["work_items_url"],
            "ROBOTKONTOR_JOB_TOKEN": spec["token"],
        }
        environment |= spec["robocorp"] | spec["credentials"]
        for secret in [spec["token"], *redaction.secret_values(spec["credentials"])]:
            redaction.register_secret(secret)
        (workdir / "output").mkdir(exist_ok=True)
        process = subprocess.Popen(
            command,
            cwd=package,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        streamer = LineStreamer(self, job_id)
        readers = [
            threading.Thread(target=streamer.read, args=(process.stdout, "stdout"), daemon=True),
            threading.Thread(target=streamer.read, args=(process.stderr, "stderr"), daemon=True),
        ]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + spec["timeout_seconds"]
        next_beat = 0.0
        verdict = None
        while process.poll() is None:
            now = time.monotonic()
            if now >= deadline:
                _signal(process, signal.SIGKILL)
                verdict = f"Timed out after {spec['timeout_seconds']} s."
                break
            if now >= next_beat:
                answer = self.heartbeat([job_id]).get(str(job_id), "continue")
                next_beat = now + spec["heartbeat_seconds"]
                if answer in ("stop", "kill", "abandon"):
                    _signal(process, signal.SIGKILL if answer != "stop" else signal.SIGTERM)
                    verdict = {"stop": "Stopped on request.", "kill": "Killed on request."}.get(
                        answer, "The office took the job back."
                    )
            streamer.flush_if_due()
            time.sleep(0.2)
        exit_code = process.wait()
        for reader in readers:
            reader.join(timeout=5)
        streamer.flush()
        if verdict:
            return Outcome(False, exit_code, verdict)
        if exit_code == 0:
            return Outcome(True, 0, "")
        return Outcome(False, exit_code, f"The robot ended with exit code {exit_code}.")


class LineStreamer:
    """Collects the robot's output lines and sends them in numbered batches."""

    def __init__(self, agent: RunnerAgent, job_id: int):
        self.agent = agent
        self.job_id = job_id
        self.lock = threading.Lock()
        self.pending: list[dict] = []
        self.number = 0
        self.sent_at = time.monotonic()

    def read(self, stream: io.TextIOBase, name: str) -> None:
        for line in stream:
            with self.lock:
                self.number += 1
                text = redaction.redact(line.rstrip("\n"))
                self.pending.append({"number": self.number, "stream": name, "text": text})

    def flush_if_due(self) -> None:
        if (
            time.monotonic() - self.sent_at >= LOG_BATCH_SECONDS
            or len(self.pending) >= LOG_BATCH_LINES
        ):
            self.flush()

    def flush(self) -> None:
        with self.lock:
            batch, self.pending = self.pending, []
        for start in range(0, len(batch), LOG_BATCH_LINES):
            self.agent.send_lines(self.job_id, batch[start : start + LOG_BATCH_LINES])
        self.sent_at = time.monotonic()


def _signal(process: subprocess.Popen, signum: int) -> None:
    """Signal the robot and everything it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def unpack(content: bytes, target: Path) -> None:
    """Unpack a zip or tar archive, refusing members that would land outside ``target``."""
    target.mkdir(parents=True)
    root = target.resolve()
    if zipfile.is_zipfile(io.BytesIO(content)):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            _check_members(root, names)
            archive.extractall(target)  # noqa: S202  (members checked just above)
        return
    try:
        with tarfile.open(fileobj=io.BytesIO(content)) as archive:
            _check_members(root, archive.getnames())
            archive.extractall(target, filter="data")
    except tarfile.TarError as error:
        raise PackageError(f"The package is neither a zip nor a tar archive: {error}") from None


def _check_members(root: Path, names: list[str]) -> None:
    for name in names:
        if not (root / name).resolve().is_relative_to(root):
            raise PackageError(f"The package's file {name} would land outside the robot's folder.")


def command_for(package: Path, python: str) -> list[str]:
    manifest = package / "robotkontor.json"
    if manifest.exists():
        command = json.loads(manifest.read_text()).get("command")
        if not command or not isinstance(command, list):
            raise PackageError("robotkontor.json must name a command as a list of strings.")
        return [str(part) for part in command]
    if (package / "tasks.robot").exists():
        return [python, "-m", "robot", "--outputdir", "output", "tasks.robot"]
    if (package / "robot.py").exists():
        return [python, "robot.py"]
    raise PackageError("The package has no robotkontor.json, tasks.robot or robot.py.")
