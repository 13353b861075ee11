"""Shared by dbt.py and adapter.py: find the macro dbt's adapter.dispatch would call."""

ADAPTER = "duckdb"


def project_macro(context, name):
    """The project's `duckdb__<name>` or `default__<name>` macro, else None."""
    for candidate in (f"{ADAPTER}__{name}", f"default__{name}"):
        macro = context.get(candidate)
        if macro is not None and callable(macro):
            return macro
    return None
