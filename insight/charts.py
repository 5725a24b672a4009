"""Bar charts for the board report as plain SVG, drawn on the server and embedded inline in
the PDF's HTML (WeasyPrint renders inline SVG). Small on purpose: rectangles, lines and
text only, so the renderer needs no scripts, web fonts or stylesheets, and a test can count
the bars. Numbers on the axes are in Danish format.
"""

from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from billing.money import format_number

WIDTH = 680
HEIGHT = 230
LEFT = 80  # room for the axis labels
RIGHT = 10
TOP = 26  # room for the legend
BOTTOM = 36  # room for the category labels
TICKS = 5


@dataclass(frozen=True)
class Series:
    name: str
    values: list[Decimal]
    colour: str


def _nice_step(span: Decimal) -> Decimal:
    """A round step (1, 2, 2.5 or 5 × a power of ten) giving about ``TICKS`` ticks."""
    if span <= 0:
        return Decimal(1)
    raw = span / TICKS
    power = Decimal(1).scaleb(raw.adjusted())
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _ticks(low: Decimal, high: Decimal) -> list[Decimal]:
    step = _nice_step(high - low)
    first = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    ticks = []
    value = first
    while value < high + step:
        ticks.append(value)
        if value >= high:
            break
        value += step
    return ticks


def _tick_label(value: Decimal, step: Decimal) -> str:
    places = (
        0 if step == step.to_integral_value() else max(0, -step.normalize().as_tuple().exponent)
    )
    return format_number(value, min(places, 2))


def _text(x, y, content, *, anchor="middle", size=9, colour="#1a1a1a", extra="") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" '
        f'text-anchor="{anchor}" font-family="Arial, sans-serif"{extra}>{escape(content)}</text>'
    )


def bar_chart(title: str, categories: list[str], series: list[Series], unit: str = "") -> str:
    """Grouped vertical bars, one group per category, one bar per series; negative values
    hang below the zero line. A category's label may have a second line after a newline.
    Every bar is a ``<rect class="bar">`` with its series and value in ``data-`` attributes,
    and a ``<title>`` with the number in Danish format."""
    values = [Decimal(value) for one in series for value in one.values]
    low = min([Decimal(0), *values])
    high = max([Decimal(0), *values])
    if low == high:
        high = Decimal(1)
    ticks = _ticks(low, high)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else Decimal(1)
    low, high = ticks[0], ticks[-1]
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT

    def y(value) -> float:
        return TOP + float((high - Decimal(value)) / (high - low)) * plot_height

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{"#1a1a1a" if tick == 0 else "#dddddd"}" stroke-width="0.6"/>'
        )
        label = _tick_label(tick, step) + (f" {unit}" if unit else "")
        parts.append(_text(LEFT - 4, y(tick) + 3, label, anchor="end"))
    # Legend, top left, one swatch per series.
    x = LEFT
    for one in series:
        parts.append(f'<rect x="{x}" y="6" width="9" height="9" fill="{one.colour}"/>')
        parts.append(_text(x + 13, 14, one.name, anchor="start", size=10))
        x += 24 + 6 * len(one.name)
    group = plot_width / max(len(categories), 1)
    bar = group * 0.7 / max(len(series), 1)
    zero = y(0)
    for index, category in enumerate(categories):
        start = LEFT + index * group + group * 0.15
        for number, one in enumerate(series):
            value = Decimal(one.values[index])
            top, bottom = sorted((y(value), zero))
            parts.append(
                f'<rect class="bar" data-series="{escape(one.name)}" data-value="{value}" '
                f'x="{start + number * bar:.1f}" y="{top:.1f}" width="{bar * 0.92:.1f}" '
                f'height="{max(bottom - top, 0):.1f}" fill="{one.colour}">'
                f"<title>{escape(category)}: {format_number(value, 1)}"
                f"{' ' + escape(unit) if unit else ''}</title></rect>"
            )
        for line, text in enumerate(category.split("\n")):
            parts.append(
                _text(LEFT + index * group + group / 2, HEIGHT - BOTTOM + 13 + 11 * line, text)
            )
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bar_chart(
    title: str, labels: list[str], values: list[Decimal], unit: str = "", *, colours=None
) -> str:
    """One horizontal bar per label (e.g. a member), positive to the right of the zero line
    in the first colour, negative to the left in the second; the number in Danish format at
    the end of each bar. The chart grows with the number of labels."""
    positive, negative = colours or ("#2e7d32", "#b3261e")
    row = 18
    label_width = 170
    number_width = 90
    height = TOP + row * max(len(labels), 1) + 10
    numbers = [Decimal(value) for value in values]
    low = min([Decimal(0), *numbers])
    high = max([Decimal(0), *numbers])
    if low == high:
        high = Decimal(1)
    plot_left = label_width
    plot_width = WIDTH - label_width - number_width - RIGHT

    def x(value) -> float:
        return plot_left + float((Decimal(value) - low) / (high - low)) * plot_width

    zero = x(0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{TOP - 4}" y2="{height - 6}" '
        f'stroke="#1a1a1a" stroke-width="0.6"/>',
    ]
    for index, (label, value) in enumerate(zip(labels, numbers, strict=True)):
        top = TOP + index * row
        left, right = sorted((x(value), zero))
        text = format_number(value, 0) + (f" {unit}" if unit else "")
        parts.append(_text(label_width - 6, top + 12, label, anchor="end"))
        parts.append(
            f'<rect class="bar" data-value="{value}" x="{left:.1f}" y="{top + 2}" '
            f'width="{max(right - left, 0):.1f}" height="{row - 5}" '
            f'fill="{negative if value < 0 else positive}">'
            f"<title>{escape(label)}: {escape(text)}</title></rect>"
        )
        parts.append(_text(max(right, zero) + 4, top + 12, text, anchor="start"))
    parts.append("</svg>")
    return "".join(parts)
