"""The runner agent never turns a healthy run into a failure: it heartbeats while it installs,
outlasts a network blip, sends over-long lines in parts, rebuilds a virtualenv whose install
was cut short, and runs commands in the package's virtualenv. Real agent, real robot
processes, a live server."""

import base64
import contextlib
import hashlib
import socket
import threading
import time
import venv
import zipfile
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from robots import services as deployments
from robots.agent import RunnerAgent
from robots.models import Job
from robots.runlogs.models import JobLogLine
from robots.services import jobs

pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def start_job(aarhus, packaged_robot, process_owner, operator):
    """Deploy a package of these files to Aarhus and queue one run of it."""

    def start(files: dict[str, bytes]) -> Job:
        deployment = deployments.create_deployment(
            organisation=aarhus,
            robot_version=packaged_robot(files),
            name="Robusthed",
            parameters={},
            schedule="",
            process_owner=process_owner,
            actor=operator,
        )
        return jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)

    return start


@pytest.fixture
def agent_for(make_runner, tmp_path):
    made = []

    def make(url: str, cache_root: Path | None = None) -> RunnerAgent:
        _runner, token = make_runner()
        agent = RunnerAgent(
            url=url,
            token=token,
            work_root=tmp_path / "jobs",
            cache_root=cache_root or tmp_path / "cache",
            poll_seconds=0.1,
        )
        made.append(agent)
        return agent

    yield make
    for agent in made:
        agent.close()


def log_of(organisation, job) -> list[str]:
    with schema_context(organisation.schema_name):
        return list(
            JobLogLine.objects.filter(job_id=job.pk)
            .order_by("number")
            .values_list("text", flat=True)
        )


def wheel(folder: Path, module: str, source: str) -> Path:
    """A one-module wheel, so that an install needs no package index."""
    name = f"{module}-1.0.dist-info"
    files = {
        f"{module}.py": source.encode(),
        f"{name}/METADATA": f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n".encode(),
        f"{name}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = [
        f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b'=').decode()},{len(content)}"
        for path, content in files.items()
    ]
    files[f"{name}/RECORD"] = ("\n".join([*record, f"{name}/RECORD,,"]) + "\n").encode()
    path = folder / f"{module}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in files.items():
            archive.writestr(member, content)
    return path


def test_a_command_runs_with_the_packages_virtualenv_first_on_path(
    aarhus, start_job, agent_for, live_server, tmp_path
):
    probe = wheel(tmp_path, "rk_probe", "WHO = 'fra pakkens virtualenv'\n")
    job = start_job(
        {
            "requirements.txt": f"{probe}\n".encode(),
            # The usual layout: the command names plain "python", as robocorp's does.
            "robotkontor.json": (
                b'{"command": ["python", "-c", "import os, sys, rk_probe; '
                b"print(rk_probe.WHO); print('prefix', sys.prefix); "
                b"print('venv', os.environ['VIRTUAL_ENV'])\"]}"
            ),
        }
    )
    agent = agent_for(live_server.url)
    assert agent.run_once() is True
    job.refresh_from_db()
    log = log_of(aarhus, job)
    assert job.status == Job.Status.SUCCEEDED, log
    (virtualenv,) = [path for path in agent.cache_root.iterdir() if path.is_dir()]
    assert log == ["fra pakkens virtualenv", f"prefix {virtualenv}", f"venv {virtualenv}"]


def test_an_install_cut_short_is_built_again_not_used_half_done(
    aarhus, start_job, agent_for, live_server, tmp_path
):
    probe = wheel(tmp_path, "rk_probe", "WHO = 'installeret'\n")
    requirements = f"{probe}\n".encode()
    agent = agent_for(live_server.url)
    # What a runner killed during `pip install` leaves behind: the virtualenv exists, its
    # Python runs, the requirements are not in it.
    key = hashlib.sha256(requirements).hexdigest()[:16]
    venv.EnvBuilder(with_pip=False).create(agent.cache_root / f"venv-{key}")

    job = start_job(
        {"requirements.txt": requirements, "robot.py": b"import rk_probe\nprint(rk_probe.WHO)\n"}
    )
    assert agent.run_once() is True
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, log_of(aarhus, job)
    assert log_of(aarhus, job) == ["installeret"]


def test_a_line_longer_than_the_office_takes_arrives_in_numbered_parts(
    aarhus, start_job, agent_for, live_server
):
    job = start_job({"robot.py": b"print('a' * 10000 + 'b' * 10000 + 'c' * 5000)\nprint('slut')\n"})
    assert agent_for(live_server.url).run_once() is True
    job.refresh_from_db()
    log = log_of(aarhus, job)
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert log == ["a" * 10000, "b" * 10000, "c" * 5000, "slut"]


def test_heartbeats_go_on_while_the_package_installs(
    aarhus, start_job, agent_for, live_server, tmp_path, settings
):
    settings.ROBOTS_LEASE_SECONDS = 15  # heartbeats every 5 s; the install takes longer
    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "setup.py").write_text(
        "import time\ntime.sleep(25)\n"
        "from setuptools import setup\nsetup(name='rk-slow', version='1.0', py_modules=[])\n"
    )
    job = start_job({"requirements.txt": f"{slow}\n".encode(), "robot.py": b"print('klar')\n"})
    agent = agent_for(live_server.url)
    worker = threading.Thread(target=agent.run_once)
    worker.start()
    deadline = time.monotonic() + 60
    while Job.objects.get(pk=job.pk).status != Job.Status.RUNNING:
        assert time.monotonic() < deadline, "the job was never claimed"
        time.sleep(0.1)
    time.sleep(20)  # well past the 15 s lease, while pip still builds
    assert jobs.expire_leases() == {"requeued": 0, "failed": 0}
    worker.join(timeout=120)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, (job.message, log_of(aarhus, job))
    assert job.attempts == 1


def hang_up(connection: socket.socket) -> None:
    """Close a connection so that both ends notice at once: a bare close() leaves a thread
    blocked in recv() on it, and the peer waiting, for as long as the socket lives."""
    with contextlib.suppress(OSError):  # already gone
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()


class FlakyProxy:
    """A TCP proxy in front of the live server that can drop every connection and refuse
    new ones for a while: the office unreachable for a moment, as a network blip is."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return  # closed
            if self.down.is_set():
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.open += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass  # the other side was cut
        for end in (source, target):
            hang_up(end)

    def cut(self, seconds: float) -> None:
        self.down.set()
        with self.lock:
            for connection in self.open:
                hang_up(connection)
            self.open = []
        threading.Timer(seconds, self.down.clear).start()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def proxy(live_server):
    port = int(live_server.url.rsplit(":", 1)[1])
    flaky = FlakyProxy(port)
    yield flaky
    flaky.close()


def test_a_network_blip_does_not_fail_a_healthy_run(
    aarhus, start_job, agent_for, proxy, live_server
):
    # The robot writes a line every half second for 8 s and ends during a 25 s blip.
    job = start_job(
        {
            "robot.py": (
                b"import time\nfor n in range(16):\n    print('linje', n)\n    time.sleep(0.5)\n"
            )
        }
    )
    host = live_server.url.rsplit(":", 1)[0]  # the office's host name, by which it routes
    agent = agent_for(f"{host}:{proxy.port}")
    worker = threading.Thread(target=agent.run_once)
    worker.start()
    deadline = time.monotonic() + 60
    while not log_of(aarhus, job):
        assert time.monotonic() < deadline, "the robot's first line never arrived"
        time.sleep(0.1)
    proxy.cut(25)
    worker.join(timeout=120)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.attempts == 1
    assert log_of(aarhus, job) == [f"linje {n}" for n in range(16)]
