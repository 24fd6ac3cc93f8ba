"""Many rows into one table without a model instance each: tuples straight to the driver.

bulk_create builds and prepares an instance per row (about 40 µs each, most of a roster
import's time); a bulk load knows its rows are already valid (the service checked them), so
it only needs primary keys up front and each value adapted the way Django would store it.
"""

from functools import lru_cache

from django.db import connection, models


def reserve_ids(model, n):
    """n new primary keys of `model`, for rows this transaction is about to insert: the
    sequence's next values on PostgreSQL (a rolled-back reservation leaves a gap, as any
    insert would); on SQLite, whose transactions begin IMMEDIATE here (settings) and so hold
    the write lock, the numbers above both the largest id and AUTOINCREMENT's high-water mark."""
    if n <= 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, pk, n])
            return [row[0] for row in cursor.fetchall()]
        q = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({q(pk)}) FROM {q(table)}")
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(top, row[0] if row else 0) + 1
    return list(range(start, start + n))


def _adapter(field):
    """How a Python value of `field` is handed to the driver (what get_db_prep_save does for
    the field types bulk loads use), or None where the value goes as it is."""
    if isinstance(field, models.DateTimeField):  # a batch's rows share their timestamp
        return lru_cache(maxsize=64)(connection.ops.adapt_datetimefield_value)
    # A date goes as it is: both drivers adapt it (Django registers SQLite's) to what
    # adapt_datefield_value gives, its ISO form.
    if isinstance(field, (models.JSONField, models.DecimalField, models.TimeField, models.UUIDField)):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def insert(model, names, rows):
    """INSERT `rows` (tuples of Python values in the order of the field `names`; a primary key
    given is one reserve_ids gave) into `model`'s table: COPY on PostgreSQL, executemany
    elsewhere. Nothing is validated here: the calling service has checked every row."""
    fields = [model._meta.get_field(name) for name in names]
    adapters = [(i, a) for i, a in enumerate(map(_adapter, fields)) if a is not None]
    if adapters:
        rows = (_adapted(row, adapters) for row in rows)
    q = connection.ops.quote_name
    table, columns = q(model._meta.db_table), ", ".join(q(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _adapted(row, adapters):
    row = list(row)
    for i, adapt in adapters:
        if row[i] is not None:
            row[i] = adapt(row[i])
    return row
