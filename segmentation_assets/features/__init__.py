"""Features per entity (SKU, customer, SKU x customer): plain Polars functions, no Dagster."""
