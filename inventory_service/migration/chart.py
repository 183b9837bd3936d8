"""The migration curve as inline SVG, drawn on the server: no script, no asset, no CDN.

Key vs token calls per minute (and the refusals the migration causes, dashed): on a good
day the key line falls to zero while the token line takes over. The curve spans the minutes
that hold calls (``cockpit.CURVE_MINUTES``), so an hour-old stack fills the width.
"""

from __future__ import annotations

from markupsafe import Markup

WIDTH, HEIGHT = 1400, 260
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 40, 30
LINES = (
    ("api_key", "API-key calls", "#c2410c", ' stroke-width="7"'),
    ("token", "token calls", "#1d4ed8", ' stroke-width="4"'),
    ("refused", "refused by the migration", "#b91c1c", ' stroke-width="3" stroke-dasharray="10 6"'),
)


def migration_chart(series: dict[str, list[int]]) -> Markup:
    minutes = len(series["token"])
    peak = max(1, *(max(values) for values in series.values()))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def point(i: int, value: int) -> str:
        x = LEFT + (plot_w * i / max(minutes - 1, 1))
        y = TOP + plot_h - plot_h * value / peak
        return f"{x:.1f},{y:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-labelledby="chart-title" class="chart" font-size="22"'
        ' font-family="system-ui, sans-serif">',
        f'<title id="chart-title">API-key vs token calls per minute, last {minutes} min</title>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"'
        ' stroke="#888" />',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#888" />',
        f'<text x="{LEFT - 8}" y="{TOP + 8}" text-anchor="end">{peak}</text>',
        f'<text x="{LEFT - 8}" y="{TOP + plot_h}" text-anchor="end">0</text>',
        f'<text x="{LEFT}" y="{HEIGHT - 4}">{minutes} min ago</text>',
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 4}" text-anchor="end">now</text>',
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 4}" text-anchor="middle">'
        "calls per minute</text>",
    ]
    for name, label, colour, dash in LINES:
        points = " ".join(point(i, v) for i, v in enumerate(series[name]))
        parts.append(
            f'<polyline class="line-{name}" fill="none" stroke="{colour}"'
            f'{dash} points="{points}"><title>{label}</title></polyline>'
        )
    for n, (name, label, colour, _) in enumerate(LINES):
        x = LEFT + 10 + n * 440
        parts.append(
            f'<rect x="{x}" y="6" width="28" height="10" fill="{colour}" />'
            f'<text x="{x + 36}" y="18">{label}: {series[name][-1]} this minute</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - numbers and fixed labels only
