"""Reading from the dbt manifest which landing entities a model is built from."""

from segmentation_assets.orchestration.dbt_manifest import absent_source_note, upstream_sources

MANIFEST = {
    "sources": {
        "source.p.raw.tms__freight": {"name": "tms__freight"},
        "source.p.raw.erp__customers": {"name": "erp__customers"},
    },
    "nodes": {
        "model.p.stg_tms__freight": {
            "resource_type": "model",
            "schema": "staging",
            "name": "stg_tms__freight",
        },
        "model.p.stg_erp__customers": {
            "resource_type": "model",
            "schema": "staging",
            "name": "stg_erp__customers",
        },
        "model.p.fct_freight": {"resource_type": "model", "schema": "marts", "name": "fct_freight"},
        "model.p.quarantine_x": {
            "resource_type": "model",
            "schema": "quarantine",
            "name": "quarantine_x",
            "alias": "x",
        },
        "test.p.not_null": {"resource_type": "test", "schema": "marts", "name": "not_null"},
    },
    "parent_map": {
        "model.p.stg_tms__freight": ["source.p.raw.tms__freight"],
        "model.p.stg_erp__customers": ["source.p.raw.erp__customers"],
        "model.p.fct_freight": ["model.p.stg_tms__freight", "model.p.stg_erp__customers"],
        "model.p.quarantine_x": ["model.p.stg_erp__customers"],
    },
}


def test_sources_are_collected_through_intermediate_models_and_aliases():
    sources = upstream_sources(MANIFEST)
    assert sources[("marts", "fct_freight")] == {"tms__freight", "erp__customers"}
    assert sources[("quarantine", "x")] == {"erp__customers"}
    assert ("marts", "not_null") not in sources


def test_note_names_only_the_absent_entities():
    sources = upstream_sources(MANIFEST)[("marts", "fct_freight")]
    assert absent_source_note(sources, {"tms__freight", "wms__items"}) == (
        "source absent or empty: tms/freight; "
        "what this table takes from it (rows or columns) is empty"
    )
    assert absent_source_note(sources, {"wms__items"}) is None
