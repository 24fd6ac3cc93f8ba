"""Writing demo rows in bulk: primary keys assigned up front (so rows can point at each other
before they are inserted), inserted per model, and PostgreSQL's sequences moved past them."""

from django.db import connection
from django.db.models import Max


class Keys:
    def __init__(self, *models):
        self.next = {m: (m.objects.aggregate(m=Max("pk"))["m"] or 0) + 1 for m in models}

    def __call__(self, model):
        pk = self.next[model]
        self.next[model] += 1
        return pk


class Batch:
    """Rows of several models gathered with `add` and inserted, in the models' order, by `flush`."""

    def __init__(self, *models):
        self.key = Keys(*models)
        self.rows = {m: [] for m in models}

    def add(self, obj):
        obj.pk = self.key(type(obj))
        self.rows[type(obj)].append(obj)
        return obj

    def flush(self):
        for model, made in self.rows.items():
            model.objects.bulk_create(made, batch_size=2000)
            made.clear()


def reset_sequences(*models):
    """Primary keys were assigned here; move PostgreSQL's sequences past them."""
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
