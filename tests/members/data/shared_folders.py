"""Folders the test process and a real worker share: a module that starts the worker imports
these two autouse fixtures, so the worker (started after them) reads and writes the member's
files and exports where the test (and its live server) do."""

import os

import pytest

FOLDERS = {"MEDIA_ROOT": "media", "MEMBER_EXPORT_ROOT": "member-exports"}


@pytest.fixture(scope="module", autouse=True)
def shared_folders(tmp_path_factory):
    """Files and archives in folders the worker (started after this) and the test share."""
    root = tmp_path_factory.mktemp("shared")
    saved = {name: os.environ.get(name) for name in FOLDERS}
    os.environ.update({name: str(root / folder) for name, folder in FOLDERS.items()})
    yield root
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _same_folders(shared_folders, settings):
    for name, folder in FOLDERS.items():
        setattr(settings, name, shared_folders / folder)
