"""dbt's `target` for profiles.yml's dev output."""

name = "dev"
type = "duckdb"
schema = "main"
database = "warehouse"
threads = 2
