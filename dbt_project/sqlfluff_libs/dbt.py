"""dbt's cross-database macros (the `dbt.` namespace) as dbt-duckdb renders them.

Each first looks for a project override (duckdb__<name> or default__<name>, as dbt's
dispatch does: macros/cross_db.sql overrides safe_cast), else renders DuckDB SQL.
"""

from jinja2 import pass_context

from ._dispatch import project_macro


def _dispatching(render):
    name = render.__name__

    @pass_context
    def macro(context, *args, **kwargs):
        override = project_macro(context, name)
        return override(*args, **kwargs) if override is not None else render(*args, **kwargs)

    macro.__name__ = name
    return macro


@_dispatching
def concat(fields):
    return " || ".join(str(field) for field in fields)


@_dispatching
def hash(field):  # noqa: A001 (dbt's name)
    return f"md5(cast({field} as varchar))"


@_dispatching
def position(substring_text, string_text):
    return f"position({substring_text} in {string_text})"


@_dispatching
def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


@_dispatching
def datediff(first_date, second_date, datepart):
    return f"(date_diff('{datepart}', ({first_date})::timestamp, ({second_date})::timestamp))"


@_dispatching
def dateadd(datepart, interval, from_date_or_timestamp):
    return f"({from_date_or_timestamp} + cast({interval} as bigint) * interval 1 {datepart})"


@_dispatching
def last_day(date, datepart):
    return f"last_day({date})"


@_dispatching
def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    return f"string_agg({measure}, {delimiter_text} {order_by_clause or ''})"


@_dispatching
def generate_series(upper_bound):
    return f"select generate_series as generated_number from generate_series(1, {upper_bound})"


@_dispatching
def safe_cast(field, type):  # noqa: A002 (dbt's name)
    return f"cast({field} as {type})"


@_dispatching
def split_part(string_text, delimiter_text, part_number):
    return f"split_part({string_text}, {delimiter_text}, {part_number})"


@_dispatching
def replace(field, old_chars, new_chars):
    return f"replace({field}, {old_chars}, {new_chars})"


@_dispatching
def length(expression):
    return f"length({expression})"


@_dispatching
def right(string_text, length_expression):
    return f"right({string_text}, {length_expression})"


@_dispatching
def any_value(expression):
    return f"any_value({expression})"


@_dispatching
def bool_or(expression):
    return f"bool_or({expression})"


@_dispatching
def cast_bool_to_text(field):
    return f"cast({field} as varchar)"


@_dispatching
def string_literal(value):
    return f"'{value}'"


@_dispatching
def escape_single_quotes(expression):
    return str(expression).replace("'", "''")


@_dispatching
def current_timestamp():
    return "now()"


def type_string():
    return "varchar"


def type_int():
    return "integer"


def type_bigint():
    return "bigint"


def type_float():
    return "double"


def type_numeric():
    return "decimal(28,6)"


def type_boolean():
    return "boolean"


def type_timestamp():
    return "timestamp"
