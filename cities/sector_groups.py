"""Families of NACE manufacturing divisions, for map colours and legends."""

from django.utils.translation import gettext_lazy as _

# (label, colour, divisions); colours are distinguishable and dark enough for white outlines.
SECTOR_GROUPS = [
    (_("Food, drink and tobacco"), "#2e7d32", (10, 11, 12)),
    (_("Textiles, clothing and leather"), "#8e24aa", (13, 14, 15)),
    (_("Wood, paper and printing"), "#795548", (16, 17, 18)),
    (_("Chemicals, plastics and minerals"), "#e65100", (19, 20, 21, 22, 23)),
    (_("Metals"), "#1a4f8b", (24, 25)),
    (_("Machinery and electronics"), "#00838f", (26, 27, 28)),
    (_("Vehicles and transport equipment"), "#c62828", (29, 30)),
    (_("Furniture, other manufacturing and repair"), "#ad1457", (31, 32, 33)),
]


def sector_groups() -> list[dict]:
    return [
        {"label": str(label), "colour": colour, "codes": list(codes)}
        for label, colour, codes in SECTOR_GROUPS
    ]
