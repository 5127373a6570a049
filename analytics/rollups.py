"""Rollup tables kept by database triggers, so analytics reads thousands of rows, not millions.

Each rollup sums expressions of a source table's rows, grouped by key expressions. Triggers add a
row's contribution when it is inserted, subtract it when it is deleted, and do both on update, on
every write path (the ORM, raw SQL, bulk deletes). PostgreSQL runs one statement-level trigger
per statement over its transition table; SQLite, which has none, runs one per row.
"""

from dataclasses import dataclass

# {r} stands for the source row: the transition table's alias, or SQLite's NEW and OLD.
_DAY = {
    "postgresql": "(({r}.created_at AT TIME ZONE 'UTC')::date)",
    "sqlite": "date({r}.created_at)",
}


@dataclass(frozen=True)
class Rollup:
    table: str
    source: str
    keys: dict[str, str]
    sums: dict[str, str]
    where: str = "TRUE"

    @property
    def columns(self) -> list[str]:
        return [*self.keys, *self.sums]

    def _keys(self, vendor: str, row: str) -> list[str]:
        return [expr.replace("{day}", _DAY[vendor]).format(r=row) for expr in self.keys.values()]

    def aggregate(self, vendor: str, *, rows: str, sign: str = "1") -> str:
        """Return INSERT ... SELECT that adds `sign` times the grouped sums of `rows`."""
        keys = self._keys(vendor, "r")
        sums = [f"{sign} * SUM({expr.format(r='r')})" for expr in self.sums.values()]
        # Every name and expression comes from ROLLUPS below; no value is interpolated.
        return (
            f"INSERT INTO {self.table} ({', '.join(self.columns)}) "  # noqa: S608
            f"SELECT {', '.join(keys + sums)} FROM {rows} AS r "
            f"WHERE {self.where.format(r='r')} GROUP BY {', '.join(keys)}"
        )

    def upsert_clause(self) -> str:
        added = ", ".join(f"{name} = {self.table}.{name} + excluded.{name}" for name in self.sums)
        return f" ON CONFLICT ({', '.join(self.keys)}) DO UPDATE SET {added}"

    def sqlite_row_upsert(self, row: str, sign: str) -> str:
        values = self._keys("sqlite", row) + [
            f"{sign} * ({expr.format(r=row)})" for expr in self.sums.values()
        ]
        # SQLite needs a WHERE after INSERT ... SELECT to read the ON CONFLICT that follows.
        return (
            f"INSERT INTO {self.table} ({', '.join(self.columns)}) "
            f"SELECT {', '.join(values)} WHERE {self.where.format(r=row)}{self.upsert_clause()};"
        )


def _alive(value: str) -> str:
    return f"CASE WHEN {{r}}.deleted_at IS NULL THEN {value} ELSE 0 END"


def _when(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


ROLLUPS = [
    Rollup(
        table="analytics_file_day",
        source="file_index",
        keys={"content_type": "{r}.content_type", "day": "{day}"},
        sums={
            "files": _alive("1"),
            "bytes": _alive("{r}.file_size"),
            "deleted": _when("{r}.deleted_at IS NOT NULL"),
        },
    ),
    Rollup(
        table="analytics_search_day",
        source="search_event",
        keys={"day": "{day}", "user_id": "COALESCE({r}.user_id, 0)"},
        sums={
            "searches": "1",
            "cached": _when("{r}.cached"),
            "zero_results": _when("{r}.result_count = 0"),
        },
    ),
    Rollup(
        table="analytics_query_day",
        source="search_event",
        keys={
            "day": "{day}",
            "user_id": "COALESCE({r}.user_id, 0)",
            "normalized_query": "{r}.normalized_query",
        },
        sums={"searches": "1", "zero_results": _when("{r}.result_count = 0")},
        where="{r}.normalized_query <> ''",
    ),
]

# Each trigger: (name suffix, event, transition table or SQLite row, sign).
_POSTGRES_TRIGGERS = [
    ("insert", "INSERT", "NEW", "1"),
    ("delete", "DELETE", "OLD", "-1"),
    ("update_old", "UPDATE", "OLD", "-1"),
    ("update_new", "UPDATE", "NEW", "1"),
]


def _postgres_install(rollup: Rollup) -> list[str]:
    function = f"{rollup.table}_apply"
    body = rollup.aggregate("postgresql", rows="changed", sign="TG_ARGV[0]::int")
    statements = [
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{body}{rollup.upsert_clause()}; RETURN NULL; END $$"
    ]
    for suffix, event, table, sign in _POSTGRES_TRIGGERS:
        statements.append(
            f"CREATE TRIGGER {rollup.table}_{suffix} AFTER {event} ON {rollup.source} "
            f"REFERENCING {table} TABLE AS changed FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {function}('{sign}')"
        )
    return statements


# Each trigger: name suffix -> (event, [(row, sign), ...]).
_SQLITE_TRIGGERS = {
    "insert": ("INSERT", [("NEW", "1")]),
    "delete": ("DELETE", [("OLD", "-1")]),
    "update": ("UPDATE", [("OLD", "-1"), ("NEW", "1")]),
}


def _sqlite_install(rollup: Rollup) -> list[str]:
    return [
        f"CREATE TRIGGER {rollup.table}_{suffix} AFTER {event} ON {rollup.source} "
        f"FOR EACH ROW BEGIN "
        + " ".join(rollup.sqlite_row_upsert(row, sign) for row, sign in changes)
        + " END"
        for suffix, (event, changes) in _SQLITE_TRIGGERS.items()
    ]


def install(cursor, vendor: str) -> None:
    """Create the triggers, then count the rows that are already there."""
    for rollup in ROLLUPS:
        statements = (
            _postgres_install(rollup) if vendor == "postgresql" else _sqlite_install(rollup)
        )
        for statement in statements:
            cursor.execute(statement)
        cursor.execute(rollup.aggregate(vendor, rows=rollup.source))


def trigger_names(vendor: str) -> set[str]:
    """Return the names of the triggers `install` creates."""
    suffixes = [s for s, *_ in _POSTGRES_TRIGGERS] if vendor == "postgresql" else _SQLITE_TRIGGERS
    return {f"{rollup.table}_{suffix}" for rollup in ROLLUPS for suffix in suffixes}


def installed_triggers(cursor, vendor: str) -> set[str]:
    if vendor == "postgresql":
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {name for (name,) in cursor.fetchall()}


def uninstall(cursor, vendor: str) -> None:
    for rollup in ROLLUPS:
        if vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {rollup.table}_apply() CASCADE")
        else:
            for suffix in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {rollup.table}_{suffix}")
        cursor.execute(f"DELETE FROM {rollup.table}")  # noqa: S608  (a name from ROLLUPS)
