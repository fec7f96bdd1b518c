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


def insert_together(
    *batches: tuple[type[Model], list[Model]], updating: tuple[list[Model], list[str]] = ()
) -> None:
    """Insert each batch (a model and its unsaved instances), in one statement on
    PostgreSQL. Keys the database makes are set on the last batch's instances,
    as bulk_create sets them; give it the rows whose keys are needed next.

    updating: (saved instances, field names): an UPDATE of those fields of each
    row, by primary key, in the same statement (rows the caller holds locked:
    a transfer's wallets)."""
    batches = tuple((model, objs) for model, objs in batches if objs)
    rows, fields = updating or ([], [])
    if not batches and not rows:
        return
    model, objs = batches[-1] if batches else (type(rows[0]), [])
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql" or not batches:
        for row in rows:
            type(row).objects.using(using).filter(pk=row.pk).update(
                **{name: getattr(row, name) for name in fields}
            )
        for batch_model, batch_objs in batches:
            batch_model.objects.using(using).bulk_create(batch_objs)
        return
    ctes, params = [], []
    for index, row in enumerate(rows):
        sql, row_params = _update_sql(row, fields, connection)
        ctes.append(f'"update_{index}" AS ({sql})')
        params.extend(row_params)
    # What the database makes for a one-row earlier batch (an order's serial,
    # not keys) comes back as extra columns of the last batch's RETURNING.
    made_earlier = []
    for index, (batch_model, batch_objs) in enumerate(batches[:-1]):
        compiler = _compiler(batch_model, batch_objs, using)
        made = [f for f in _made_by_database(batch_model, batch_objs) if not f.primary_key]
        if made:
            if len(batch_objs) != 1:
                raise ValueError(f"{batch_model.__name__}: values made by the database, many rows")
            compiler.returning_fields = made
            made_earlier.append((f'"batch_{index}"', batch_objs[0], made, compiler))
        ((sql, batch_params),) = compiler.as_sql()
        ctes.append(f'"batch_{index}" AS ({sql})')
        params.extend(batch_params)
    last = _compiler(model, objs, using)
    returning = _made_by_database(model, objs)
    last.returning_fields = returning or None
    ((sql, last_params),) = last.as_sql()
    quote = connection.ops.quote_name
    extra = [
        f"(SELECT {quote(field.column)} FROM {cte})"  # noqa: S608 (a column and a CTE name)
        for cte, _, made, _ in made_earlier
        for field in made
    ]
    if extra:
        sql += (", " if returning else " RETURNING ") + ", ".join(extra)
    statement = f"WITH {', '.join(ctes)} {sql}" if ctes else sql
    with connection.cursor() as cursor:
        cursor.execute(statement, (*params, *last_params))
        rows = cursor.fetchall() if returning or extra else []
    if rows:
        own, rest = len(returning), rows[0][len(returning) :]
        for _, obj, made, compiler in made_earlier:
            _set_returned(compiler, obj, made, rest[: len(made)], type(obj))
            rest = rest[len(made) :]
        for obj, row in zip(objs, rows, strict=True):
            _set_returned(last, obj, returning, row[:own], model)
    for _, batch_objs in batches:
        for obj in batch_objs:
            obj._state.adding = False
            obj._state.db = using


def _made_by_database(model: type[Model], objs: list[Model]) -> list:
    """The fields an INSERT of `objs` reads back: a key the database makes, and
    values it makes (db_returning: an order's serial)."""
    return [f for f in model._meta.db_returning_fields if objs[0].pk is None or not f.primary_key]


def _set_returned(compiler, obj: Model, fields: list, values, model: type[Model]) -> None:
    row = [tuple(values)]
    converters = compiler.get_converters([f.get_col(model._meta.db_table) for f in fields])
    if converters:
        row = list(compiler.apply_converters(row, converters))
    for field, value in zip(fields, row[0], strict=True):
        setattr(obj, field.attname, value)


def _update_sql(row: Model, names: list[str], connection):
    quote, opts = connection.ops.quote_name, row._meta
    fields = [opts.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    params = [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
    params.append(opts.pk.get_db_prep_value(row.pk, connection))
    table, key = quote(opts.db_table), quote(opts.pk.column)
    return f"UPDATE {table} SET {assignments} WHERE {key} = %s", params  # noqa: S608


def insert_from_sql(source: str, model: type[Model], objs: list[Model], using: str):
    """(sql, params) of an INSERT of `objs` whose rows are selected FROM
    `source`, a CTE of the caller's statement (PostgreSQL): they are written
    only if `source` yields a row, and only once it has — after the lock the
    statement that fills `source` waits for. Keys the database makes are left
    to it and not read back."""
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = [
        f for f in model._meta.concrete_fields if not f.generated and not isinstance(f, AutoField)
    ]
    casts = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields)
    selects, params = [], []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert_from_sql")
        selects.append(f"SELECT {casts} FROM {source}")  # noqa: S608 (column types and a CTE name)
        params += [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
        obj._state.adding, obj._state.db = False, using
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {' UNION ALL '.join(selects)}"
    return sql, params
