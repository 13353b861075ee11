"""How WMS, CRM and TMS spell ERP codes, and which reconcile match method resolves each spelling.

Match methods follow docs/ARCHITECTURE.md: `exact` (same after trim/upper), `normalized`
(alphanumerics only), `numeric_core` (digits without leading zeros, unique in the ERP),
`name` (normalised description or name). TMS origins spelled as a WMS warehouse code
resolve through the warehouse crosswalk (`warehouse_code`).
"""

from __future__ import annotations

import re

import numpy as np

# style: (share, match method)
SKU_STYLES: dict[str, tuple[float, str]] = {
    "exact": (0.55, "exact"),  # SKU-00123
    "lower": (0.10, "exact"),  # sku-00123
    "padded": (0.08, "exact"),  # ' SKU-00123 '
    "compact": (0.12, "normalized"),  # SKU00123
    "digits": (0.08, "numeric_core"),  # 00123
    "bare": (0.07, "numeric_core"),  # 123
}
CUSTOMER_STYLES: dict[str, tuple[float, str]] = {
    "exact": (0.55, "exact"),  # C-00042
    "lower": (0.10, "exact"),  # c-00042
    "bare": (0.10, "numeric_core"),  # 42
    "digits": (0.10, "numeric_core"),  # 00042
    "compact": (0.15, "normalized"),  # C00042
}
TMS_CUSTOMER_STYLES: dict[str, tuple[float, str]] = {
    "exact": (0.30, "exact"),
    "bare": (0.25, "numeric_core"),
    "compact": (0.25, "normalized"),
    "lower": (0.20, "exact"),
}
LOCATION_STYLES: dict[str, str] = {  # WMS erp_location_id
    "exact": "exact",
    "lower": "exact",
    "compact": "normalized",
    "lead_space": "exact",
}
TMS_ORIGIN_STYLES: dict[str, str] = {
    "lower_compact": "normalized",
    "exact": "exact",
    "compact": "normalized",
    "warehouse": "warehouse_code",
}


def spell_code(code: str, style: str) -> str:
    """One ERP code (`SKU-00123`, `C-00042`, `DC-01`) in a foreign system's spelling."""
    prefix, digits = code.split("-", 1)
    return {
        "exact": code,
        "lower": code.lower(),
        "padded": f" {code} ",
        "lead_space": f" {code}",
        "compact": prefix + digits,
        "lower_compact": (prefix + digits).lower(),
        "digits": digits,
        "bare": str(int(digits)),
    }[style]


def pick_styles(
    styles: dict[str, tuple[float, str]], n: int, rng: np.random.Generator
) -> list[str]:
    names = list(styles)
    p = np.array([styles[s][0] for s in names])
    return [names[i] for i in rng.choice(len(names), n, p=p / p.sum())]


def vary_case_and_spacing(text: str, variant: int) -> str:
    """The same name re-keyed by hand: other case, doubled or trailing blanks."""
    v = variant % 4
    if v == 0:
        return text.upper()
    if v == 1:
        return text.lower() + "  "
    if v == 2:
        return re.sub(" ", "  ", text, count=2)
    return " " + text.upper().replace(" ", "  ", 1)


def short_name(name: str, legal_forms: tuple[str, ...]) -> str:
    """A second CRM spelling of a company: first word upper-case, legal form dropped
    ('Acme Industrial GmbH' -> 'ACME Industrial')."""
    base = name
    for form in sorted(legal_forms, key=len, reverse=True):
        if base.endswith(" " + form):
            base = base[: -len(form) - 1]
            break
    first, _, rest = base.partition(" ")
    return f"{first.upper()} {rest}".strip()
