"""The product catalogue the fictional manufacturer-distributor sells.

Each family is a description template over option lists; a SKU is one combination,
so descriptions are unique and read like real item-master text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import prod

import numpy as np


@dataclass(frozen=True)
class Family:
    name: str
    template: str
    options: tuple[tuple[str, tuple[str, ...]], ...]
    uom: str
    list_price: float  # typical list price, EUR per uom
    weight_kg: float  # typical unit weight
    volume_m3: float  # typical unit volume

    @property
    def capacity(self) -> int:
        """How many distinct descriptions the template can produce."""
        return prod(len(values) for _, values in self.options)

    def describe(self, combo: int) -> str:
        """Description of option combination number `combo` (mixed-radix decode)."""
        picked: dict[str, str] = {}
        for key, values in reversed(self.options):
            combo, i = divmod(combo, len(values))
            picked[key] = values[i]
        return self.template.format(**picked)


@dataclass(frozen=True)
class Category:
    name: str
    item_group: str  # the WMS item group that corresponds 1:1 to the category
    peak_week: int  # week of year when seasonal SKUs of this category peak
    brands: tuple[str, ...]
    families: tuple[Family, ...]


def _f(
    name: str,
    template: str,
    uom: str,
    price: float,
    weight: float,
    volume: float,
    **options: tuple[str, ...],
) -> Family:
    return Family(name, template, tuple(options.items()), uom, price, weight, volume)


def _r(*values: object) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


FINISH = _r("zinc", "A2 stainless", "A4 stainless", "hot-dip galvanised", "black")
GRIT = _r(40, 60, 80, 100, 120, 150, 180, 220, 240, 320, 400)
SERIES = _r("Alpha", "Linea", "Quadro", "Nova")
COLOUR = _r("pure white", "cream", "anthracite", "aluminium", "black")

CATEGORIES: tuple[Category, ...] = (
    Category(
        "Fasteners",
        "FAST",
        14,
        ("Boltex", "Fixmaster"),
        (
            _f(
                "Hex bolts",
                "Hex bolt M{d}x{l} {fin} {pk}pk",
                "PK",
                9,
                0.8,
                0.0006,
                d=_r(5, 6, 8, 10, 12, 16, 20),
                l=_r(16, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 100),
                fin=FINISH,
                pk=_r(10, 25, 50, 100, 200),
            ),
            _f(
                "Wood screws",
                "Wood screw {d}x{l}mm {head} {fin} {pk}pk",
                "PK",
                7,
                0.5,
                0.0004,
                d=_r("3.0", "3.5", "4.0", "4.5", "5.0", "6.0"),
                l=_r(16, 20, 25, 30, 35, 40, 50, 60, 70, 80),
                head=_r("countersunk Pozi", "countersunk Torx", "pan head Pozi"),
                fin=_r("yellow zinc", "zinc", "A2 stainless"),
                pk=_r(100, 200, 500),
            ),
            _f(
                "Nuts",
                "Hex nut M{d} {grade} {fin} {pk}pk",
                "PK",
                5,
                0.4,
                0.0003,
                d=_r(4, 5, 6, 8, 10, 12, 14, 16, 20, 24),
                grade=_r("class 8", "class 10", "nyloc", "flange"),
                fin=FINISH,
                pk=_r(50, 100, 200, 500),
            ),
            _f(
                "Washers",
                "{kind} washer M{d} {fin} {pk}pk",
                "PK",
                4,
                0.3,
                0.0002,
                kind=_r("Flat", "Spring", "Large flat", "Fender"),
                d=_r(4, 5, 6, 8, 10, 12, 14, 16, 20, 24),
                fin=FINISH,
                pk=_r(50, 100, 200, 500),
            ),
            _f(
                "Wall plugs",
                "{kind} wall plug {d}x{l}mm {pk}pk",
                "PK",
                6,
                0.2,
                0.0003,
                kind=_r("Nylon", "Universal", "Plasterboard", "Frame"),
                d=_r(5, 6, 8, 10, 12, 14),
                l=_r(25, 30, 40, 50, 60, 80),
                pk=_r(25, 50, 100, 200),
            ),
        ),
    ),
    Category(
        "Hand Tools",
        "HAND",
        48,
        ("Ironhand", "ProFix"),
        (
            _f(
                "Wrenches",
                "{kind} wrench {s}mm {mat} {fin}",
                "EA",
                14,
                0.25,
                0.0004,
                kind=_r("Combination", "Ratcheting combination", "Double open-end", "Ring"),
                s=_r(*range(6, 33)),
                mat=_r("chrome vanadium", "chrome molybdenum"),
                fin=_r("satin", "mirror polished", "black phosphate"),
            ),
            _f(
                "Screwdrivers",
                "Screwdriver {tip} x {l}mm {handle} handle",
                "EA",
                8,
                0.12,
                0.0003,
                tip=_r(
                    "PH0",
                    "PH1",
                    "PH2",
                    "PH3",
                    "PZ1",
                    "PZ2",
                    "PZ3",
                    "SL3.0",
                    "SL4.0",
                    "SL5.5",
                    "SL6.5",
                    "SL8.0",
                    "T10",
                    "T15",
                    "T20",
                    "T25",
                    "T30",
                ),
                l=_r(60, 75, 80, 100, 125, 150, 200),
                handle=_r("2-component", "insulated VDE", "stubby"),
            ),
            _f(
                "Pliers",
                "{kind} pliers {l}mm {grip} {jaw}",
                "EA",
                19,
                0.3,
                0.0005,
                kind=_r(
                    "Combination", "Long nose", "Side cutting", "Water pump", "Circlip", "Locking"
                ),
                l=_r(140, 160, 180, 200, 250, 300),
                grip=_r("dipped", "2-component", "insulated 1000V"),
                jaw=_r("polished", "black"),
            ),
            _f(
                "Hammers",
                "{kind} hammer {w}g {handle} handle",
                "EA",
                24,
                0.9,
                0.0012,
                kind=_r("Claw", "Engineer's", "Club", "Brick", "Soft-face"),
                w=_r(200, 300, 400, 500, 600, 800, 1000, 1250, 1500),
                handle=_r("fibreglass", "hickory", "steel", "ash"),
            ),
            _f(
                "Socket sets",
                "Socket set {drive} drive {n}-piece {kind}",
                "EA",
                79,
                3.5,
                0.006,
                drive=_r("1/4in", "3/8in", "1/2in", "3/4in"),
                n=_r(10, 12, 16, 19, 24, 32, 46, 94, 108),
                kind=_r("metric", "metric/imperial", "impact", "deep"),
            ),
        ),
    ),
    Category(
        "Power Tools",
        "POWR",
        47,
        ("Krafton", "Voltara"),
        (
            _f(
                "Cordless drills",
                "Cordless {kind} {v}V {ah}Ah {n}x battery {case}",
                "EA",
                189,
                2.2,
                0.012,
                kind=_r("drill driver", "combi drill", "impact driver", "rotary hammer"),
                v=_r(12, 18, 36),
                ah=_r("2.0", "4.0", "5.0", "8.0"),
                n=_r(1, 2),
                case=_r("case", "L-box", "bag"),
            ),
            _f(
                "Angle grinders",
                "Angle grinder {d}mm {w}W {feat}",
                "EA",
                119,
                2.4,
                0.008,
                d=_r(115, 125, 150, 180, 230),
                w=_r(800, 900, 1100, 1400, 1700, 2000, 2400),
                feat=_r("slim", "paddle switch", "soft start", "brushless"),
            ),
            _f(
                "Saws",
                "{kind} saw {d}mm {w}W",
                "EA",
                229,
                5.5,
                0.03,
                kind=_r("Circular", "Mitre", "Plunge", "Table"),
                d=_r(160, 165, 190, 210, 216, 254, 305),
                w=_r(1200, 1400, 1600, 1800, 2000),
            ),
            _f(
                "Batteries",
                "Li-ion battery {v}V {ah}Ah {tech}",
                "EA",
                89,
                0.7,
                0.0015,
                v=_r("10.8", 12, "14.4", 18, 36),
                ah=_r("1.5", "2.0", "3.0", "4.0", "5.0", "6.0", "8.0", "12.0"),
                tech=_r("standard", "compact", "high-output"),
            ),
            _f(
                "Drill bits",
                "{kind} drill bit {d}mm x {l}mm",
                "EA",
                6,
                0.05,
                0.00005,
                kind=_r("HSS-G", "HSS-Co", "SDS-plus masonry", "Wood spiral", "Tile"),
                d=_r(3, 4, 5, 6, 7, 8, 10, 12, 14, 16),
                l=_r(70, 110, 160, 210, 310),
            ),
        ),
    ),
    Category(
        "Electrical",
        "ELEC",
        40,
        ("Voltara", "Lumenic"),
        (
            _f(
                "Cable",
                "Installation cable {t} {c}x{x}mm² {l}m",
                "RL",
                65,
                6.0,
                0.01,
                t=_r("NYM-J", "NYM-O", "H07RN-F", "H05VV-F"),
                c=_r(2, 3, 4, 5, 7),
                x=_r("0.75", 1, "1.5", "2.5", 4, 6, 10),
                l=_r(25, 50, 100),
            ),
            _f(
                "Switches",
                "{kind} switch {series} {frame} {col}",
                "EA",
                9,
                0.1,
                0.0002,
                kind=_r("Rocker", "Two-way rocker", "Push-button", "Dimmer", "Pull-cord"),
                series=SERIES,
                frame=_r("flush 1-gang", "flush 2-gang", "surface IP44"),
                col=COLOUR,
            ),
            _f(
                "Sockets",
                "Schuko socket {series} {n}-gang {mount} {col}",
                "EA",
                11,
                0.12,
                0.0002,
                series=SERIES,
                n=_r(1, 2, 3),
                mount=_r("flush", "surface", "IP44"),
                col=COLOUR,
            ),
            _f(
                "LED lighting",
                "LED {kind} {w}W {k}K {ip}",
                "EA",
                39,
                1.1,
                0.004,
                kind=_r("panel 600x600", "downlight", "batten 1500mm", "floodlight", "high bay"),
                w=_r(10, 15, 20, 30, 40, 50, 100, 150),
                k=_r(3000, 4000, 5000, 6500),
                ip=_r("IP20", "IP44", "IP65"),
            ),
            _f(
                "Circuit breakers",
                "Circuit breaker {curve}{a}A {p}-pole {ka}kA",
                "EA",
                16,
                0.15,
                0.0002,
                curve=_r("B", "C"),
                a=_r(6, 10, 13, 16, 20, 25, 32, 40, 50, 63),
                p=_r(1, 2, 3, 4),
                ka=_r(6, 10),
            ),
        ),
    ),
    Category(
        "Plumbing",
        "PLMB",
        38,
        ("Aquaflow", "Hydrix"),
        (
            _f(
                "Press fittings",
                "Press fitting {kind} {d}mm {mat}",
                "EA",
                7,
                0.08,
                0.0001,
                kind=_r("elbow 90°", "elbow 45°", "tee", "coupling", "reducer", "end cap"),
                d=_r(12, 15, 18, 22, 28, 35, 42, 54),
                mat=_r("copper", "stainless", "carbon steel", "multilayer"),
            ),
            _f(
                "Pipes",
                "{mat} pipe {d}x{t}mm {l}m",
                "EA",
                29,
                2.5,
                0.003,
                mat=_r("Copper", "Stainless", "Multilayer PEX-AL-PEX", "PVC-U"),
                d=_r(12, 15, 16, 18, 20, 22, 28, 32),
                t=_r("1.0", "1.5", "2.0", "2.5"),
                l=_r(3, 5, 50),
            ),
            _f(
                "Valves",
                "Ball valve {dn} {mat} PN{pn} {handle}",
                "EA",
                22,
                0.5,
                0.0004,
                dn=_r("DN10", "DN15", "DN20", "DN25", "DN32", "DN40", "DN50"),
                mat=_r("brass", "nickel-plated brass", "stainless"),
                pn=_r(16, 25, 40),
                handle=_r("lever", "butterfly", "lockable"),
            ),
            _f(
                "Sealing rings",
                "Sealing ring {d}x{t}mm {mat} {pk}pk",
                "PK",
                5,
                0.05,
                0.00005,
                d=_r(8, 10, 12, 14, 16, 18, 20, 22, 24, 27),
                t=_r("1.0", "1.5", "2.0"),
                mat=_r("copper", "fibre", "rubber", "aluminium"),
                pk=_r(10, 50),
            ),
            _f(
                "Taps",
                "{kind} tap {series} {fin} {feat}",
                "EA",
                95,
                1.6,
                0.005,
                kind=_r(
                    "Basin mixer",
                    "Kitchen mixer",
                    "Bath filler",
                    "Shower mixer",
                    "Garden",
                    "Utility sink",
                ),
                series=_r("Riva", "Fonte", "Mare"),
                fin=_r("chrome", "brushed steel", "matt black", "brass"),
                feat=_r("standard", "thermostatic", "pull-out spout", "eco flow"),
            ),
        ),
    ),
    Category(
        "Safety",
        "SAFE",
        2,
        ("Guardix", "Shieldon"),
        (
            _f(
                "Gloves",
                "{kind} gloves {col} size {size} {pk} pairs",
                "PK",
                12,
                0.3,
                0.001,
                kind=_r(
                    "Nitrile work",
                    "Cut-resistant level C",
                    "Cut-resistant level D",
                    "Leather rigger",
                    "Winter thermal",
                    "Disposable nitrile",
                ),
                col=_r("grey", "black", "blue"),
                size=_r(6, 7, 8, 9, 10, 11),
                pk=_r(1, 12, 120),
            ),
            _f(
                "Eyewear",
                "Safety glasses {lens} lens {frame} {coat} EN166",
                "EA",
                9,
                0.05,
                0.0003,
                lens=_r("clear", "smoke", "amber", "mirror", "blue"),
                frame=_r("wraparound", "over-spec", "sport", "goggle"),
                coat=_r("uncoated", "anti-scratch", "anti-fog"),
            ),
            _f(
                "Hearing protection",
                "Ear plugs {kind} SNR {snr}dB {pk} pairs",
                "PK",
                15,
                0.2,
                0.0008,
                kind=_r("foam", "reusable corded", "detectable"),
                snr=_r(25, 28, 30, 33, 35, 37, 39),
                pk=_r(5, 50, 200),
            ),
            _f(
                "Workwear",
                "Hi-vis {kind} {col} size {size}",
                "EA",
                29,
                0.5,
                0.003,
                kind=_r("vest", "jacket", "trousers", "polo shirt", "softshell jacket"),
                col=_r("yellow", "orange", "yellow/navy", "orange/navy"),
                size=_r("S", "M", "L", "XL", "XXL", "3XL"),
            ),
            _f(
                "Footwear",
                "Safety {kind} {cls} size {n} {toe}",
                "PR",
                69,
                1.4,
                0.008,
                kind=_r("boot", "shoe"),
                cls=_r("S1P", "S3", "S3 SRC"),
                n=_r(*range(36, 48)),
                toe=_r("composite toe", "steel toe", "metal-free"),
            ),
        ),
    ),
    Category(
        "Adhesives & Sealants",
        "ADHS",
        22,
        ("Stickwell", "Bondex"),
        (
            _f(
                "Silicone",
                "{kind} silicone {col} {ml}ml",
                "EA",
                7,
                0.4,
                0.0004,
                kind=_r("Sanitary", "Neutral cure", "Acetoxy", "High-temp", "Glazing"),
                col=_r("white", "clear", "grey", "black", "jasmine", "beige"),
                ml=_r(80, 280, 300, 310),
            ),
            _f(
                "Construction adhesive",
                "{kind} adhesive {ml}ml {feat}",
                "EA",
                9,
                0.5,
                0.0005,
                kind=_r("Polymer construction", "Mounting", "Wood PVA D3", "Contact", "Hybrid MS"),
                ml=_r(250, 290, 310, 750, 1000),
                feat=_r("standard", "high-tack", "crystal clear", "fast grab"),
            ),
            _f(
                "PU foam",
                "PU foam {kind} {ml}ml {feat}",
                "EA",
                8,
                0.9,
                0.0012,
                kind=_r("gun-grade", "handheld", "fire-rated B1", "low-expansion"),
                ml=_r(500, 750, 880),
                feat=_r("summer", "winter", "all-season"),
            ),
            _f(
                "Tapes",
                "{kind} tape {w}mm x {l}m {col}",
                "RL",
                5,
                0.2,
                0.0003,
                kind=_r("Duct", "Masking", "Insulation PVC", "Double-sided foam", "Aluminium"),
                w=_r(12, 15, 19, 25, 38, 48, 50),
                l=_r(5, 10, 25, 50),
                col=_r("black", "grey", "white", "red", "blue", "yellow"),
            ),
            _f(
                "Epoxy",
                "Epoxy {kind} {g}g {cure}",
                "EA",
                12,
                0.15,
                0.0002,
                kind=_r("resin", "putty", "metal repair", "clear"),
                g=_r(25, 50, 100, 250, 500),
                cure=_r("5-min", "30-min", "24-hour"),
            ),
        ),
    ),
    Category(
        "Abrasives",
        "ABRS",
        12,
        ("Grindor", "Abraxa"),
        (
            _f(
                "Cutting discs",
                "Cutting disc {d}x{t}mm {mat} {pk}pk",
                "PK",
                14,
                1.0,
                0.0008,
                d=_r(115, 125, 150, 178, 230, 300),
                t=_r("1.0", "1.2", "1.6", "2.0", "2.5", "3.0"),
                mat=_r("steel", "stainless Inox", "stone", "aluminium"),
                pk=_r(1, 10, 25),
            ),
            _f(
                "Sanding sheets",
                "Sanding sheet P{grit} {size} {pk}pk",
                "PK",
                11,
                0.3,
                0.0004,
                grit=GRIT,
                size=_r("93x230mm", "115x280mm", "125mm disc", "150mm disc", "225mm disc"),
                pk=_r(10, 25, 50, 100),
            ),
            _f(
                "Flap discs",
                "Flap disc {d}mm P{grit} {mat} {back}",
                "EA",
                4,
                0.15,
                0.0002,
                d=_r(115, 125, 150, 180),
                grit=_r(40, 60, 80, 120),
                mat=_r("zirconia", "aluminium oxide", "ceramic"),
                back=_r("fibreglass backing", "plastic backing"),
            ),
            _f(
                "Wire brushes",
                "{kind} wire brush {d}mm {wire}",
                "EA",
                9,
                0.3,
                0.0004,
                kind=_r("Cup", "Wheel", "End", "Hand"),
                d=_r(50, 65, 75, 100, 115, 125),
                wire=_r("crimped steel", "knotted steel", "brass", "stainless"),
            ),
            _f(
                "Abrasive rolls",
                "Abrasive roll P{grit} {w}mm x {l}m {back}",
                "RL",
                24,
                1.2,
                0.0015,
                grit=GRIT,
                w=_r(25, 40, 50, 115),
                l=_r(25, 50),
                back=_r("cloth", "paper"),
            ),
        ),
    ),
)

HOUSE_BRAND = "NordLine"


def name_key(text: str) -> str:
    """Case- and punctuation-blind form used to keep names unique for name matching."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def allocate_families(n_skus: int, rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """How many SKUs each (category, family) gets, never more than its template allows."""
    fams = [
        (ci, fi, f.capacity) for ci, c in enumerate(CATEGORIES) for fi, f in enumerate(c.families)
    ]
    caps = np.array([cap for *_, cap in fams], dtype=np.int64)
    if n_skus > caps.sum():
        raise ValueError(f"catalogue can describe at most {caps.sum()} SKUs")
    weights = np.sqrt(caps) * rng.uniform(0.6, 1.4, len(caps))
    counts = np.floor(n_skus * weights / weights.sum()).astype(np.int64)
    counts = np.minimum(counts, caps)
    while (short := n_skus - counts.sum()) > 0:
        spare = caps - counts
        order = np.argsort(-spare, kind="stable")[:short]
        counts[order[spare[order] > 0]] += 1
    return [(ci, fi, int(n)) for (ci, fi, _), n in zip(fams, counts, strict=True)]


def sample_descriptions(family: Family, n: int, rng: np.random.Generator) -> list[str]:
    """`n` distinct descriptions from a family's template."""
    combos = np.sort(rng.choice(family.capacity, size=n, replace=False))
    return [family.describe(int(c)) for c in combos]
