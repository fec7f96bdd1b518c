"""Rows of several models inserted in one round trip, for the paths whose
statements are counted (a checkout writes its order, lines and audit trail at
once). On PostgreSQL the batches are data-modifying CTEs of one statement:
foreign keys are checked at the statement's end, so a batch may reference rows
of another. Elsewhere each batch is a bulk_create of its own."""

from django.db import connections, router
from django.db.models import AutoField, Model
from django.db.models.sql import InsertQuery


def _compiler(model: type[Model], objs: list[Model], using: str):
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.generated]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert_together")
        if obj.pk is None:
            obj.pk = opts.pk.get_pk_value_on_save(obj)
    if any(obj.pk is None for obj in objs):  # a key the database makes (an AutoField)
        fields = [f for f in fields if not isinstance(f, AutoField)]
    query = InsertQuery(model)
    query.insert_values(fields, objs)
    return query.get_compiler(using=using)


def insert_together(*batches: tuple[type[Model], list[Model]]) -> None:
    """Insert each batch (a model and its unsaved instances), in one statement on
    PostgreSQL. Keys the database makes are set on the last batch's instances,
    as bulk_create sets them; give it the rows whose keys are needed next."""
    batches = tuple((model, objs) for model, objs in batches if objs)
    if not batches:
        return
    model, objs = batches[-1]
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        for batch_model, batch_objs in batches:
            batch_model.objects.using(using).bulk_create(batch_objs)
        return
    ctes, params = [], []
    for index, (batch_model, batch_objs) in enumerate(batches[:-1]):
        ((sql, batch_params),) = _compiler(batch_model, batch_objs, using).as_sql()
        ctes.append(f'"batch_{index}" AS ({sql})')
        params.extend(batch_params)
    last = _compiler(model, objs, using)
    returning = [
        f for f in model._meta.db_returning_fields if objs[0].pk is None or not f.primary_key
    ]
    last.returning_fields = returning or None
    ((sql, last_params),) = last.as_sql()
    statement = f"WITH {', '.join(ctes)} {sql}" if ctes else sql
    with connection.cursor() as cursor:
        cursor.execute(statement, (*params, *last_params))
        rows = cursor.fetchall() if returning else []
    if rows:
        converters = last.get_converters([f.get_col(model._meta.db_table) for f in returning])
        if converters:
            rows = list(last.apply_converters(rows, converters))
        for obj, row in zip(objs, rows, strict=True):
            for field, value in zip(returning, row, strict=True):
                setattr(obj, field.attname, value)
    for _, batch_objs in batches:
        for obj in batch_objs:
            obj._state.adding = False
            obj._state.db = using
