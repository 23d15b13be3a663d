"""One row by its key, as SQL, read or updated: for the few queries every request makes (the
logged-in member, a progress report's row and the player's position), where building the same query through the ORM each time cost more
CPU than the database spent answering it.

The text holds only the model's own table and column names; values are parameters, and what
comes back is converted by the backend and the fields exactly as the ORM converts it.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections


def fetch_one(model, where: dict, *, for_update: bool = False, using: str = DEFAULT_DB_ALIAS):
    """The ``model`` instance whose columns equal ``where`` (column name → value), or None.
    ``for_update`` locks the row until the transaction ends, where the database can."""
    connection = connections[using]
    sql, converters = _reader(connection, model, tuple(where), for_update)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(where.values()))
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, col, convert in converters:
        values[index] = convert(values[index], col, connection)
    return model.from_db(using, None, values)


def _reader(connection, model, where: tuple[str, ...], for_update: bool) -> tuple[str, list]:
    """The SELECT for ``fetch_one`` and the converters its columns need, made once per
    connection object (each thread has its own, kept across reconnections) instead of on
    every call: about a sixth of a row fetch's CPU in the web process."""
    made = connection.__dict__.setdefault("_elearn_readers", {})
    key = (model, where, for_update)
    if key not in made:
        meta = model._meta
        quote = connection.ops.quote_name
        columns = [field.get_col(meta.db_table) for field in meta.concrete_fields]
        condition = " AND ".join(f"{quote(name)} = %s" for name in where)
        sql = (
            f"SELECT {', '.join(quote(col.target.column) for col in columns)} "  # noqa: S608
            f"FROM {quote(meta.db_table)} WHERE {condition}"
        )
        if for_update and connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        converters = [
            (index, col, convert)
            for index, col in enumerate(columns)
            for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        ]
        made[key] = (sql, converters)
    return made[key]


def update_columns(instance, names: list[str], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """UPDATE only these fields of ``instance``'s row, as ``save(update_fields=…)`` does (values
    prepared by the fields themselves, ``auto_now`` included) but sending no save signals:
    only for models that have none to send."""
    update_where(
        type(instance),
        saved_values(instance, names),
        {instance._meta.pk.column: instance.pk},
        using=using,
    )


def saved_values(instance, names: list[str]) -> dict:
    """``instance``'s values of these fields as an UPDATE saves them (``auto_now`` set now)."""
    meta = instance._meta
    return {name: meta.get_field(name).pre_save(instance, add=False) for name in names}


def update_where(model, values: dict, where: dict, *, using: str = DEFAULT_DB_ALIAS) -> int:
    """UPDATE ``model``'s rows whose columns equal ``where`` (column name → value), setting
    ``values`` (field name → value, prepared by the fields); returns how many rows matched.
    Sends no save signals: only for models that have none to send."""
    connection = connections[using]
    sql, params = update_sql(model, values, where, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def update_sql(model, values: dict, where: dict, connection) -> tuple[str, list]:
    """The UPDATE that ``update_where`` runs, and its parameters. ``where`` values are
    prepared by the columns' fields too, so a date and time compares as it is stored."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in values]
    by_column = {field.column: field for field in meta.concrete_fields}
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    prepared = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    condition = " AND ".join(f"{quote(name)} = %s" for name in where)
    matched = [
        by_column[name].get_db_prep_value(value, connection) for name, value in where.items()
    ]
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {condition}"  # noqa: S608
    return sql, [*prepared, *matched]


def upsert_sql(
    model, values: dict, unique: list[str], connection, *, only_if: str = ""
) -> tuple[str, list]:
    """An INSERT of one row (field name → value) that updates the row already holding the
    same ``unique`` fields instead (PostgreSQL and SQLite: ON CONFLICT … DO UPDATE), and
    does neither unless the SQL condition ``only_if`` holds, when one is given."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in values]
    columns = [quote(field.column) for field in fields]
    keys = [meta.get_field(name).column for name in unique]
    updates = ", ".join(
        f"{column} = EXCLUDED.{column}"
        for field, column in zip(fields, columns, strict=True)
        if field.column not in keys
    )
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        + (f"SELECT {placeholders} WHERE {only_if} " if only_if else f"VALUES ({placeholders}) ")
        + f"ON CONFLICT ({', '.join(quote(column) for column in keys)}) DO UPDATE SET {updates}"
    )
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    return sql, params
