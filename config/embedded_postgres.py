"""The embedded PostgreSQL used when DATABASE_URL is unset (a newcomer's laptop, CI's first run).

It is a real PostgreSQL server from the ``pgserver`` package, with its data under
``.robotkontor/pgdata`` in the checkout so it is reused next time. The server keeps running
while any process holding a handle lives, and stops when the last one exits.
"""

import logging
import os
import warnings
from pathlib import Path

DATABASE_NAME = "robotkontor"


def data_dir(base_dir: Path) -> Path:
    return base_dir / ".robotkontor" / "pgdata"


def database_url(base_dir: Path) -> str:
    """Start (or attach to) the embedded server and return a URL for the app database."""
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(base_dir / ".robotkontor"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    pgdata = data_dir(base_dir)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server.get_uri(DATABASE_NAME)
