"""What the Dagster definitions in `defs/` share: asset attributes, metadata, warehouse IO, dbt.

Dagster may be imported here (unlike the domain packages), but nothing here is a
definition: `defs/` is what Dagster loads, this package is what those definitions call.
"""
