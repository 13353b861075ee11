"""ERP master data: products, customers with their group hierarchy, locations, suppliers."""

from __future__ import annotations

import numpy as np
import polars as pl

from .catalogue import CATEGORIES, HOUSE_BRAND, allocate_families, name_key, sample_descriptions
from .settings import ScaleSpec, stream

# (location_id, name, type, region, country); small worlds use the plant and the first DCs.
LOCATIONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("PL-01", "Plant Dortmund", "plant", "Central", "DE"),
    ("DC-01", "DC Hamburg", "dc", "Central", "DE"),
    ("DC-02", "DC Lyon", "dc", "West", "FR"),
    ("DC-03", "DC Venlo", "dc", "West", "NL"),
    ("DC-04", "DC Poznań", "dc", "East", "PL"),
    ("DC-05", "DC Milano", "dc", "South", "IT"),
)

COUNTRIES: dict[str, tuple[str, float, tuple[str, ...], tuple[str, ...]]] = {
    # country: (region, weight, legal forms, cities)
    "DE": (
        "Central",
        0.28,
        ("GmbH", "AG", "GmbH & Co. KG"),
        ("Hamburg", "Berlin", "München", "Köln", "Stuttgart", "Leipzig"),
    ),
    "AT": ("Central", 0.06, ("GmbH", "AG"), ("Wien", "Graz", "Linz")),
    "CH": ("Central", 0.05, ("AG", "GmbH"), ("Zürich", "Basel", "Genève")),
    "FR": ("West", 0.12, ("SA", "SARL", "SAS"), ("Lyon", "Paris", "Lille", "Toulouse")),
    "NL": ("West", 0.08, ("B.V.",), ("Rotterdam", "Utrecht", "Eindhoven")),
    "BE": ("West", 0.05, ("NV", "SA"), ("Antwerpen", "Liège", "Gent")),
    "GB": ("West", 0.05, ("Ltd", "plc"), ("Birmingham", "Manchester", "Leeds")),
    "IT": ("South", 0.08, ("S.r.l.", "S.p.A."), ("Milano", "Torino", "Bologna")),
    "ES": ("South", 0.06, ("S.L.", "S.A."), ("Barcelona", "Madrid", "Valencia")),
    "PL": ("East", 0.08, ("Sp. z o.o.",), ("Poznań", "Kraków", "Wrocław")),
    "SE": ("North", 0.05, ("AB",), ("Göteborg", "Malmö", "Uppsala")),
    "DK": ("North", 0.04, ("A/S",), ("Aarhus", "Odense", "Aalborg")),
}

STEMS = (
    "Müller",
    "Schmidt",
    "Becker",
    "Hoffmann",
    "Schäfer",
    "Köhler",
    "Wagner",
    "Krüger",
    "Lefèvre",
    "Dubois",
    "Moreau",
    "Girard",
    "Janssen",
    "De Vries",
    "Van Dijk",
    "Peeters",
    "Rossi",
    "Bianchi",
    "Ferrari",
    "García",
    "Martínez",
    "López",
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Lindqvist",
    "Andersson",
    "Sørensen",
    "Jørgensen",
    "Nielsen",
    "Baker",
    "Turner",
    "Hughes",
    "Acme",
    "Nordwerk",
    "Alpina",
    "Rheinland",
    "Baltic",
    "Helvetia",
    "Iberia",
    "Adria",
    "Hansa",
    "Ostsee",
    "Lombardia",
    "Provence",
    "Brabant",
    "Flandria",
    "Silesia",
    "Carpathia",
    "Danubia",
    "Fjord",
    "Atlas",
    "Meridian",
    "Vertex",
    "Summit",
    "Keystone",
    "Pioneer",
    "Zeller",
    "Weiß",
    "Brenner",
    "Falk",
    "Lorenz",
    "Fontaine",
    "Mercier",
    "Bakker",
    "Visser",
    "Conti",
    "Greco",
    "Navarro",
    "Ortega",
    "Zieliński",
    "Håkansson",
    "Berg",
    "Kjær",
    "Walsh",
    "Fischer",
    "Neumann",
    "Roux",
    "Colombo",
    "Castell",
)
TRADES: dict[str, tuple[str, ...]] = {
    "retail": ("Baumarkt", "Home Centre", "DIY", "Bricolage", "Hardware", "Bouwmarkt"),
    "wholesale": ("Trading", "Supply", "Distribution", "Großhandel", "Handel", "Wholesale"),
    "e-commerce": ("Online", "Direct", "Webshop", "Digital", "E-Shop"),
    "industrial": (
        "Industrial",
        "Technik",
        "Engineering",
        "Maschinenbau",
        "Fabrication",
        "Industrie",
    ),
}
CHANNELS = ("retail", "wholesale", "e-commerce", "industrial")
CHANNEL_WEIGHTS = (0.30, 0.30, 0.15, 0.25)
CHANNEL_DISCOUNT = {
    "retail": (0.05, 0.15),
    "wholesale": (0.15, 0.25),
    "e-commerce": (0.0, 0.10),
    "industrial": (0.10, 0.20),
}
HOME_DC = {
    "Central": "DC-01",
    "West": "DC-03",
    "FR": "DC-02",
    "South": "DC-05",
    "East": "DC-04",
    "North": "DC-01",
}


def build_locations(spec: ScaleSpec) -> pl.DataFrame:
    """The plant and the first `n_dcs` distribution centres."""
    rows = LOCATIONS[: 1 + spec.n_dcs]
    return pl.DataFrame(
        rows,
        schema=["location_id", "location_name", "location_type", "region", "country"],
        orient="row",
    )


def supplier_ids(spec: ScaleSpec) -> list[str]:
    return [f"SUP-{i:03d}" for i in range(1, spec.n_suppliers + 1)]


def build_products(spec: ScaleSpec, seed: int) -> pl.DataFrame:
    """ERP item master (lifecycle and launch date are filled in from the demand plan).

    Keeps helper columns: `category_idx`, `item_group`, `unit_weight_kg`, `unit_volume_m3`.
    """
    rng = stream(seed, "products")
    cat_idx: list[int] = []
    fam_idx: list[int] = []
    descriptions: list[str] = []
    for ci, fi, n in allocate_families(spec.n_skus, rng):
        for desc in sample_descriptions(CATEGORIES[ci].families[fi], n, rng):
            cat_idx.append(ci)
            fam_idx.append(fi)
            descriptions.append(desc)
    if len({name_key(d) for d in descriptions}) != len(descriptions):
        raise AssertionError("catalogue produced two descriptions that differ only in punctuation")
    order = rng.permutation(len(descriptions))
    ci_arr = np.array(cat_idx)[order]
    fi_arr = np.array(fam_idx)[order]
    fams = [CATEGORIES[c].families[f] for c, f in zip(ci_arr, fi_arr, strict=True)]
    n = len(fams)
    base_price = np.array([f.list_price for f in fams])
    list_price = np.round(np.maximum(0.5, base_price * rng.lognormal(0.0, 0.35, n)), 2)
    unit_cost = np.round(list_price * rng.uniform(0.45, 0.72, n), 2)
    brand_pick = rng.integers(0, 2, n)
    brand = [
        HOUSE_BRAND if h else CATEGORIES[c].brands[b]
        for h, c, b in zip(rng.random(n) < 0.3, ci_arr, brand_pick, strict=True)
    ]
    suppliers = supplier_ids(spec)
    by_category = _suppliers_by_category(suppliers, rng)
    supplier = [by_category[c][rng.integers(len(by_category[c]))] for c in ci_arr]
    return pl.DataFrame(
        {
            "sku": [f"SKU-{i:05d}" for i in range(1, n + 1)],
            "description": [descriptions[i] for i in order],
            "product_family": [f.name for f in fams],
            "category": [CATEGORIES[c].name for c in ci_arr],
            "brand": brand,
            "uom": [f.uom for f in fams],
            "unit_cost": unit_cost,
            "list_price": list_price,
            "supplier_id": supplier,
            "category_idx": ci_arr.astype(np.int32),
            "item_group": [CATEGORIES[c].item_group for c in ci_arr],
            "unit_weight_kg": np.round(
                np.array([f.weight_kg for f in fams]) * rng.lognormal(0, 0.3, n), 3
            ),
            "unit_volume_m3": np.round(
                np.array([f.volume_m3 for f in fams]) * rng.lognormal(0, 0.3, n), 6
            ),
        }
    )


def _suppliers_by_category(suppliers: list[str], rng: np.random.Generator) -> list[list[str]]:
    """Each supplier specialises in one category; some also serve a second one."""
    out: list[list[str]] = [[] for _ in CATEGORIES]
    for i, sup in enumerate(rng.permutation(suppliers)):
        out[i % len(CATEGORIES)].append(str(sup))
        if rng.random() < 0.3:
            out[int(rng.integers(len(CATEGORIES)))].append(str(sup))
    for i, lst in enumerate(
        out
    ):  # a world with fewer suppliers than categories still needs one each
        if not lst:
            lst.append(suppliers[i % len(suppliers)])
    return [sorted(set(lst)) for lst in out]


def build_customers(spec: ScaleSpec, seed: int, dc_ids: list[str]) -> pl.DataFrame:
    """ERP customers: groups (parents) with member companies, each with a channel and a country.

    Keeps helper columns: `size` (share of demand), `discount`, `home_dc`, `lead_days`,
    `currency`, `legal_form`.
    """
    rng = stream(seed, "customers")
    n = spec.n_customers
    countries = list(COUNTRIES)
    weights = np.array([COUNTRIES[c][1] for c in countries])
    country = [countries[i] for i in rng.choice(len(countries), n, p=weights / weights.sum())]
    channel = [CHANNELS[i] for i in rng.choice(4, n, p=CHANNEL_WEIGHTS)]
    n_parents = max(2, round(0.08 * n))
    parent_of: list[int | None] = [None] * n
    for i in range(n_parents, n):
        if rng.random() < 0.3:
            parent_of[i] = int(rng.integers(n_parents))
            if rng.random() < 0.7:
                country[i] = country[parent_of[i]]
    country[0], channel[0] = "DE", "retail"  # the world always has a Müller and a Société
    country[n_parents], channel[n_parents], parent_of[n_parents] = "FR", "wholesale", None
    names, stems, legal = _customer_names(n, n_parents, parent_of, country, channel, rng)
    size = rng.pareto(1.2, n) + 1.0
    size[:n_parents] *= 2.0  # group headquarters buy too, and more than average
    lo = np.array([CHANNEL_DISCOUNT[c][0] for c in channel])
    hi = np.array([CHANNEL_DISCOUNT[c][1] for c in channel])
    discount = np.round(rng.uniform(lo, hi), 3)
    region = [COUNTRIES[c][0] for c in country]
    home = [_home_dc(r, c, dc_ids) for r, c in zip(region, country, strict=True)]
    ids = [f"C-{i:05d}" for i in range(1, n + 1)]
    return pl.DataFrame(
        {
            "customer_id": ids,
            "customer_name": names,
            "parent_customer_id": [None if p is None else ids[p] for p in parent_of],
            "channel": channel,
            "region": region,
            "country": country,
            "size": size / size.sum(),
            "discount": discount,
            "home_dc": home,
            "lead_days": rng.choice([2, 3, 5, 7], n, p=[0.3, 0.35, 0.25, 0.1]).astype(np.int32),
            "currency": ["EUR" if r < 0.65 else None for r in rng.random(n)],
            "stem": stems,
            "legal_form": legal,
        }
    )


def _home_dc(region: str, country: str, dc_ids: list[str]) -> str:
    """DC serving a customer: the regional DC if the world has it, else the first DC."""
    dc = HOME_DC.get(country, HOME_DC[region])
    return dc if dc in dc_ids else dc_ids[0]


def _customer_names(
    n: int,
    n_parents: int,
    parent_of: list[int | None],
    country: list[str],
    channel: list[str],
    rng: np.random.Generator,
) -> tuple[list[str], list[str], list[str]]:
    """Unique company names: groups '<stem> Group <legal>', members share their group's stem."""
    used: set[str] = set()
    names: list[str] = []
    stems: list[str] = []
    legal_forms: list[str] = []
    for i in range(n):
        region_legal, cities = COUNTRIES[country[i]][2], COUNTRIES[country[i]][3]
        for attempt in range(1000):
            legal = region_legal[int(rng.integers(len(region_legal)))]
            trade = TRADES[channel[i]][int(rng.integers(len(TRADES[channel[i]])))]
            if i == 0 and attempt == 0:
                stem = "Müller"
            elif parent_of[i] is not None:
                stem = stems[parent_of[i]]  # type: ignore[index]
            else:
                stem = STEMS[int(rng.integers(len(STEMS)))]
            if i < n_parents:
                name = f"{stem} {('Group', 'Holding')[int(rng.integers(2))]} {legal}"
            elif parent_of[i] is not None or attempt > 20:
                name = f"{stem} {trade} {cities[int(rng.integers(len(cities)))]} {legal}"
            elif country[i] == "FR" and (i == n_parents or rng.random() < 0.3):
                name = f"Société {stem} {trade} {legal}"
            else:
                name = f"{stem} {trade} {legal}"
            if attempt > 200:
                name = f"{stem} {trade} {attempt} {legal}"
            if name_key(name) not in used:
                break
        used.add(name_key(name))
        names.append(name)
        stems.append(stem)
        legal_forms.append(legal)
    return names, stems, legal_forms
