"""The board report: a member's (with the partnership's totals) or the partnership's (every
member side by side) value and cost over a year or a quarter, as PDF (WeasyPrint, as the
invoices) and XLSX (openpyxl, as the billing tables). In Danish, like the invoices.
"""

from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from billing.money import format_kr, format_number
from core.exports import workbook_bytes
from insight import charts, selectors
from insight.models import MinutesBasis

BASIS = {
    MinutesBasis.DEPLOYMENT: "eget skøn",
    MinutesBasis.CATALOG: "katalogets skøn",
    MinutesBasis.MISSING: "intet skøn",
}
EXPLANATION = [
    "Sparet tid = arbejdsopgaver robotten har gjort færdige × sparede minutter pr. opgave "
    "(idriftsættelsens eget skøn, ellers katalogrobottens). Opgaver sendt tilbage til "
    "manuel behandling og opgaver uden skøn tæller som ingen sparet tid.",
    "Værdi = sparede timer × medlemmets værdi af en sparet time.",
    "Årsværk = sparede timer ÷ {hours} timer pr. år (37 timer × 52 uger, den danske "
    "fuldtidsnorm), for de viste måneder.",
    "Omkostning = medlemmets fakturaer fratrukket kreditnotaer, inkl. moms. Måneder, der "
    "ikke er afsluttet, er foreløbige: fakturakladden, som den beregnes nu.",
    "Tilbagebetaling = den måned, hvor den samlede værdi første gang dækkede den samlede "
    "omkostning, regnet fra den første måned med værdi eller omkostning.",
]


MONTH_NAMES = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
VALUE_COLOUR = "#2e7d32"
COST_COLOUR = "#0059b3"
HOURS_COLOUR = "#00796b"


def _kr(ore: int) -> Decimal:
    return Decimal(ore) / 100


def _month_label(month, *, first: bool, preliminary: bool) -> str:
    """A chart's label: 'okt.' ('okt. *' when preliminary), with the year on a second line
    for the first month shown and each January, so twelve months fit side by side."""
    name = f"{MONTH_NAMES[month.month - 1]}.{' *' if preliminary else ''}"
    return f"{name}\n{month.year}" if first or month.month == 1 else name


def report_charts(report: dict) -> dict:
    """The report's charts as inline SVG: value against cost and hours saved per month, and
    for the partnership's report each member's net benefit."""
    monthly = report["shown"].monthly
    names = [
        _month_label(month.month, first=index == 0, preliminary=month.figures.preliminary)
        for index, month in enumerate(monthly)
    ]
    drawn = {
        "value_cost": charts.bar_chart(
            "Værdi og omkostning pr. måned (kr)",
            names,
            [
                charts.Series("Værdi", [_kr(m.figures.value_ore) for m in monthly], VALUE_COLOUR),
                charts.Series(
                    "Omkostning", [_kr(m.figures.cost_ore) for m in monthly], COST_COLOUR
                ),
            ],
            unit="kr",
        ),
        "hours": charts.bar_chart(
            "Sparede timer pr. måned",
            names,
            [
                charts.Series(
                    "Sparede timer", [m.figures.hours_saved for m in monthly], HOURS_COLOUR
                )
            ],
        ),
    }
    if report["member"] is None:
        rows = report["partnership"].rows
        drawn["net_per_member"] = charts.horizontal_bar_chart(
            "Nettogevinst pr. medlem (kr)",
            [row.name for row in rows],
            [_kr(row.figures.net_ore) for row in rows],
            unit="kr",
        )
    return drawn


def _percent(value) -> str:
    return "–" if value is None else f"{format_number(value, 1)} %"


def _months(count) -> str:
    if not count:
        return "endnu ikke"
    return f"{count} måned" if count == 1 else f"{count} måneder"


def build(site, member, span: selectors.Span) -> dict:
    """What a report holds: a member's (``member``) or the partnership's."""
    partnership = selectors.partnership_insight(span, with_members=member is None)
    insight = selectors.member_insight(member, span) if member else None
    return {
        "site": site,
        "member": member,
        "span": span,
        "insight": insight,
        "partnership": partnership,
        "shown": insight or partnership,
        "pipeline": selectors.pipeline(member or site, span),
    }


def _figures_rows(figures, payback) -> list[tuple[str, str]]:
    return [
        ("Sparede timer", format_number(figures.hours_saved, 1)),
        ("Årsværk", format_number(figures.fte, 2)),
        ("Værdi", format_kr(figures.value_ore)),
        ("Omkostning", format_kr(figures.cost_ore)),
        ("Nettogevinst", format_kr(figures.net_ore)),
        ("Tilbagebetalingstid", _months(payback)),
        ("Kørsler", format_number(figures.runs)),
        ("Succesrate", _percent(figures.success_rate)),
        ("Manuel behandling", _percent(figures.manual_share)),
        ("Robottens kørselstid (timer)", format_number(figures.runtime_hours, 1)),
    ]


def title(report: dict) -> str:
    who = report["member"].name if report["member"] else "Fællesskabet"
    return f"Værdi og omkostning {report['span'].label}: {who}"


def filename(report: dict, suffix: str) -> str:
    who = report["member"].slug if report["member"] else "faellesskabet"
    return f"vaerdi-{who}-{report['span'].label.replace(' ', '-')}.{suffix}"


def pdf(report: dict) -> bytes:
    return HTML(string=html(report)).write_pdf()


def html(report: dict) -> str:
    """The PDF's HTML: tables, charts (inline SVG) and what the figures are based on."""
    shown = report["shown"]
    context = {
        "title": title(report),
        "made": timezone.localtime().strftime("%d.%m.%Y"),
        "report": report,
        "key_figures": _figures_rows(shown.total, shown.payback),
        "charts": report_charts(report),
        "partnership_figures": _figures_rows(
            report["partnership"].total, report["partnership"].payback
        )
        if report["member"]
        else None,
        "months": [
            {
                "label": month.label,
                "preliminary": month.figures.preliminary,
                "hours": format_number(month.figures.hours_saved, 1),
                "value": format_kr(month.figures.value_ore),
                "cost": format_kr(month.figures.cost_ore),
                "net": format_kr(month.figures.net_ore),
                "runs": format_number(month.figures.runs),
                "success": _percent(month.figures.success_rate),
                "manual": _percent(month.figures.manual_share),
            }
            for month in shown.monthly
        ],
        "rows": [
            {
                "name": row.name,
                "detail": row.detail,
                "minutes": "–"
                if row.minutes_per_item is None
                else f"{format_number(row.minutes_per_item, 1)} ({BASIS[row.minutes_basis]})",
                "hours": format_number(row.figures.hours_saved, 1),
                "value": format_kr(row.figures.value_ore),
                "cost": format_kr(row.figures.cost_ore),
                "net": format_kr(row.figures.net_ore),
                "payback": _months(row.payback),
            }
            for row in (report["insight"].rows if report["insight"] else [])
        ],
        "members": [
            {
                "name": row.name,
                "hours": format_number(row.figures.hours_saved, 1),
                "fte": format_number(row.figures.fte, 2),
                "value": format_kr(row.figures.value_ore),
                "cost": format_kr(row.figures.cost_ore),
                "net": format_kr(row.figures.net_ore),
                "success": _percent(row.figures.success_rate),
            }
            for row in report["partnership"].rows
        ],
        "ideas": [
            {
                "title": row.idea.title,
                "expected": format_number(row.expected_hours, 1),
                "actual": "–" if row.actual_hours is None else format_number(row.actual_hours, 1),
                "realised": _percent(row.realised_percent),
            }
            for row in report["pipeline"].ideas
        ],
        "pipeline_share": _percent(report["pipeline"].realised_percent),
        "preliminary": shown.preliminary_months,
        "missing": report["insight"].missing_estimates if report["insight"] else [],
        "explanation": [
            line.format(hours=format_number(settings.INSIGHT_HOURS_PER_FTE)) for line in EXPLANATION
        ],
    }
    return render_to_string("insight/report_pdf.html", context)


def xlsx(report: dict) -> bytes:
    """Sheets: key figures, months, robots (or members), ideas; amounts in kroner."""
    shown = report["shown"]
    sheets = {
        "Nøgletal": [["", title(report)]]
        + [[name, value] for name, value in _figures_rows(shown.total, shown.payback)]
        + [[], ["Grundlag"]]
        + [[line.format(hours=settings.INSIGHT_HOURS_PER_FTE)] for line in EXPLANATION],
        "Måneder": [
            [
                "Måned",
                "Foreløbig",
                "Sparede timer",
                "Værdi (kr)",
                "Omkostning (kr)",
                "Nettogevinst (kr)",
                "Kørsler",
                "Gennemførte kørsler",
                "Færdige opgaver",
                "Sendt til manuel behandling",
            ]
        ]
        + [
            [
                month.label,
                "ja" if month.figures.preliminary else "nej",
                month.figures.hours_saved,
                _kr(month.figures.value_ore),
                _kr(month.figures.cost_ore),
                _kr(month.figures.net_ore),
                month.figures.runs,
                month.figures.runs_succeeded,
                month.figures.items_done,
                month.figures.items_handed_back,
            ]
            for month in shown.monthly
        ],
    }
    if report["insight"]:
        sheets["Robotter"] = [
            [
                "Idriftsættelse",
                "Robot og version",
                "Minutter pr. opgave",
                "Grundlag",
                "Færdige opgaver",
                "Sparede timer",
                "Værdi (kr)",
                "Egen omkostning (kr)",
                "Nettogevinst (kr)",
                "Tilbagebetalingstid (måneder)",
            ]
        ] + [
            [
                row.name,
                row.detail,
                row.minutes_per_item,
                BASIS[row.minutes_basis],
                row.figures.items_done,
                row.figures.hours_saved,
                _kr(row.figures.value_ore),
                _kr(row.figures.cost_ore),
                _kr(row.figures.net_ore),
                row.payback,
            ]
            for row in report["insight"].rows
        ]
    else:
        sheets["Medlemmer"] = [
            [
                "Medlem",
                "Sparede timer",
                "Årsværk",
                "Værdi (kr)",
                "Omkostning (kr)",
                "Nettogevinst (kr)",
                "Kørsler",
                "Succesrate (%)",
            ]
        ] + [
            [
                row.name,
                row.figures.hours_saved,
                row.figures.fte,
                _kr(row.figures.value_ore),
                _kr(row.figures.cost_ore),
                _kr(row.figures.net_ore),
                row.figures.runs,
                row.figures.success_rate,
            ]
            for row in report["partnership"].rows
        ]
    sheets["Idéer"] = [
        ["Idé", "Status", "Forventede timer pr. år", "Faktiske timer pr. år", "Realiseret (%)"]
    ] + [
        [
            row.idea.title,
            row.idea.get_status_display(),
            row.expected_hours,
            row.actual_hours,
            row.realised_percent,
        ]
        for row in report["pipeline"].ideas
    ]
    return workbook_bytes(sheets)
