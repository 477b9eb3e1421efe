"""Small charts drawn on the server as SVG (no script, no external file), shared by the reports."""
from dataclasses import dataclass
from html import escape

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class MonthBar:
    month: int  # 1..12
    value: int  # won
    count: int  # orders or records behind the value


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above `value` (at least 10,000 won)."""
    value = max(value, 10_000)
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return 10 * magnitude


def manwon(amount: int) -> str:
    """12,345,678 → '1,235만' (won in units of 10,000, rounded half up)."""
    return f"{(amount + 5_000) // 10_000:,}만"


def monthly_bars_svg(bars: list[MonthBar], *, year: int, title: str, css_class: str, value_attr: str,
                     colour: str, width: int = 760, height: int = 300) -> str:
    """Twelve months as bars with a won axis in 만원; each bar carries data-month and data-<value_attr>."""
    left, right, top, bottom = 64, 12, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling = nice_ceiling(max([b.value for b in bars] + [0]))
    slot = plot_w / 12
    bar_w = slot * 0.62
    title_id = f"{css_class}-title"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{title_id}" font-family="sans-serif" font-size="11">',
        f'<title id="{title_id}">{escape(title)}</title>',
    ]
    for i in range(5):
        amount = ceiling * i // 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{escape(manwon(amount))}</text>')
    for bar in bars:
        x = left + slot * (bar.month - 1) + (slot - bar_w) / 2
        h = plot_h * max(bar.value, 0) / ceiling
        y = top + plot_h - h
        label = _("%(year)s년 %(month)s월: %(amount)s원, %(count)s건") % {
            "year": year, "month": bar.month, "amount": f"{bar.value:,}", "count": f"{bar.count:,}"}
        parts.append(
            f'<rect class="bar" data-month="{bar.month}" data-{value_attr}="{bar.value}" x="{x:.1f}" y="{y:.1f}" '
            f'width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}"><title>{escape(label)}</title></rect>'
        )
        if bar.value:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" fill="#333">'
                         f'{escape(manwon(bar.value))}</text>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" fill="#333">'
                     f'{escape(_("%(month)s월") % {"month": bar.month})}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>')
    parts.append("</svg>")
    return "".join(parts)
