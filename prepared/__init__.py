"""Hot queries of fixed shape, built and compiled by the ORM once per database connection.

Used by the paths teachers hit most: the launch (lti_tool/services.py), the module page's
placement (courses/page_queries.py), the mastery check (mastery/) and, through `insert_columns` /
`insert_params`, the lesson view's upsert (courses/progress.py). A launch of a teacher back
on another day runs three statements, and building them (filters, joins, `select_related`, the
`Exists` of the module) cost more CPU than running them on PostgreSQL (bench/launch.py, py-spy:
a quarter of the launch's CPU was the ORM turning the same querysets into the same SQL); an ORM
select costs about 0.5 ms of CPU to build, against 0.1 ms to run on PostgreSQL. Their shape
never changes (or only with a version, below); only the values do. This package imports nothing
of the apps (the bottom layer in .importlinter). So each query here is built once per connection
with placeholder values, compiled by Django's own compiler, and then run with each launch's
values: the SQL and its parameters are exactly what the ORM sends, rows become model instances
the way Django's model iterator makes them (`select_related` objects and annotations included,
through Django's converters), and every statement goes through the connection's cursor, so query
counting and `assertNumQueries` see it.

A value is adapted for the database by the model field it is compared with or written to,
as the ORM does for a lookup or an update. The placeholders are values no launch sends
(negative ids, strings with control characters, a date in 1901): a constant of the query that
happened to equal one could not be told apart, so none does.

A query whose shape depends on what other apps registered at start-up (the module page's
placement query carries a flag per app that registered one: courses/pages.py) takes a
`version`, a callable returning a hashable value that changes when the shape does. The query
is kept per connection with the version it was compiled for, and compiled again when the
version differs; versions change at start-up (and in tests), so one compiled shape per
connection is kept, never one per version seen.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import nullcontext
from datetime import UTC, datetime
from functools import lru_cache
from itertools import count

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models.query import get_related_populators
from django.db.models.sql import DeleteQuery, UpdateQuery

_ATTRIBUTE = "_ignite_prepared"
_serial = count(1)


def _placeholder(field: models.Field, n: int):
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.DateTimeField):
        return datetime(1901, 1, 1, 0, 0, n % 60, n, tzinfo=UTC)
    if isinstance(target, models.IntegerField | models.AutoField):
        return -917_400 - n
    if isinstance(target, models.CharField | models.TextField):
        return f"\x1fignite-prepared-{n}\x1f"
    raise TypeError(f"no placeholder for {field!r}")


def _adapt(field: models.Field, value, connection):
    # What a lookup (`field=value`) or an update (`field=value`) sends: prepared, then adapted.
    return field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)


class Prepared:
    """One query of fixed shape. `build(**placeholders)` returns the QuerySet; `fields` names,
    for each value, the model field it is compared with or written to. `kind` is "rows" (model
    instances), "exists" (a bool), "update" (with `update`, the values to set: name ->
    value or placeholder name, run as `QuerySet.update`; returns the number of rows) or
    "delete" (the rows, deleted as one statement; returns their number: only for a model that
    no foreign key points to and no delete signal listens to, whose `QuerySet.delete` is that
    one statement too). `version` (optional): a callable whose value names the shape that
    `build` gives now, for a query whose shape follows registrations (see the module's
    docstring); it is called on every run, so it must be cheap."""

    def __init__(
        self,
        name: str,
        build: Callable[..., models.QuerySet],
        fields: dict[str, models.Field],
        *,
        kind: str = "rows",
        update: Callable[..., dict] | None = None,
        version: Callable[[], Hashable] | None = None,
    ):
        if kind not in ("rows", "exists", "update", "delete") or (kind == "update") != bool(update):
            raise ValueError(f"bad prepared query {name}")
        self.name = f"{name}-{next(_serial)}"
        self.build = build
        self.fields = fields
        self.kind = kind
        self.update = update
        self.version = version

    def _compile(self, connection):
        placeholders = {
            name: _placeholder(field, n) for n, (name, field) in enumerate(self.fields.items(), 1)
        }
        queryset = self.build(**placeholders)
        if self.kind == "update":
            query = queryset.query.chain(UpdateQuery)
            query.add_update_values(self.update(**placeholders))
            query.clear_select_clause()
        elif self.kind == "delete":
            model = queryset.model
            if model._meta.related_objects:
                raise ValueError(f"prepared query {self.name}: {model.__name__} cascades")
            if any(
                signal.has_listeners(model)
                for signal in (models.signals.pre_delete, models.signals.post_delete)
            ):
                # QuerySet.delete would send them per row; one DELETE statement cannot.
                raise ValueError(f"prepared query {self.name}: {model.__name__} has delete signals")
            query = queryset.query.chain(DeleteQuery)
        elif self.kind == "exists":
            query = queryset.query.exists()
        else:
            query = queryset.query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        adapted = {
            _adapt(self.fields[name], value, connection): name
            for name, value in placeholders.items()
        }
        slots = []
        for param in params:
            try:
                slots.append((adapted[param], None) if param in adapted else (None, param))
            except TypeError:  # an unhashable constant
                slots.append((None, param))
        found = {name for name, _ in slots if name}
        if found != set(self.fields):
            # A value the ORM folded into the SQL text, or adapted otherwise: never guess.
            raise RuntimeError(f"prepared query {self.name}: placeholders {found} in its SQL")
        prepared = {"compiler": compiler, "sql": sql, "slots": slots}
        if self.kind == "rows":
            # What the model iterator works out per queryset, worked out once: the converters,
            # the model's columns, the select_related populators, the annotation columns.
            select, klass_info = compiler.select, compiler.klass_info
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            prepared |= {
                "converters": compiler.get_converters(
                    [column[0] for column in select[0 : compiler.col_count]]
                ),
                "model": klass_info["model"],
                "columns": (start, end),
                "names": [column[0].target.attname for column in select[start:end]],
                "populators": get_related_populators(klass_info, select, connection.alias),
                "annotations": list(compiler.annotation_col_map.items()),
            }
        return prepared

    def _prepared(self, connection) -> dict:
        cache = connection.__dict__.setdefault(_ATTRIBUTE, {})
        prepared = cache.get(self.name)
        if self.version is None:
            if prepared is None:
                prepared = cache[self.name] = self._compile(connection)
            return prepared
        version = self.version()
        if prepared is None or prepared["version"] != version:
            prepared = cache[self.name] = self._compile(connection) | {"version": version}
        return prepared

    def run(self, using: str = DEFAULT_DB_ALIAS, **values):
        connection = connections[using]
        prepared = self._prepared(connection)
        params = self._params(prepared, values, connection)
        if self.kind in ("update", "delete"):
            with transaction.mark_for_rollback_on_error(using=using):
                with connection.cursor() as cursor:
                    cursor.execute(prepared["sql"], params)
                    return cursor.rowcount
        with connection.cursor() as cursor:
            cursor.execute(prepared["sql"], params)
            rows = cursor.fetchall()
        if self.kind == "exists":
            return bool(rows)
        return self._instances(prepared, rows, connection.alias)

    def statement(self, using: str = DEFAULT_DB_ALIAS, **values) -> tuple[str, list]:
        """The SQL and parameters `run` would send with these values, to be sent as part of a
        larger statement (e.g. a WITH of several writes; mastery/grades.py)."""
        connection = connections[using]
        prepared = self._prepared(connection)
        return prepared["sql"], self._params(prepared, values, connection)

    def _params(self, prepared: dict, values: dict, connection) -> list:
        if values.keys() != self.fields.keys():
            raise TypeError(f"prepared query {self.name} takes {sorted(self.fields)}")
        return [
            _adapt(self.fields[name], values[name], connection) if name else constant
            for name, constant in prepared["slots"]
        ]

    @staticmethod
    def _instances(prepared: dict, rows, db: str) -> list:
        """Model instances from rows, as django.db.models.query.ModelIterable makes them."""
        if prepared["converters"]:
            rows = prepared["compiler"].apply_converters(rows, prepared["converters"])
        model, names, populators = prepared["model"], prepared["names"], prepared["populators"]
        start, end = prepared["columns"]
        objects = []
        for row in rows:
            obj = model.from_db(db, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for attribute, position in prepared["annotations"]:
                setattr(obj, attribute, row[position])
            objects.append(obj)
        return objects


def run_together(*queries: tuple[Prepared, dict], using: str = DEFAULT_DB_ALIAS) -> list:
    """Several "rows" queries of at most one row each (`[:1]`), in one statement: one round
    trip instead of one per query. Each query's SQL is exactly its own, as a subquery:

        SELECT * FROM (SELECT 1) AS base LEFT JOIN (<query 1>) AS q1 ON 1=1 LEFT JOIN ...

    so the row holds each query's columns in turn, all NULL where a query found nothing.
    Returns, per query, its instance or None."""
    return _together(None, queries, using)[1]


def run_together_after(
    write: tuple[Prepared, dict], *queries: tuple[Prepared, dict], using: str = DEFAULT_DB_ALIAS
) -> tuple[int | None, list]:
    """A prepared "update" whose values do not depend on what the queries read, then the
    queries as `run_together`, in one statement on PostgreSQL (the update in a WITH): one
    round trip and one transaction. Returns the number of rows the update changed and, per
    query, its instance or None. The read does not see the update's changes (one snapshot),
    so the queries must not read its table.

    Where an update cannot be part of a read (SQLite: no UPDATE in a WITH), only the read runs
    and the number is None: the caller runs its update as it would have without this (so it
    can skip it when the read says there is nothing to update)."""
    prepared_write, _values = write
    if prepared_write.kind != "update":
        raise ValueError(f"{prepared_write.name}: only an update runs before a read")
    if connections[using].vendor != "postgresql":
        return None, run_together(*queries, using=using)
    return _together(write, queries, using)


def _together(write, queries, using: str) -> tuple[int, list]:
    connection = connections[using]
    for prepared_query, _values in queries:
        if prepared_query.kind != "rows":
            raise ValueError(f"{prepared_query.name}: only row queries run together")
    parts = [(query, query._prepared(connection)) for query, _ in queries]
    for query, prepared in parts:
        if prepared["compiler"].query.high_mark != 1:
            raise ValueError(f"{query.name}: only queries of at most one row ([:1]) run together")
    # A versioned query's SQL follows its version: so does the joined statement's.
    key = ("together", *((query.name, prepared.get("version")) for query, prepared in parts))
    params = []
    if write is not None:
        key = (*key, ("after", write[0].name))
        write_sql, params = write[0].statement(using=using, **write[1])
    cache = connection.__dict__.setdefault(_ATTRIBUTE, {})
    sql = cache.get(key)
    if sql is None:
        joined = " ".join(
            f"LEFT JOIN ({prepared['sql']}) AS ignite_q{n} ON 1=1"
            for n, (_, prepared) in enumerate(parts)
        )
        # Only ORM-compiled SQL is joined; every value stays a parameter.
        sql = f"* FROM (SELECT 1 AS ignite_base) AS ignite_base {joined}"
        if write is None:
            sql = f"SELECT {sql}"
        else:  # the rows the update changed, counted in the first column
            sql = (
                f"WITH ignite_write AS ({write_sql} RETURNING 1) "  # noqa: S608
                f"SELECT (SELECT count(*) FROM ignite_write) AS ignite_written, {sql}"
            )
        cache[key] = sql
    for (query, prepared), (_, values) in zip(parts, queries, strict=True):
        params += query._params(prepared, values, connection)
    # An update that fails marks the caller's transaction for rollback, as Django's own does.
    with nullcontext() if write is None else transaction.mark_for_rollback_on_error(using=using):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            (row,) = cursor.fetchall()
    written, position = (0, 1) if write is None else (row[0], 2)
    found = []
    for _query, prepared in parts:
        width = prepared["compiler"].col_count
        part = tuple(row[position : position + width])
        position += width
        start = prepared["columns"][0]
        pk = prepared["names"].index(prepared["model"]._meta.pk.attname)
        if part[start + pk] is None:  # the LEFT JOIN found no row
            found.append(None)
        else:
            found.append(Prepared._instances(prepared, [part], connection.alias)[0])
    if position != len(row):
        raise RuntimeError(f"{key}: {len(row)} columns, expected {position}")
    return written, found


def update_statement(
    queryset: models.QuerySet, values: dict, using: str = DEFAULT_DB_ALIAS
) -> tuple[str, list]:
    """The SQL and parameters of `queryset.update(**values)`, built by the ORM but not sent: for
    an update whose values have no placeholder here (JSON, decimals, booleans) that is sent as
    part of a larger statement. Only a plain UPDATE of one table."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    query.annotations = {}
    if query.related_updates:  # a parent model's fields (multi-table inheritance): not one table
        raise ValueError("update_statement: only fields of the queryset's own table")
    sql, params = query.get_compiler(using=using).as_sql()
    return sql, list(params)


def _cast_type(field: models.Field, connection) -> str:
    # A character column's type without its length: an explicit CAST to varchar(n) would cut a
    # longer value silently, where the insert's own assignment refuses it, as the ORM's does.
    cast = field.cast_db_type(connection)
    if cast.startswith("varchar("):
        return connection.ops.cast_char_field_without_max_length
    return cast


def insert_params(
    instance: models.Model, *, skip: tuple[str, ...] = (), using: str = DEFAULT_DB_ALIAS
) -> list:
    """The parameters of an INSERT of `instance` (an unsaved model instance, its defaults set),
    in the order of `insert_columns`, as the ORM would send them (each field's `pre_save`, so
    `auto_now` too, then its value for the database)."""
    connection = connections[using]
    fields, _names, _values = _insert_shape(type(instance), skip, using, connection.vendor)
    return [f.get_db_prep_save(f.pre_save(instance, True), connection=connection) for f in fields]


def insert_columns(
    model: type[models.Model], *, skip: tuple[str, ...] = (), using: str = DEFAULT_DB_ALIAS
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The quoted column names and typed placeholders of an INSERT of `model`, for a statement
    built once and run with each instance's `insert_params`; fields named in `skip` are left
    to the caller (e.g. a foreign key taken from another part of a WITH). Each placeholder is
    typed: an untyped parameter in a SELECT list is text, which a NULL date, say, refuses;
    character values are typed without their length, so a value too long for its column is
    refused, not cut."""
    _fields, names, values = _insert_shape(model, skip, using, connections[using].vendor)
    return names, values


@lru_cache(maxsize=64)
def _insert_shape(model, skip: tuple[str, ...], using: str, vendor: str):
    """The fields, quoted column names and typed placeholders of an INSERT of `model`: fixed
    while the process runs, so worked out once (two thirds of the CPU of working them out per insert)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = tuple(
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in skip and f.attname not in skip
    )
    names = tuple(quote(f.column) for f in fields)
    values = tuple(f"CAST(%s AS {_cast_type(f, connection)})" for f in fields)
    return fields, names, values
