"""What sqlfluff's jinja templater needs to render this dbt project without dbt.

sqlfluff (`.sqlfluff` at the repo root, `library_path = dbt_project/sqlfluff_libs`) puts
every name defined here and every submodule into the jinja context:

- `dbt`: dbt's cross-database macros (dbt.concat, dbt.hash, ...) as DuckDB renders them
- `adapter`: adapter.dispatch, resolving to the project's duckdb__/default__ macros
- `api`, `exceptions`, `target`: what the project's macros use of dbt's context
- `var`: the project's vars, read from dbt_project.yml (sqlfluff's own `var` stub would
  render every var as the string 'item')

They only have to render SQL that parses like the real thing; dbt itself never loads
this package (it is not a dbt resource path). Jinja cannot spell `dbt.hash` as a
`[sqlfluff:templater:jinja:macros]` stub, hence a library.
"""

from pathlib import Path as _Path

import yaml as _yaml

_PROJECT_VARS = _yaml.safe_load(
    (_Path(__file__).resolve().parents[1] / "dbt_project.yml").read_text(encoding="utf-8")
)["vars"]


def var(name, default=None):
    """dbt's var(): the value dbt_project.yml gives `name`, else `default`."""
    return _PROJECT_VARS.get(name, default)
