"""platform/gunicorn.conf.py holds the values platform/README.md ("Web workers") documents,
and gunicorn reads them as such."""

import runpy
from pathlib import Path

import pytest
from gunicorn.config import Config

CONFIG = Path(__file__).resolve().parent.parent / "platform" / "gunicorn.conf.py"


def load(monkeypatch, **environment) -> Config:
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_MAX_REQUESTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = Config()
    for name, value in runpy.run_path(str(CONFIG)).items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_workers_are_forked_from_a_preloaded_app_and_recycled_far_apart(monkeypatch):
    config = load(monkeypatch)
    assert config.preload_app is True
    assert config.max_requests == 20000
    assert config.max_requests_jitter == 10000
    # The documented hooks are gunicorn's, not stray names.
    assert config.pre_fork.__module__ != "gunicorn.config"
    assert config.when_ready.__module__ != "gunicorn.config"


@pytest.mark.parametrize(("limit", "jitter"), [("0", 0), ("5000", 2500)])
def test_recycling_follows_the_environment_and_the_jitter_stays_proportionate(
    monkeypatch, limit, jitter
):
    config = load(monkeypatch, GUNICORN_MAX_REQUESTS=limit)
    assert config.max_requests == int(limit)
    assert config.max_requests_jitter == jitter
