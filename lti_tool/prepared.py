"""The launch's own queries, built and compiled by the ORM once per database connection.

A launch of a teacher back on another day runs three statements, and building them (filters,
joins, `select_related`, the `Exists` of the module) cost more CPU than running them on
PostgreSQL (bench/launch.py, py-spy: a quarter of the launch's CPU was the ORM turning the same
querysets into the same SQL). Their shape never changes; only the values do. So each query here
is built once per connection with placeholder values, compiled by Django's own compiler, and
then run with each launch's values: the SQL and its parameters are exactly what the ORM sends,
rows become model instances the way Django's model iterator makes them (`select_related`
objects and annotations included, through Django's converters), and every statement goes
through the connection's cursor, so query counting and `assertNumQueries` see it.

A value is adapted for the database by the model field it is compared with or written to,
as the ORM does for a lookup or an update. The placeholders are values no launch sends
(negative ids, strings with control characters, a date in 1901): a constant of the query that
happened to equal one could not be told apart, so none does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models.query import get_related_populators
from django.db.models.sql import UpdateQuery

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
    instances), "exists" (a bool) or "update" (with `update`, the values to set: name ->
    value or placeholder name, run as `QuerySet.update`; returns the number of rows)."""

    def __init__(
        self,
        name: str,
        build: Callable[..., models.QuerySet],
        fields: dict[str, models.Field],
        *,
        kind: str = "rows",
        update: Callable[..., dict] | None = None,
    ):
        if kind not in ("rows", "exists", "update") or (kind == "update") != bool(update):
            raise ValueError(f"bad prepared query {name}")
        self.name = f"{name}-{next(_serial)}"
        self.build = build
        self.fields = fields
        self.kind = kind
        self.update = update

    def _compile(self, connection):
        placeholders = {
            name: _placeholder(field, n) for n, (name, field) in enumerate(self.fields.items(), 1)
        }
        queryset = self.build(**placeholders)
        if self.kind == "update":
            query = queryset.query.chain(UpdateQuery)
            query.add_update_values(self.update(**placeholders))
            query.clear_select_clause()
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
            fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
            prepared["converters"] = compiler.get_converters(fields)
        return prepared

    def _prepared(self, connection) -> dict:
        cache = connection.__dict__.setdefault(_ATTRIBUTE, {})
        prepared = cache.get(self.name)
        if prepared is None:
            prepared = cache[self.name] = self._compile(connection)
        return prepared

    def run(self, using: str = DEFAULT_DB_ALIAS, **values):
        if set(values) != set(self.fields):
            raise TypeError(f"prepared query {self.name} takes {sorted(self.fields)}")
        connection = connections[using]
        prepared = self._prepared(connection)
        params = [
            _adapt(self.fields[name], values[name], connection) if name else constant
            for name, constant in prepared["slots"]
        ]
        if self.kind == "update":
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

    @staticmethod
    def _instances(prepared: dict, rows, db: str) -> list:
        """Model instances from rows, as django.db.models.query.ModelIterable makes them."""
        compiler = prepared["compiler"]
        if prepared["converters"]:
            rows = compiler.apply_converters(rows, prepared["converters"])
        select, klass_info = compiler.select, compiler.klass_info
        model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, db)
        objects = []
        for row in rows:
            obj = model.from_db(db, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for attribute, position in compiler.annotation_col_map.items():
                setattr(obj, attribute, row[position])
            objects.append(obj)
        return objects
