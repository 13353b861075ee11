"""WMS, CRM and TMS master records: the other systems' view of the ERP masters, with
foreign code spellings and the planted crosswalk defects, plus their ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from .catalogue import CATEGORIES, name_key
from .ground_truth import defect
from .master_data import COUNTRIES
from .settings import ScaleSpec, stream
from .spellings import (
    CUSTOMER_STYLES,
    LOCATION_STYLES,
    SKU_STYLES,
    TMS_CUSTOMER_STYLES,
    TMS_ORIGIN_STYLES,
    pick_styles,
    short_name,
    spell_code,
    vary_case_and_spacing,
)

PACKAGING = (
    "EURO PALLET 1200X800",
    "STRETCH FILM 500MM 23MY",
    "CARTON 600X400X400",
    "PALLET COLLAR 1200X800",
    "DUNNAGE AIR PILLOW 200X100",
    "LABEL ROLL 100X150 THERMAL",
    "STRAPPING BAND PP 12MM",
    "TAPE PACKING BROWN 50MM",
    "SLIP SHEET 1200X800",
    "CORNER BOARD 35X35",
)
PROSPECTS = (
    "Helios Werkzeug GmbH",
    "Nordlicht Baubedarf AG",
    "Quercus Outillage SARL",
    "Tulipa Techniek B.V.",
    "Vesuvio Ferramenta S.r.l.",
)
ACCOUNT_MANAGERS = (
    "Anna Schneider",
    "Lukas Weber",
    "Claire Martin",
    "Jonas Berg",
    "Sofia Romano",
    "Pieter de Wit",
    "Marta Nowicka",
    "Oliver Grant",
    "Elena Ruiz",
    "Henrik Dahl",
)
TIERS = (("Platinum", 2, 0.98), ("Gold", 3, 0.97), ("Silver", 5, 0.95), ("Bronze", 7, 0.92))


@dataclass
class ForeignSystems:
    items: pl.DataFrame
    warehouses: pl.DataFrame
    accounts: pl.DataFrame
    item_code_by_sku: pl.Series  # gather by sku_idx
    warehouse_code_by_loc: pl.Series  # gather by loc_idx
    origin_codes: list[tuple[str, str]]  # (primary, alternative) TMS spelling per loc_idx
    origin_methods: dict[str, str]  # TMS origin spelling -> match method
    destination_code_by_cust: pl.Series  # gather by cust_idx
    destination_methods: list[str]
    crosswalks: dict[str, pl.DataFrame]
    defects: list[dict[str, Any]] = field(default_factory=list)


def build_foreign_systems(
    spec: ScaleSpec,
    seed: int,
    products: pl.DataFrame,
    customers: pl.DataFrame,
    locations: pl.DataFrame,
) -> ForeignSystems:
    defects: list[dict[str, Any]] = []
    items, item_code_by_sku, product_xw = _wms_items(spec, seed, products, defects)
    warehouses, wh_code_by_loc, wh_xw = _wms_warehouses(seed, locations, defects)
    accounts, customer_xw = _crm_accounts(spec, seed, customers, defects)
    rng = stream(seed, "tms_codes")
    loc_ids = locations["location_id"].to_list()
    origin_codes, origin_methods = [], {}
    styles = list(TMS_ORIGIN_STYLES)
    for i, loc in enumerate(loc_ids):
        primary, alt = (styles[j] for j in rng.choice(len(styles), 2, replace=False))
        codes = []
        for style in (primary, alt):
            code = wh_code_by_loc[i] if style == "warehouse" else spell_code(loc, style)
            origin_methods[code] = TMS_ORIGIN_STYLES[style]
            codes.append(code)
        origin_codes.append((codes[0], codes[1]))
    dest_styles = pick_styles(TMS_CUSTOMER_STYLES, customers.height, rng)
    destination = pl.Series(
        [spell_code(c, s) for c, s in zip(customers["customer_id"], dest_styles, strict=True)]
    )
    return ForeignSystems(
        items=items,
        warehouses=warehouses,
        accounts=accounts,
        item_code_by_sku=item_code_by_sku,
        warehouse_code_by_loc=wh_code_by_loc,
        origin_codes=origin_codes,
        origin_methods=origin_methods,
        destination_code_by_cust=destination,
        destination_methods=[TMS_CUSTOMER_STYLES[s][1] for s in dest_styles],
        crosswalks={
            "product_crosswalk.csv": product_xw,
            "customer_crosswalk.csv": customer_xw,
            "warehouse_crosswalk.csv": wh_xw,
        },
        defects=defects,
    )


def _disjoint_picks(
    rng: np.random.Generator, n: int, sizes: list[int], exclude: set[int] = frozenset()
) -> list[list[int]]:
    pool = [i for i in rng.permutation(n).tolist() if i not in exclude]
    out, start = [], 0
    for k in sizes:
        out.append(sorted(pool[start : start + k]))
        start += k
    return out


def _wms_items(
    spec: ScaleSpec, seed: int, products: pl.DataFrame, defects: list[dict[str, Any]]
) -> tuple[pl.DataFrame, pl.Series, pl.DataFrame]:
    """One WMS item per ERP SKU (upper-case description, category item group), plus packaging
    items the ERP does not know. Planted: blank erp_sku, erp_sku naming a SKU that does not
    exist, and item groups of another category."""
    rng = stream(seed, "wms_items")
    n = products.height
    k = spec.foreign_dirt
    blank, wrong, group_conflict = _disjoint_picks(rng, n, [k + 1, k, k])
    n_pack = min(len(PACKAGING), k + 2)
    codes = np.sort(rng.choice(np.arange(100_000, 1_000_000), n + n_pack, replace=False))
    item_codes = [f"WI-{c}" for c in codes[rng.permutation(n + n_pack)]]
    styles = pick_styles(SKU_STYLES, n, rng)
    skus = products["sku"].to_list()
    descs = products["description"].to_list()
    groups = products["item_group"].to_list()
    categories = products["category"].to_list()
    weights = products["unit_weight_kg"].to_list()
    volumes = products["unit_volume_m3"].to_list()
    all_groups = [c.item_group for c in CATEGORIES]
    rows, xw = [], []
    planted: dict[int, str] = {i: "missing_crosswalk" for i in blank}
    planted |= {i: "crosswalk_target_missing" for i in wrong}
    planted |= {i: "hierarchy_conflict" for i in group_conflict}
    wrong_numbers = rng.choice(np.arange(99_000, 99_999), len(wrong), replace=False)
    for i in range(n):
        code, sku, kind = item_codes[i], skus[i], planted.get(i)
        erp_sku, method, desc, group = (
            spell_code(sku, styles[i]),
            SKU_STYLES[styles[i]][1],
            descs[i].upper(),
            groups[i],
        )
        if kind == "missing_crosswalk":
            erp_sku, method, desc = None, "name", vary_case_and_spacing(descs[i], i)
            detail = "erp_sku blank; item_description matches the ERP description"
        elif kind == "crosswalk_target_missing":
            erp_sku, method = f"SKU-{wrong_numbers[wrong.index(i)]:05d}", "name"
            desc = vary_case_and_spacing(descs[i], i)
            detail = f"erp_sku {erp_sku} does not exist; item_description matches {sku}"
        elif kind == "hierarchy_conflict":
            group = str(rng.choice([g for g in all_groups if g != groups[i]]))
            detail = f"item_group {group} but ERP category {categories[i]} ({groups[i]})"
        if kind:
            defects.append(
                defect(kind, "wms", "items", code, detail, sku, "wms/items.csv", len(rows) + 1)
            )
        rows.append((code, erp_sku, desc, group, weights[i], volumes[i]))
        xw.append((code, sku, True, kind, erp_sku, method))
    for j in range(n_pack):
        code = item_codes[n + j]
        defects.append(
            defect(
                "unmatched",
                "wms",
                "items",
                code,
                "packaging item with no ERP counterpart",
                None,
                "wms/items.csv",
                len(rows) + 1,
            )
        )
        rows.append(
            (
                code,
                None,
                PACKAGING[j],
                "PACK",
                round(float(rng.uniform(0.2, 25)), 3),
                round(float(rng.uniform(0.001, 0.8)), 6),
            )
        )
        xw.append((code, None, False, "unmatched", None, None))
    items = pl.DataFrame(
        rows,
        orient="row",
        schema={
            "item_code": pl.String,
            "erp_sku": pl.String,
            "item_description": pl.String,
            "item_group": pl.String,
            "unit_weight_kg": pl.Float64,
            "unit_volume_m3": pl.Float64,
        },
    )
    crosswalk = pl.DataFrame(
        xw,
        orient="row",
        schema={
            "item_code": pl.String,
            "true_sku": pl.String,
            "matchable": pl.Boolean,
            "planted": pl.String,
            "erp_sku_as_delivered": pl.String,
            "expected_match_method": pl.String,
        },
    )
    return items, pl.Series(item_codes[:n]), crosswalk


def _wms_warehouses(
    seed: int, locations: pl.DataFrame, defects: list[dict[str, Any]]
) -> tuple[pl.DataFrame, pl.Series, pl.DataFrame]:
    """One WMS warehouse per ERP location (`WH-A`...), its ERP location in WMS spelling;
    one warehouse has a blank erp_location_id and is found by name."""
    rng = stream(seed, "wms_warehouses")
    loc_ids = locations["location_id"].to_list()
    names = locations["location_name"].to_list()
    order = [i for i in range(len(loc_ids)) if loc_ids[i].startswith("DC")] + [
        i for i in range(len(loc_ids)) if not loc_ids[i].startswith("DC")
    ]
    code_by_loc = [""] * len(loc_ids)
    for n_, i in enumerate(order):
        code_by_loc[i] = f"WH-{chr(ord('A') + n_)}"
    styles = [
        list(LOCATION_STYLES)[j % len(LOCATION_STYLES)] for j in rng.permutation(len(loc_ids))
    ]
    blank = int(rng.integers(len(loc_ids)))
    rows, xw = [], []
    for r, i in enumerate(order):
        code, loc = code_by_loc[i], loc_ids[i]
        if i == blank:
            rows.append((code, None, names[i]))
            xw.append((code, loc, True, "missing_crosswalk", None, "name"))
            defects.append(
                defect(
                    "missing_crosswalk",
                    "wms",
                    "warehouses",
                    code,
                    "erp_location_id blank; warehouse_name equals the ERP location_name",
                    loc,
                    "wms/warehouses.csv",
                    r + 1,
                )
            )
        else:
            spelled = spell_code(loc, styles[i])
            rows.append((code, spelled, names[i]))
            xw.append((code, loc, True, None, spelled, LOCATION_STYLES[styles[i]]))
    schema = {
        "warehouse_code": pl.String,
        "erp_location_id": pl.String,
        "warehouse_name": pl.String,
    }
    xw_schema = {
        "warehouse_code": pl.String,
        "true_location_id": pl.String,
        "matchable": pl.Boolean,
        "planted": pl.String,
        "erp_location_id_as_delivered": pl.String,
        "expected_match_method": pl.String,
    }
    return (
        pl.DataFrame(rows, orient="row", schema=schema),
        pl.Series(code_by_loc),
        pl.DataFrame(xw, orient="row", schema=xw_schema),
    )


def _crm_accounts(
    spec: ScaleSpec, seed: int, customers: pl.DataFrame, defects: list[dict[str, Any]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One CRM account per ERP customer, with service terms by customer size. Planted: blank
    erp_customer_id (name matches), a customer entered twice under a second name, parents
    that disagree with the ERP hierarchy, and prospects that are not ERP customers. The
    duplicate is the later, less complete account, so survivorship keeps the original."""
    rng = stream(seed, "crm_accounts")
    n = customers.height
    k = spec.foreign_dirt
    ids = customers["customer_id"].to_list()
    names = customers["customer_name"].to_list()
    parents = customers["parent_customer_id"].to_list()
    n_dup = 1 + k // 6
    children = [i for i in range(n) if parents[i] is not None]
    conflict = sorted(
        rng.choice(children, min(len(children), max(2, k - 1)), replace=False).tolist()
    )
    blank, dup = _disjoint_picks(rng, n, [k, n_dup], exclude=set(conflict))
    # a duplicate is keyed in later than its original account: a higher id
    numbers = rng.choice(np.arange(100_000, 900_000), n + len(PROSPECTS), replace=False)
    dup_numbers = rng.choice(np.arange(900_000, 1_000_000), n_dup, replace=False)
    account_ids = [f"ACC-{x}" for x in (*numbers[:n], *dup_numbers, *numbers[n:])]
    styles = pick_styles(CUSTOMER_STYLES, n, rng)
    rank = np.argsort(np.argsort(-customers["size"].to_numpy()))
    tier = np.select([rank < 0.1 * n, rank < 0.3 * n, rank < 0.7 * n], [0, 1, 2], 3)
    managers = rng.choice(len(ACCOUNT_MANAGERS), n)
    account_of = dict(zip(ids, account_ids[:n], strict=True))
    parent_ids = sorted({p for p in parents if p is not None})
    rows, xw = [], []

    def terms(i: int) -> tuple[str, str, float, float, bool]:
        name, lead, fill = TIERS[tier[i]]
        return (
            ACCOUNT_MANAGERS[managers[i]],
            name,
            float(lead + rng.integers(0, 2)),
            fill,
            bool(tier[i] == 0 or ids[i] in parent_ids),
        )

    for i in range(n):
        acc, kind = account_ids[i], None
        spelled, method, name = (
            spell_code(ids[i], styles[i]),
            CUSTOMER_STYLES[styles[i]][1],
            names[i],
        )
        parent = account_of[parents[i]] if parents[i] else None
        if i in blank:
            kind, spelled, method, name = (
                "missing_crosswalk",
                None,
                "name",
                vary_case_and_spacing(names[i], i),
            )
            detail = "erp_customer_id blank; account_name matches the ERP customer_name"
        elif i in conflict:
            other = [p for p in parent_ids if p not in (parents[i], ids[i])]
            wrong_parent = other[int(rng.integers(len(other)))] if other else None
            if wrong_parent:
                kind, parent = "hierarchy_conflict", account_of[wrong_parent]
                detail = (
                    f"CRM parent is {wrong_parent} ({parent}); "
                    f"ERP parent_customer_id is {parents[i]}"
                )
        if kind:
            defects.append(
                defect(
                    kind, "crm", "accounts", acc, detail, ids[i], "crm/accounts.csv", len(rows) + 1
                )
            )
        rows.append((acc, spelled, name, parent, *terms(i)))
        xw.append((acc, ids[i], True, kind, spelled, method))
    legal_forms = tuple(f for c in COUNTRIES.values() for f in c[2])
    for j, i in enumerate(dup):
        acc = account_ids[n + j]
        other_styles = [s for s in CUSTOMER_STYLES if s != styles[i]]
        style = other_styles[int(rng.integers(len(other_styles)))]
        spelled = spell_code(ids[i], style)
        parent = account_of[parents[i]] if parents[i] else None
        defects.append(
            defect(
                "duplicate_record",
                "crm",
                "accounts",
                acc,
                f"second account for {ids[i]}, also entered as {account_of[ids[i]]}",
                ids[i],
                "crm/accounts.csv",
                len(rows) + 1,
            )
        )
        manager_blank = (None, *terms(i)[1:])  # and keyed in hastily: no account manager
        rows.append((acc, spelled, short_name(names[i], legal_forms), parent, *manager_blank))
        xw.append((acc, ids[i], True, "duplicate_record", spelled, CUSTOMER_STYLES[style][1]))
    known = {name_key(x) for x in names}
    n_prospects = min(len(PROSPECTS), 1 + k // 6)
    for j, name in enumerate(p for p in PROSPECTS if name_key(p) not in known):
        if j >= n_prospects:
            break
        acc = account_ids[n + n_dup + j]
        defects.append(
            defect(
                "unmatched",
                "crm",
                "accounts",
                acc,
                "prospect with no ERP customer",
                None,
                "crm/accounts.csv",
                len(rows) + 1,
            )
        )
        rows.append(
            (
                acc,
                None,
                name,
                None,
                ACCOUNT_MANAGERS[j % len(ACCOUNT_MANAGERS)],
                "Bronze",
                7.0,
                0.92,
                False,
            )
        )
        xw.append((acc, None, False, "unmatched", None, None))
    schema = {
        "account_id": pl.String,
        "erp_customer_id": pl.String,
        "account_name": pl.String,
        "parent_account_id": pl.String,
        "account_manager": pl.String,
        "service_tier": pl.String,
        "contracted_lead_time_days": pl.Float64,
        "target_fill_rate": pl.Float64,
        "strategic_account": pl.Boolean,
    }
    xw_schema = {
        "account_id": pl.String,
        "true_customer_id": pl.String,
        "matchable": pl.Boolean,
        "planted": pl.String,
        "erp_customer_id_as_delivered": pl.String,
        "expected_match_method": pl.String,
    }
    return pl.DataFrame(rows, orient="row", schema=schema), pl.DataFrame(
        xw, orient="row", schema=xw_schema
    )
