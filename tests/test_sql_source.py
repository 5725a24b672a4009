"""Each database function and trigger has one source: a ``.sql`` file in its app's ``sql/``.

A migration runs a frozen copy of what the file said when the migration was written (never
the live file, which changes later). These tests hold the two together, and the database to
both:

- for every object a file creates, the latest migration that touches it creates it with the
  same statement (whitespace aside, and ``CREATE`` the same as ``CREATE OR REPLACE``);
- every function and trigger the migrations leave in place, and every one in the migrated
  database, is in some file;
- the database's functions and triggers are the files' (``pg_get_functiondef``,
  ``pg_get_triggerdef``);
- the status and kind values the files compare with are the Python enums' values, and the
  tables they read and write are models' tables.

To change a function or trigger: edit its file, then add a migration that freezes a copy of
the changed statements (docs/database.md shows the pattern). Forgetting the migration fails
``test_each_file_is_the_latest_migrations_copy``.
"""

import difflib
import re
from collections import defaultdict
from pathlib import Path

import pytest
import sqlparse
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunSQL, SeparateDatabaseAndState

from billing.models import Period, UsageEntry
from robots.models import Deployment, Job

pytestmark = pytest.mark.integration

BASE_DIR = Path(settings.BASE_DIR)

# What a source file may hold: objects with a body or a definition of their own.
KINDS = "FUNCTION|PROCEDURE|TRIGGER|RULE|VIEW"
_CREATE = re.compile(
    rf"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?({KINDS})\s+(?:public\.)?(\w+)", re.I
)
_ALTER_OR_DROP = re.compile(
    rf"^(ALTER|DROP)\s+({KINDS})\s+(?:IF\s+EXISTS\s+)?(?:public\.)?(\w+)", re.I
)

# Functions in the database that are not the project's own.
FOREIGN_FUNCTIONS = {
    # django-tenants' schema cloning and its helpers, installed by ``manage.py migrate_all``
    # (tenants/schemas.py), not by a migration.
    "clone_schema",
    "get_insert_stmt_ddl",
    "pg_get_coldef",
    "pg_get_tabledef",
}

# Every value a file compares a ``status`` or ``kind`` column with, pinned to the enum member
# it stands for. A new literal in a file fails ``test_status_and_kind_values_are_the_enums``
# until it is added here.
PINNED_VALUES = {
    "robots/sql/claim_job.sql": {
        "queued": Job.Status.QUEUED,
        "running": Job.Status.RUNNING,
        "active": Deployment.Status.ACTIVE,
    },
    "billing/sql/immutable_periods.sql": {
        "closed": Period.Status.CLOSED,
        "exported": Period.Status.EXPORTED,
    },
    "billing/sql/final_invoices.sql": {
        "closed": Period.Status.CLOSED,
        "exported": Period.Status.EXPORTED,
    },
    "billing/sql/usage_totals.sql": {
        "runtime": UsageEntry.Kind.RUNTIME,
        "work_items": UsageEntry.Kind.WORK_ITEMS,
    },
}
_TRIGGER_TABLE = re.compile(r"(\bON\s+)(?:public\.)?(\w+)")
_ENUM_COMPARISON = re.compile(
    r"\b(?:status|kind)\s*(?:=|<>|!=|\bNOT\s+IN\b|\bIN\b)\s*\(?\s*('[^']*'(?:\s*,\s*'[^']*')*)",
    re.I,
)


# --- reading SQL ----------------------------------------------------------------------------


def statements(sql: str) -> list[str]:
    """The statements of a script, without the comments between them (those inside a
    function's body are part of it and stay)."""
    parts = (sqlparse.format(part, strip_comments=True).strip() for part in sqlparse.split(sql))
    return [part for part in parts if part]


def normalized(statement: str) -> str:
    """A statement as compared: whitespace runs as one space, none around ``( ) , ;``, no
    final semicolon, ``CREATE OR REPLACE`` as ``CREATE``."""
    text = re.sub(r"\s+", " ", statement).strip()
    text = re.sub(r" ?([(),;]) ?", r"\1", text).rstrip(";")
    return re.sub(r"^CREATE OR REPLACE ", "CREATE ", text, flags=re.I)


def object_of(statement: str) -> tuple[str, tuple[str, str]] | None:
    """``(action, (kind, name))`` of a statement that creates, alters or drops a function,
    procedure, trigger, rule or view; None for any other statement."""
    if match := _CREATE.match(statement):
        return "CREATE", (match[1].upper(), match[2])
    if match := _ALTER_OR_DROP.match(statement):
        return match[1].upper(), (match[2].upper(), match[3])
    return None


def diff(before: str, after: str, before_name: str, after_name: str) -> str:
    lines = difflib.unified_diff(
        before.strip().splitlines(),
        after.strip().splitlines(),
        before_name,
        after_name,
        lineterm="",
    )
    return "\n".join(lines)


def _project_apps():
    return [
        app
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(BASE_DIR)
        and not Path(app.path).is_relative_to(BASE_DIR / ".venv")
    ]


def sql_files() -> list[Path]:
    return sorted(path for app in _project_apps() for path in Path(app.path).glob("sql/*.sql"))


def name_of(path: Path) -> str:
    return path.relative_to(BASE_DIR).as_posix()


def file_objects(path: Path) -> dict[tuple[str, str], str]:
    """What a source file creates: (kind, name) → its statement."""
    created = {}
    for statement in statements(path.read_text()):
        action, key = object_of(statement) or (None, None)
        assert action == "CREATE", (
            f"{name_of(path)} may only create functions, procedures, triggers, rules and views;"
            f" this belongs in a migration:\n{statement[:200]}"
        )
        assert key not in created, f"{name_of(path)} creates {key} twice"
        created[key] = statement
    return created


def _forward_sql(operations):
    for operation in operations:
        if isinstance(operation, SeparateDatabaseAndState):
            yield from _forward_sql(operation.database_operations)
        elif isinstance(operation, RunSQL) and operation.sql != RunSQL.noop:
            if isinstance(operation.sql, str):
                yield operation.sql
            else:
                for sql in operation.sql:
                    yield sql if isinstance(sql, str) else sql[0]


def migration_history() -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(kind, name) → [(migration, action, statement)], in the order ``migrate`` runs the
    project's migrations."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    project = {app.label for app in _project_apps()}
    plan = []
    for leaf in sorted(loader.graph.leaf_nodes()):
        plan += [node for node in loader.graph.forwards_plan(leaf) if node not in plan]
    history = defaultdict(list)
    for app_label, name in plan:
        if app_label not in project:
            continue
        migration = loader.graph.nodes[app_label, name]
        for sql in _forward_sql(migration.operations):
            for statement in statements(sql):
                if found := object_of(statement):
                    action, key = found
                    history[key].append((f"{app_label} {name}", action, statement))
    return history


SQL_FILES = sql_files()
HISTORY = migration_history()


def all_file_objects() -> dict[tuple[str, str], tuple[Path, str]]:
    objects = {}
    for path in SQL_FILES:
        for key, statement in file_objects(path).items():
            assert key not in objects, f"{key} is in {name_of(objects[key][0])} and {name_of(path)}"
            objects[key] = (path, statement)
    return objects


# --- the files and the migrations -----------------------------------------------------------


def test_the_pinned_files_exist():
    assert {name_of(path) for path in SQL_FILES} >= set(PINNED_VALUES)


@pytest.mark.parametrize("path", SQL_FILES, ids=name_of)
def test_each_file_is_the_latest_migrations_copy(path):
    for (kind, name), statement in file_objects(path).items():
        steps = HISTORY.get((kind, name))
        assert steps, f"{name_of(path)}: no migration creates {kind} {name}"
        migration, action, frozen = steps[-1]
        assert action == "CREATE", (
            f"{name_of(path)}: the last migration touching {kind} {name} ({migration}) does"
            f" {action} it. Fold the change into the file and freeze the file's statement in"
            f" a new migration, or remove the object from the file (docs/database.md)."
        )
        assert normalized(frozen) == normalized(statement), (
            f"{kind} {name} in {name_of(path)} is not what the latest migration that creates"
            f" it ({migration}) runs. Add a migration freezing a copy of the file's statement"
            " (docs/database.md, 'How to change a function or trigger').\n"
            + diff(frozen, statement, f"{migration} (frozen copy)", name_of(path))
        )


def test_every_function_and_trigger_the_migrations_leave_has_a_file():
    in_files = set(all_file_objects())
    left = {key for key, steps in HISTORY.items() if steps[-1][1] != "DROP"}
    assert left - in_files == set(), "created by migrations but in no sql/*.sql file"


# --- the enums and the tables ---------------------------------------------------------------


def compared_values(sql: str) -> set[str]:
    """The string literals a script compares ``status`` and ``kind`` columns with."""
    values = set()
    for listed in _ENUM_COMPARISON.findall(sql):
        values |= set(re.findall(r"'([^']*)'", listed))
    return values


def test_compared_values_are_found():
    sql = "WHERE r.status = 'running' AND kind IN ('runtime', 'work_items') AND x = 'no'"
    assert compared_values(sql) == {"running", "runtime", "work_items"}


@pytest.mark.parametrize("path", SQL_FILES, ids=name_of)
def test_status_and_kind_values_are_the_enums(path):
    pinned = PINNED_VALUES.get(name_of(path), {})
    found = compared_values(" ".join(statements(path.read_text())))
    assert found <= set(pinned), f"pin these values in PINNED_VALUES: {found - set(pinned)}"
    enums = {value: str(member) for value, member in pinned.items()}
    assert enums == {value: value for value in pinned}, "the enums' values changed"
    assert set(pinned) <= found, "pinned values the file no longer uses"


def referenced_tables(statement: str) -> set[str]:
    """Lower-case names read or written after FROM, JOIN, UPDATE, INSERT INTO, ON (a
    trigger's table) and before %ROWTYPE, less the transition tables triggers declare.
    Comments are left out; SQL keywords are written in upper case."""
    code = re.sub(r"--[^\n]*", "", statement)
    names = set(
        re.findall(
            r"\b(?:FROM|JOIN|UPDATE|INSERT INTO|ON)\s+(?:public\.)?([a-z_]\w*)\b(?![.(])", code
        )
    )
    names |= set(re.findall(r"\b([a-z_]\w*)%ROWTYPE", code))
    return names - set(re.findall(r"\bTABLE AS (\w+)", code))


def test_referenced_tables_are_found():
    sql = (
        "SELECT FROM robots_job r JOIN catalog_robot c ON c.id = r.id, unnest(x)"
        " WHERE r.id IN (SELECT id FROM new_rows) -- FROM not_a_table\n"
        "CREATE TRIGGER t AFTER INSERT ON public.billing_x REFERENCING NEW TABLE AS new_rows"
    )
    assert referenced_tables(sql) == {"robots_job", "catalog_robot", "billing_x"}


@pytest.mark.parametrize("path", SQL_FILES, ids=name_of)
def test_tables_are_models_tables(path):
    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    used = referenced_tables(" ;\n".join(file_objects(path).values()))
    assert used, "no tables found: is the pattern in referenced_tables still right?"
    assert used - tables == set(), "not the db_table of any model"


# --- the database ---------------------------------------------------------------------------


def _rows(sql: str, params=None) -> list[tuple]:
    """The rows a query returns (no parameters: a function body's ``%`` stays as it is)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


@pytest.mark.django_db
def test_the_database_runs_the_files_functions():
    """Each file's function, created in a scratch schema, is defined exactly as the migrated
    one: arguments, result, language, volatility, settings and body (whitespace aside)."""
    functions = {
        name: (path, statement)
        for (kind, name), (path, statement) in all_file_objects().items()
        if kind in {"FUNCTION", "PROCEDURE"}
    }
    assert functions
    _rows("CREATE SCHEMA sql_source_check")
    for name, (path, statement) in functions.items():
        _rows(
            re.sub(
                rf"((?:FUNCTION|PROCEDURE)\s+)(?:public\.)?{name}\b",
                rf"\1sql_source_check.{name}",
                statement,
                count=1,
                flags=re.I,
            )
        )
        [(installed, from_file)] = _rows(
            "SELECT pg_get_functiondef(live.oid), pg_get_functiondef(checked.oid)"
            " FROM pg_proc live, pg_proc checked"
            " WHERE live.pronamespace = 'public'::regnamespace AND live.proname = %s"
            " AND checked.pronamespace = 'sql_source_check'::regnamespace"
            " AND checked.proname = %s",
            [name, name],
        )
        from_file = from_file.replace("sql_source_check.", "public.", 1)
        assert normalized(installed) == normalized(from_file), (
            f"{name}: the migrated database's definition is not {name_of(path)}'s\n"
            + diff(installed, from_file, "database", name_of(path))
        )


@pytest.mark.django_db
def test_the_database_runs_the_files_triggers():
    """Each file's trigger, created on a scratch copy of its table, is defined exactly as the
    migrated one: timing, events, level, transition tables, condition and function."""
    triggers = {
        name: statement
        for (kind, name), (_, statement) in all_file_objects().items()
        if kind == "TRIGGER"
    }
    installed = dict(
        _rows("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal")
    )
    assert set(installed) == set(triggers), "triggers in the database and in the files"
    _rows("CREATE SCHEMA sql_source_check")
    for name, statement in triggers.items():
        table = _TRIGGER_TABLE.search(statement)[2]
        _rows(f"CREATE TABLE IF NOT EXISTS sql_source_check.{table} (LIKE public.{table})")
        _rows(_TRIGGER_TABLE.sub(rf"\1sql_source_check.{table}", statement, count=1))
        [(from_file,)] = _rows(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger"
            " WHERE tgrelid = %s::regclass AND tgname = %s",
            [f"sql_source_check.{table}", name],
        )
        from_file = from_file.replace("sql_source_check.", "public.")
        assert installed[name] == from_file, (
            f"{name}: database\n{installed[name]}\nfile\n{from_file}"
        )


@pytest.mark.django_db
def test_every_function_in_the_database_is_in_a_file():
    """The project's functions in every schema (not an extension's, nor PostgreSQL's)."""
    installed = {
        name
        for (name,) in _rows(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND n.nspname NOT LIKE 'pg\\_%'"
            " AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass"
            " AND d.objid = p.oid AND d.deptype = 'e')"
        )
    }
    in_files = {name for kind, name in all_file_objects() if kind in {"FUNCTION", "PROCEDURE"}}
    assert installed - FOREIGN_FUNCTIONS == in_files


@pytest.mark.django_db
def test_every_view_and_rule_in_the_database_is_in_a_file():
    system = "('pg_catalog', 'information_schema')"
    installed = {
        ("VIEW", name)
        for (name,) in _rows(f"SELECT viewname FROM pg_views WHERE schemaname NOT IN {system}")
    } | {
        ("RULE", name)
        for (name,) in _rows(f"SELECT rulename FROM pg_rules WHERE schemaname NOT IN {system}")
    }
    in_files = {key for key in all_file_objects() if key[0] in {"VIEW", "RULE"}}
    assert installed == in_files
