"""Drawing the reports' charts with matplotlib (Agg, no pyplot: no global state, safe in the
sender threads), labelled in the reader's language and readable by colour-blind readers:
the Okabe-Ito palette, and a marker and a line style per series so that colour is never the
only cue. Every function returns None when there is nothing to chart."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.charts.series import Chart, ProjectSeries, RunWeek, WinWeek
from bot.i18n import Translator

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency; black last.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINES = ["-", "--", "-.", ":"]
GREY = "#666666"
DPI = 100
SMALL_MULTIPLES = 6  # more projects than this: one portfolio figure
PORTFOLIO_SHOWN = 40  # projects in the portfolio figure, furthest from target first
ALT_TEXT_LIMIT = 1000  # Slack's alt_txt


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return figure


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _style(ax: Any) -> None:
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)


def _day_axis(ax: Any, t: Translator) -> None:
    from matplotlib import dates as mdates
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=7))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _: t.day(mdates.num2date(x).date(), style="short_month"))
    )


def _percent_axis(ax: Any, t: Translator, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    formatter = FuncFormatter(lambda value, _: t.percent(value, digits=0))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _number_axis(ax: Any, t: Translator) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: t.number(value, digits=1)))


def _clip(text: str) -> str:
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


# ---------------------------------------------------------------- flash report


def flash_report_chart(
    t: Translator, projects: Sequence[ProjectSeries], *, week_of: date
) -> Chart | None:
    """Each KPI's way from its baseline (0 %) to its target (100 %) over time, per project,
    milestones marked; more than SMALL_MULTIPLES projects: one portfolio figure of where each
    project's KPIs stand today. None when no KPI has a value yet."""
    charted = [project for project in projects if project.has_values]
    if not charted:
        return None
    title = t.gettext("KPIs against their targets, week of {date}").format(date=t.day(week_of))
    if len(charted) > SMALL_MULTIPLES:
        png, alt = _portfolio(t, charted, title=title)
    else:
        png, alt = _small_multiples(t, charted, title=title)
    return Chart(
        png=png,
        alt_text=_clip(alt),
        filename=f"flash-report-{week_of.isoformat()}.png",
        title=title,
    )


def _small_multiples(
    t: Translator, projects: Sequence[ProjectSeries], *, title: str
) -> tuple[bytes, str]:
    from matplotlib import dates as mdates

    figure = _figure(9, 1.2 + 2.6 * len(projects))
    axes = figure.subplots(len(projects), 1, squeeze=False)[:, 0]
    figure.suptitle(title, fontsize=13)
    alt = [title + "."]
    for ax, project in zip(axes, projects, strict=True):
        _style(ax)
        ax.set_title(project.name, loc="left", fontsize=11, fontweight="bold")
        ax.axhline(0, color=GREY, linewidth=1, linestyle=(0, (2, 2)))
        ax.axhline(1, color=PALETTE[2], linewidth=1.5, linestyle=(0, (6, 2)))
        ax.text(
            1.0,
            1,
            " " + t.gettext("Target"),
            transform=ax.get_yaxis_transform(),
            va="center",
            ha="left",
            fontsize=8,
            color=PALETTE[2],
        )
        ax.text(
            1.0,
            0,
            " " + t.gettext("Baseline"),
            transform=ax.get_yaxis_transform(),
            va="center",
            ha="left",
            fontsize=8,
            color=GREY,
        )
        facts = []
        for index, kpi in enumerate(k for k in project.kpis if k.points):
            days = [mdates.date2num(when) for when, _ in kpi.points]
            progress = [kpi.progress(value) for _, value in kpi.points]
            label = f"{kpi.name} ({kpi.unit})" if kpi.unit else kpi.name
            ax.plot(
                days,
                progress,
                color=PALETTE[index % len(PALETTE)],
                marker=MARKERS[index % len(MARKERS)],
                linestyle=LINES[index % len(LINES)],
                linewidth=2,
                markersize=5,
                label=label,
            )
            latest = kpi.points[-1][1]
            facts.append(
                t.gettext("{kpi} at {value} (baseline {baseline}, target {target})").format(
                    kpi=kpi.name,
                    value=_value(t, latest, kpi.unit),
                    baseline=_value(t, kpi.baseline, kpi.unit),
                    target=_value(t, kpi.target, kpi.unit),
                )
            )
        for day, name in project.milestones:
            ax.axvline(mdates.date2num(day), color=PALETTE[3], linewidth=1, linestyle=":")
            ax.annotate(
                "◆ " + name[:30],
                xy=(mdates.date2num(day), 1.02),
                xycoords=("data", "axes fraction"),
                fontsize=7,
                color=PALETTE[3],
                rotation=0,
                ha="left",
            )
        _day_axis(ax, t)
        _percent_axis(ax, t)
        ax.set_ylabel(t.gettext("Way to target"), fontsize=9)
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        milestones = "; ".join(
            t.gettext("milestone {name} on {date}").format(name=name, date=t.day(day))
            for day, name in project.milestones[:3]
        )
        alt.append(
            f"{project.name}: " + "; ".join(facts) + (f"; {milestones}" if milestones else "") + "."
        )
    return _png(figure), " ".join(alt)


def _value(t: Translator, value: float, unit: str) -> str:
    if unit == "%":
        return t.percent(value / 100, digits=2)
    return t.number(value) + (f" {unit}" if unit else "")


def _portfolio(
    t: Translator, projects: Sequence[ProjectSeries], *, title: str
) -> tuple[bytes, str]:
    ranked = sorted(
        ((project.latest_progress or 0.0, project.name) for project in projects),
        key=lambda pair: pair[0],
    )
    shown = ranked[:PORTFOLIO_SHOWN]
    figure = _figure(9, 1.5 + 0.28 * len(shown))
    ax = figure.subplots()
    _style(ax)
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.grid(axis="y", visible=False)
    names = [name[:40] for _, name in shown]
    values = [value for value, _ in shown]
    colours = [
        PALETTE[3] if value < 0.34 else PALETTE[1] if value < 0.67 else PALETTE[2]
        for value in values
    ]
    hatches = ["//" if value < 0.34 else ".." if value < 0.67 else "" for value in values]
    bars = ax.barh(range(len(shown)), values, color=colours, edgecolor="#333333", linewidth=0.5)
    for bar, hatch in zip(bars, hatches, strict=True):
        bar.set_hatch(hatch)
    ax.set_yticks(range(len(shown)), names, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(1, color=PALETTE[2], linewidth=1.5, linestyle=(0, (6, 2)))
    ax.axvline(0, color=GREY, linewidth=1)
    _percent_axis(ax, t, axis="x")
    ax.set_xlabel(t.gettext("Way to target (the mean of each project's KPIs)"))
    heading = title
    if len(ranked) > len(shown):
        heading += "\n" + t.ngettext(
            "{shown} furthest from target of {total} project",
            "{shown} furthest from target of {total} projects",
            len(ranked),
        ).format(shown=t.number(len(shown)), total=t.number(len(ranked)))
    ax.set_title(heading, fontsize=12)
    on_target = sum(1 for value, _ in ranked if value >= 1)
    alt = t.ngettext(
        "{title}. {total} project with KPI values; {on_target} at or past target. Furthest "
        "from target: {names}.",
        "{title}. {total} projects with KPI values; {on_target} at or past target. Furthest "
        "from target: {names}.",
        len(ranked),
    ).format(
        title=title,
        total=t.number(len(ranked)),
        on_target=t.number(on_target),
        names="; ".join(f"{name} {t.percent(value, digits=0)}" for value, name in shown[:10]),
    )
    return _png(figure), alt


# ---------------------------------------------------------------- run report


def run_report_chart(t: Translator, weeks: Sequence[RunWeek]) -> Chart | None:
    """The last weeks of the run: hours spent against capacity; requests received, closed and
    answered with a doc, and the share answered within the first-response SLA. None when the
    weeks hold nothing."""
    if not weeks or all(week.is_empty for week in weeks):
        return None
    from matplotlib import dates as mdates

    title = t.count("The run, last {count} week", "The run, last {count} weeks", len(weeks))
    figure = _figure(9, 6.5)
    hours_ax, requests_ax = figure.subplots(2, 1, sharex=True)
    figure.suptitle(title, fontsize=13)
    days = [mdates.date2num(week.week_start) for week in weeks]

    _style(hours_ax)
    hours_ax.bar(
        days,
        [week.hours_spent for week in weeks],
        width=4.5,
        color=PALETTE[0],
        edgecolor="#333333",
        linewidth=0.5,
        label=t.gettext("Run hours spent"),
    )
    hours_ax.step(
        days,
        [week.capacity_hours for week in weeks],
        where="mid",
        color=PALETTE[3],
        linestyle="--",
        linewidth=2,
        label=t.gettext("Run capacity"),
    )
    _number_axis(hours_ax, t)
    highest = max(max(week.hours_spent, week.capacity_hours) for week in weeks)
    hours_ax.set_ylim(0, max(highest, 1) * 1.3)  # room for the legend above the bars
    hours_ax.set_ylabel(t.gettext("Hours"))
    hours_ax.legend(loc="upper left", fontsize=8, frameon=False)

    _style(requests_ax)
    counted = [
        (t.gettext("Requests received"), [week.received for week in weeks]),
        (t.gettext("Closed"), [week.closed for week in weeks]),
        (t.gettext("Answered with a doc"), [week.answered_with_doc for week in weeks]),
    ]
    for index, (label, values) in enumerate(counted):
        requests_ax.plot(
            days,
            values,
            color=PALETTE[index + 1],
            marker=MARKERS[index],
            linestyle=LINES[index],
            linewidth=2,
            label=label,
        )
    _number_axis(requests_ax, t)
    requests_ax.set_ylabel(t.gettext("Requests"))
    sla_ax = requests_ax.twinx()
    shares = [week.within_sla for week in weeks]
    sla_ax.plot(
        [day for day, share in zip(days, shares, strict=True) if share is not None],
        [share for share in shares if share is not None],
        color=PALETTE[7],
        marker=MARKERS[4],
        linestyle=":",
        linewidth=1.5,
        label=t.gettext("Answered within the SLA"),
    )
    sla_ax.set_ylim(0, 1.05)
    _percent_axis(sla_ax, t)
    sla_ax.spines["top"].set_visible(False)
    lines = requests_ax.get_legend_handles_labels()
    more = sla_ax.get_legend_handles_labels()
    # Below the panel: a legend inside would hide the lines it explains.
    requests_ax.legend(
        lines[0] + more[0],
        lines[1] + more[1],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        fontsize=8,
        frameon=False,
        ncols=4,
    )
    _day_axis(requests_ax, t)

    last = weeks[-1]
    alt = t.ngettext(
        "{title}. Week of {date}: {spent} run hours of {capacity}; {received} request "
        "received, {closed} closed, {doc} answered with a doc; {sla} answered within the SLA.",
        "{title}. Week of {date}: {spent} run hours of {capacity}; {received} requests "
        "received, {closed} closed, {doc} answered with a doc; {sla} answered within the SLA.",
        last.received,
    ).format(
        title=title,
        date=t.day(last.week_start),
        spent=t.number(last.hours_spent, digits=1),
        capacity=t.number(last.capacity_hours),
        received=t.number(last.received),
        closed=t.number(last.closed),
        doc=t.number(last.answered_with_doc),
        sla="–" if last.within_sla is None else t.percent(last.within_sla),
    )
    trend = ", ".join(t.number(week.received) for week in weeks)
    alt += " " + t.gettext("Requests received week by week: {trend}.").format(trend=trend)
    return Chart(
        png=_png(figure),
        alt_text=_clip(alt),
        filename=f"run-report-{weeks[-1].week_start.isoformat()}.png",
        title=title,
    )


# ---------------------------------------------------------------- gazette


def gazette_wins_chart(t: Translator, weeks: Sequence[WinWeek]) -> Chart | None:
    """Wins per week over the quarter; None without a win."""
    if not weeks or not any(week.wins for week in weeks):
        return None
    from matplotlib import dates as mdates

    title = t.gettext("Wins per week this quarter")
    figure = _figure(9, 3.8)
    ax = figure.subplots()
    _style(ax)
    days = [mdates.date2num(week.week_start) for week in weeks]
    bars = ax.bar(
        days,
        [week.wins for week in weeks],
        width=5,
        color=PALETTE[2],
        edgecolor="#333333",
        linewidth=0.5,
    )
    ax.bar_label(bars, labels=[t.number(w.wins) if w.wins else "" for w in weeks], fontsize=8)
    _number_axis(ax, t)
    _day_axis(ax, t)
    ax.set_title(title, fontsize=13)
    total = sum(week.wins for week in weeks)
    best = max(weeks, key=lambda week: week.wins)
    alt = t.ngettext(
        "{title}: {total} win in {count} weeks; the most, {best}, in the week of {date}.",
        "{title}: {total} wins in {count} weeks; the most, {best}, in the week of {date}.",
        total,
    ).format(
        title=title,
        total=t.number(total),
        count=t.number(len(weeks)),
        best=t.number(best.wins),
        date=t.day(best.week_start),
    )
    return Chart(
        png=_png(figure),
        alt_text=_clip(alt),
        filename=f"gazette-wins-{weeks[-1].week_start.isoformat()}.png",
        title=title,
    )
