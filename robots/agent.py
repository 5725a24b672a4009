"""The runner agent: pulls jobs from the office over HTTPS and runs robots as subprocesses.

For each job it prepares a clean working directory, fetches the robot's package (a git
commit, or an archive whose SHA-256 it checks), installs the package's requirements into
a virtualenv cached per package, runs the robot with a minimal environment and a timeout,
streams its output as log lines, sends heartbeats (which carry stop and kill requests) and
reports the outcome. It talks only to the runner protocol (``robots/runner_api.py``).

After the run, the files the robot wrote to its output folder (``RK_OUTPUT_DIR``, also
``ROBOT_ARTIFACTS`` so robocorp.tasks writes its ``log.html`` there) are uploaded as the
job's artifacts, within the limits the claim gave.

A healthy run is never lost to the network: heartbeats go on through every phase (fetching,
installing, running, reporting) in a thread of their own; log lines the office did not take
are kept and sent again; the outcome is reported again with backoff until the office
answers. A requirements virtualenv counts as cached only once its install has finished.

The robot's environment: its parameters (``RK_PARAMETERS``), the work-item API and the
job's token (``ROBOTKONTOR_WORKITEMS_URL``, ``ROBOTKONTOR_JOB_TOKEN``), the ``RC_*``
variables of Robocorp's work-item library, and the credentials its deployment may use
(``RK_CRED_…``). Credential values and the token are masked in every log line it sends.

What runs: ``robotkontor.json`` with ``{"command": [...]}`` (any RPA tool's command line),
else ``tasks.robot`` (Robot Framework), else ``robot.py`` (Python). Commands run with the
package's virtualenv first on ``PATH`` and ``VIRTUAL_ENV`` set, so ``python -m robocorp.tasks
run tasks.py`` runs in the environment its requirements were installed into.
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
from filelock import FileLock

from robots.credentials import redaction

logger = logging.getLogger(__name__)

LOG_BATCH_SECONDS = 1.0
LOG_BATCH_LINES = 500
# ...and at most this many characters: the office refuses a body over 2.5 MB (Django's
# DATA_UPLOAD_MAX_MEMORY_SIZE), and a character escaped in JSON (\u00f8) takes six bytes.
LOG_BATCH_CHARACTERS = 300_000
# The office's limit on one log line (runner_api.MAX_LOG_LINE_LENGTH): longer output lines
# are sent as several numbered lines.
LOG_LINE_LENGTH = 10_000
# Lines kept while the office does not answer; older ones beyond this are dropped.
PENDING_LINES_LIMIT = 100_000
# How long the agent keeps trying to report an outcome (and its last log lines) to an office
# that does not answer, waiting between tries from BACKOFF_FIRST up to BACKOFF_LONGEST s.
REPORT_PATIENCE_SECONDS = 30 * 60
BACKOFF_FIRST = 1.0
BACKOFF_LONGEST = 30.0
# After a heartbeat the office did not answer, the next one is tried this soon.
HEARTBEAT_RETRY_SECONDS = 2.0
READY_MARKER = ".robotkontor-ready"
# What a robot's process inherits from the runner's environment; nothing else leaks in.
INHERITED_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "TEMP", "TMP")


class PackageError(Exception):
    """The robot's package could not be fetched, checked or prepared."""


@dataclass
class Outcome:
    succeeded: bool
    exit_code: int | None
    message: str
    # False when the robot never started (its package could not be fetched or installed):
    # the office gives the run's first input back to its queue uncounted.
    started: bool = True


@dataclass
class RunnerAgent:
    url: str
    token: str
    work_root: Path
    cache_root: Path
    poll_seconds: float = 5.0
    session: requests.Session = field(default_factory=requests.Session)
    # Heartbeats have a connection of their own: they go on while the main thread downloads
    # a package or sends log lines.
    heartbeat_session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self):
        self.url = self.url.rstrip("/")
        for session in (self.session, self.heartbeat_session):
            session.headers["Authorization"] = f"Runner {self.token}"
        self.work_root.mkdir(parents=True, exist_ok=True)
        self.cache_root.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        """Close the kept-alive connections to the office."""
        self.session.close()
        self.heartbeat_session.close()

    # --- protocol -------------------------------------------------------------------------

    def _post(self, path: str, payload=None, *, session: requests.Session | None = None):
        url = f"{self.url}/api/v1/runner/{path}"
        response = (session or self.session).post(url, json=payload, timeout=30)
        response.raise_for_status()
        return response

    def claim(self) -> dict | None:
        response = self._post("claim/")
        return None if response.status_code == 204 else response.json()

    def heartbeat(self, job_ids: list[int]) -> dict[str, str]:
        answer = self._post("heartbeat/", {"jobs": job_ids}, session=self.heartbeat_session)
        return answer.json()["jobs"]

    def send_lines(self, job_id: int, lines: list[dict]) -> None:
        if lines:
            self._post(f"jobs/{job_id}/logs/", {"lines": lines})

    def complete(self, job_id: int, outcome: Outcome, token: str = "") -> None:
        """Report the end, again with backoff while the office does not answer; the claim's
        job token lets the office refuse a late report."""
        payload = {
            "succeeded": outcome.succeeded,
            "exit_code": outcome.exit_code,
            "message": outcome.message[:5000],
            "started": outcome.started,
            "token": token,
        }
        patiently(lambda: self._post(f"jobs/{job_id}/complete/", payload))

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
        streamer = LineStreamer(self, job_id)
        try:
            with Heartbeat(self, job_id, spec["heartbeat_seconds"]) as beat:
                try:
                    package = self.fetch_package(spec, workdir)
                    virtualenv = self.environment_for(package)
                    command = command_for(package, python_of(virtualenv))
                except PackageError as error:
                    streamer.add("system", str(error))
                    outcome = Outcome(False, None, str(error), started=False)
                else:
                    if beat.answer in ABANDON:
                        return True  # queued again for another runner while this one prepared
                    outcome = self.execute(
                        spec, command, package, workdir, virtualenv, beat, streamer
                    )
                    if beat.answer not in ABANDON:
                        self.upload_artifacts(spec, workdir, package, streamer)
                streamer.drain()
                if beat.answer in ABANDON:
                    return True
                self.complete(job_id, outcome, spec["token"])
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return True

    # --- artifacts ------------------------------------------------------------------------

    def upload_artifacts(
        self, spec: dict, workdir: Path, package: Path, streamer: "LineStreamer"
    ) -> None:
        """Upload what the robot wrote to its output folder (``RK_OUTPUT_DIR``, where
        robocorp.tasks writes ``log.html``; and the package's ``output`` folder, where Robot
        Framework writes its log) as the job's artifacts, within the limits the claim gave.
        A file over a limit, or one the office refused, is skipped with a line in the log."""
        limits = spec.get("artifacts")
        if not limits:
            return
        found = artifact_files(workdir / "output", package / "output")
        count = total = 0
        for name, path in found:
            size = path.stat().st_size
            if size > limits["max_bytes"]:
                streamer.add("system", ARTIFACT_TOO_BIG % (name, size, limits["max_bytes"]))
                continue
            if count >= limits["max_files"] or total + size > limits["max_total_bytes"]:
                streamer.add("system", ARTIFACTS_LIMIT % name)
                continue

            def send(name=name, path=path):
                with path.open("rb") as handle:
                    response = self.session.post(
                        limits["url"], data={"name": name}, files={"file": handle}, timeout=300
                    )
                response.raise_for_status()

            try:
                patiently(send, patience=ARTIFACT_PATIENCE_SECONDS)
            except requests.RequestException as error:
                answer = getattr(error.response, "text", "") or str(error)
                streamer.add("system", f"Artifact {name} not kept: {answer[:1000]}")
                continue
            count += 1
            total += size

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

    def environment_for(self, package: Path) -> Path | None:
        """The robot's virtualenv, one per requirements file, cached; None without one.

        The cache counts a virtualenv only once its install finished (a marker written last),
        so an install cut short (SIGKILL, Ctrl-C, a full disk) is built again from scratch
        the next time instead of being used half-installed. It is built in place, not moved
        there, because pip writes the folder's path into the scripts it installs. A lock
        keeps two agents sharing the cache from building the same one at once."""
        requirements = package / "requirements.txt"
        if not requirements.exists():
            return None
        key = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
        home = self.cache_root / f"venv-{key}"
        with FileLock(self.cache_root / f"venv-{key}.lock"):
            if (home / READY_MARKER).exists():
                return home
            venv.EnvBuilder(with_pip=True, clear=True).create(home)
            done = subprocess.run(
                [python_of(home), "-m", "pip", "install", "--quiet", "-r", requirements],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                shutil.rmtree(home, ignore_errors=True)
                raise PackageError(f"pip failed: {done.stderr.strip()[-500:]}")
            (home / READY_MARKER).touch()
        return home

    # --- running --------------------------------------------------------------------------

    def execute(
        self,
        spec: dict,
        command: list[str],
        package: Path,
        workdir: Path,
        virtualenv: Path | None,
        beat: "Heartbeat",
        streamer: "LineStreamer",
    ) -> Outcome:
        job_id = spec["id"]
        environment = {
            name: os.environ[name] for name in INHERITED_ENVIRONMENT if name in os.environ
        }
        environment |= virtualenv_variables(virtualenv, environment.get("PATH", os.defpath))
        environment |= {
            "HOME": str(workdir),
            "RK_JOB_ID": str(job_id),
            "RK_JOB_TOKEN": spec["token"],
            "RK_API_URL": self.url,
            "RK_PARAMETERS": json.dumps(spec["parameters"]),
            "RK_OUTPUT_DIR": str(workdir / "output"),
            # Where robocorp.tasks writes log.html and output.robolog (as in Control Room).
            "ROBOT_ARTIFACTS": str(workdir / "output"),
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
        readers = [
            threading.Thread(target=streamer.read, args=(process.stdout, "stdout"), daemon=True),
            threading.Thread(target=streamer.read, args=(process.stderr, "stderr"), daemon=True),
        ]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + spec["timeout_seconds"]
        verdict = None
        while process.poll() is None:
            if time.monotonic() >= deadline:
                _signal(process, signal.SIGKILL)
                verdict = f"Timed out after {spec['timeout_seconds']} s."
                break
            answer = beat.answer
            if verdict is None and answer in ("stop", "kill", *ABANDON):
                _signal(process, signal.SIGKILL if answer != "stop" else signal.SIGTERM)
                verdict = {"stop": "Stopped on request.", "kill": "Killed on request."}.get(
                    answer, "The office took the job back."
                )
            streamer.flush_if_due()
            time.sleep(0.2)
        exit_code = process.wait()
        for reader in readers:
            reader.join(timeout=5)
        if verdict:
            return Outcome(False, exit_code, verdict)
        if exit_code == 0:
            return Outcome(True, 0, "")
        return Outcome(False, exit_code, f"The robot ended with exit code {exit_code}.")


class LineStreamer:
    """Collects the robot's output lines and sends them in numbered batches.

    A line longer than the office takes is sent as several numbered lines. A batch the
    office did not answer is kept and sent again with the next one; a batch it refused
    (4xx: the job is no longer this runner's) is dropped."""

    def __init__(self, agent: RunnerAgent, job_id: int):
        self.agent = agent
        self.job_id = job_id
        self.lock = threading.Lock()
        self.pending: list[dict] = []
        self.number = 0
        self.sent_at = time.monotonic()

    def read(self, stream: io.TextIOBase, name: str) -> None:
        for line in stream:
            self.add(name, line.rstrip("\n"))

    def add(self, stream: str, line: str) -> None:
        text = redaction.redact(line)
        with self.lock:
            for start in range(0, max(len(text), 1), LOG_LINE_LENGTH):
                self.number += 1
                part = text[start : start + LOG_LINE_LENGTH]
                self.pending.append({"number": self.number, "stream": stream, "text": part})
            del self.pending[:-PENDING_LINES_LIMIT]

    def flush_if_due(self) -> None:
        if (
            time.monotonic() - self.sent_at >= LOG_BATCH_SECONDS
            or len(self.pending) >= LOG_BATCH_LINES
        ):
            self.flush()

    def flush(self) -> None:
        """Send what is pending; raises when the office did not answer (lines kept)."""
        self.sent_at = time.monotonic()
        while True:
            with self.lock:
                batch = self.pending[:LOG_BATCH_LINES]
            characters = 0
            for index, line in enumerate(batch):
                characters += len(line["text"])
                if characters > LOG_BATCH_CHARACTERS and index:
                    batch = batch[:index]
                    break
            if not batch:
                return
            try:
                self.agent.send_lines(self.job_id, batch)
            except requests.HTTPError as error:
                if not refused(error):
                    logger.warning("Log lines of job %s not taken yet: %s", self.job_id, error)
                    return
                logger.warning("The office refused log lines of job %s: %s", self.job_id, error)
            except requests.RequestException as error:
                logger.warning("Log lines of job %s not sent yet: %s", self.job_id, error)
                return
            with self.lock:
                del self.pending[: len(batch)]

    def drain(self) -> None:
        """Send every pending line, trying again with backoff while the office is away."""

        def send_all():
            self.flush()
            if self.pending:
                raise requests.ConnectionError("log lines are still pending")

        with contextlib.suppress(requests.RequestException):
            patiently(send_all)


class Heartbeat:
    """Heartbeats for one job from a thread of its own, from the claim until the report:
    through fetching and installing as much as through the run. ``answer`` is the office's
    last word on the job (continue, stop, kill or abandon); a heartbeat the office did not
    answer is tried again soon and changes nothing."""

    def __init__(self, agent: RunnerAgent, job_id: int, seconds: float):
        self.agent = agent
        self.job_id = job_id
        self.seconds = seconds
        self.answer = "continue"
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.beat, daemon=True)

    def __enter__(self) -> "Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        self.thread.join(timeout=35)

    def beat(self) -> None:
        wait = 0.0
        while not self.stopped.wait(wait):
            try:
                answers = self.agent.heartbeat([self.job_id])
            except requests.RequestException as error:
                logger.warning("Heartbeat for job %s not answered: %s", self.job_id, error)
                wait = HEARTBEAT_RETRY_SECONDS
                continue
            self.answer = answers.get(str(self.job_id), "continue")
            wait = self.seconds


ABANDON = ("abandon",)
ARTIFACT_PATIENCE_SECONDS = 120
ARTIFACT_TOO_BIG = "Artifact %s not kept: %d bytes, more than the %d an artifact may be."
ARTIFACTS_LIMIT = "Artifact %s not kept: the run's artifacts would exceed their limit."


def artifact_files(*folders: Path) -> list[tuple[str, Path]]:
    """The files in the output folders as (name inside the folder, path), sorted; a name
    already found in an earlier folder is not taken again. Symbolic links are skipped."""
    found: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            found.setdefault(path.relative_to(folder).as_posix(), path)
    return sorted(found.items())


def refused(error: requests.HTTPError) -> bool:
    """The office answered and said no (4xx): asking again changes nothing."""
    return error.response is not None and 400 <= error.response.status_code < 500


def patiently(send, *, patience: float = REPORT_PATIENCE_SECONDS):
    """Call ``send`` until the office answers it, waiting longer between tries (up to
    BACKOFF_LONGEST s) for at most ``patience`` seconds; a refusal (4xx) is raised at once."""
    wait = BACKOFF_FIRST
    give_up = time.monotonic() + patience
    while True:
        try:
            return send()
        except requests.HTTPError as error:
            if refused(error) or time.monotonic() + wait > give_up:
                raise
            logger.warning("The office did not take the report yet: %s", error)
        except requests.RequestException as error:
            if time.monotonic() + wait > give_up:
                raise
            logger.warning("The office did not answer the report yet: %s", error)
        time.sleep(wait)
        wait = min(wait * 2, BACKOFF_LONGEST)


def python_of(virtualenv: Path | None) -> str:
    """The Python that runs the robot: its virtualenv's, else the runner's own."""
    if virtualenv is None:
        return sys.executable
    return str(virtualenv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))


def virtualenv_variables(virtualenv: Path | None, path: str) -> dict[str, str]:
    """PATH (and VIRTUAL_ENV) that make ``python`` and the robot's tools in a command mean
    the package's virtualenv, as an activated virtualenv would."""
    if virtualenv is None:
        return {"PATH": os.pathsep.join([str(Path(sys.executable).parent), path])}
    scripts = virtualenv / ("Scripts" if os.name == "nt" else "bin")
    return {"PATH": os.pathsep.join([str(scripts), path]), "VIRTUAL_ENV": str(virtualenv)}


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
