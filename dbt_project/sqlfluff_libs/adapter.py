"""adapter.dispatch as dbt resolves it for DuckDB: the root project's duckdb__<name>,
then default__<name>; for the `dbt` namespace, dbt's own macro (sqlfluff_libs.dbt)."""

from jinja2 import pass_context

from ._dispatch import project_macro


@pass_context
def dispatch(context, macro_name, macro_namespace=None):
    macro = project_macro(context, macro_name)
    if macro is None and macro_namespace == "dbt":
        macro = getattr(context.get("dbt"), macro_name, None)
    if macro is None:
        raise NameError(f"adapter.dispatch: no duckdb__ or default__ macro for {macro_name!r}")
    return macro
