"""Block Kit of the weekly gazette, the monthly top performers and the digest's wins section.

Data in, dict out. A gazette longer than Slack's 50 blocks per message is split on purpose:
the first message in the channel, the rest in its thread.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date, format_interval
from slack_sdk.models.blocks import (
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.celebrations.ranking import Ranking, Standing, WeekSummary, WinFact
from bot.celebrations.views import amounts, cut, escape, money, title_of, who, win_line
from bot.i18n import Translator
from bot.sections import Block

MESSAGE_BLOCK_LIMIT = 50
MEDALS = {1: ":first_place_medal:", 2: ":second_place_medal:", 3: ":third_place_medal:"}


def _section(text: str) -> Block:
    return SectionBlock(text=MarkdownTextObject(text=cut(text))).to_dict()


def _context(text: str) -> Block:
    return ContextBlock(elements=[MarkdownTextObject(text=cut(text))]).to_dict()


def week_label(t: Translator, week_start: date, week_end: date) -> str:
    return format_interval(week_start, week_end, skeleton="yMMMd", locale=t.language)


# ---------------------------------------------------------------- gazette


def gazette_header(t: Translator, *, week_start: date, week_end: date) -> list[Block]:
    return [
        HeaderBlock(text=t.gettext(":newspaper: The weekly gazette")[:150]).to_dict(),
        # Read by the whole channel: each reader sees the days in their own format.
        _context(f"{t.channel_day(week_start)} – {t.channel_day(week_end)}"),
    ]


def gazette_wins(t: Translator, summary: WeekSummary) -> list[Block]:
    """The wins part: how many, totals per currency (and one converted total when the
    exchange-rate setting allows it), the top wins. [] in a week without wins."""
    if summary.count == 0:
        return []
    line = t.count(
        "*:trophy: {count} win this week*", "*:trophy: {count} wins this week*", summary.count
    )
    if summary.totals:
        line += "\n" + amounts(summary.totals, t)
    if summary.total_in_base is not None and summary.base_currency:
        line += " " + t.gettext("(≈ {total} in all)").format(
            total=money(summary.total_in_base, summary.base_currency, t)
        )
    blocks = [_section(line)]
    if summary.top:
        top = t.gettext("*Top wins*") + "\n" + "\n".join(win_line(t, win) for win in summary.top)
        blocks.append(_section(top))
    return blocks


def quiet_week(t: Translator) -> list[Block]:
    return [
        _section(
            t.gettext(
                ":seedling: A quiet week: no win, milestone or delivery to report. Quiet weeks "
                "prepare the next big ones. Celebrate anything worth it with `/revops-win`!"
            )
        )
    ]


def split_messages(
    header: list[Block], sections: list[list[Block]], *, limit: int = MESSAGE_BLOCK_LIMIT
) -> list[list[Block]]:
    """Lay the header and sections out in messages of at most `limit` blocks: a divider before
    each section, a new message when the next piece does not fit, a section longer than a
    whole message cut into pieces."""
    messages: list[list[Block]] = [list(header)]
    divider = DividerBlock().to_dict()
    for section in sections:
        for start in range(0, len(section), limit - 1):
            piece = section[start : start + limit - 1]
            if len(messages[-1]) + 1 + len(piece) <= limit:
                messages[-1].extend([divider, *piece])
            else:
                messages.append(list(piece))
    return messages


def gazette_texts(t: Translator, *, week_start: date, week_end: date, parts: int) -> list[str]:
    """Notification text of each message: the first names the week, the rest continue it."""
    first = t.gettext("The weekly gazette: {week}").format(week=week_label(t, week_start, week_end))
    return [first] + [t.gettext("The weekly gazette (continued)")] * (parts - 1)


# ---------------------------------------------------------------- top performers


def top_performers(
    t: Translator, *, month_start: date, rankings: list[Ranking]
) -> tuple[str, list[Block]]:
    month = format_date(month_start, "LLLL y", locale=t.language)
    title = t.gettext(":medal: Top performers of {month}").format(month=month)
    blocks = [HeaderBlock(text=title[:150]).to_dict()]
    for ranking in rankings:
        heading = _category_title(t, ranking)
        lines = [_standing_line(t, ranking, standing) for standing in ranking.standings]
        blocks.append(_section(heading + "\n" + "\n".join(lines)))
    notes = [t.gettext("Ties share a place.")]
    if len({r.currency for r in rankings if r.category == "sellers"}) > 1:
        notes.append(t.gettext("Amounts in different currencies are ranked apart, never added up."))
    blocks.append(_context(" ".join(notes)))
    return title, blocks[:MESSAGE_BLOCK_LIMIT]


def _category_title(t: Translator, ranking: Ranking) -> str:
    if ranking.category == "sellers":
        title = t.gettext(":moneybag: *Top sellers*")
        return f"{title} ({ranking.currency})" if ranking.currency else title
    if ranking.category == "support":
        return t.gettext(":hugging_face: *Top support agents*")
    return t.gettext(":clap: *Best cases of the month*")


def _standing_line(t: Translator, ranking: Ranking, standing: Standing) -> str:
    medal = MEDALS.get(standing.rank, f"{standing.rank}.")
    if ranking.category == "best_cases" and standing.win is not None:
        win = standing.win
        reactions = t.count("{count} reaction", "{count} reactions", standing.count)
        winners = f" ({who(t, win.winners)})" if win.winners else ""
        return f"{medal} *{escape(title_of(t, win.title))}*{winners} — {reactions}"
    assert standing.winner is not None
    person = who(t, [standing.winner])
    citation = _citation(t, ranking, standing)
    if ranking.category == "support":
        helped = t.ngettext("{count} customer helped", "{count} customers helped", standing.count)
        return f"{medal} {person} — {helped.format(count=t.number(standing.count))}{citation}"
    deals = t.count("{count} deal", "{count} deals", standing.count)
    if standing.amount is not None and ranking.currency:
        amount = money(standing.amount, ranking.currency, t)
        return f"{medal} {person} — {amount} · {deals}{citation}"
    return f"{medal} {person} — {deals}{citation}"


def _citation(t: Translator, ranking: Ranking, standing: Standing) -> str:
    """The short citation: the concrete win a standing rests on (a seller's biggest deal, an
    agent's most applauded case)."""
    win = standing.win
    if win is None:
        return ""
    title = f"*{escape(title_of(t, win.title))}*"
    if ranking.category == "sellers" and standing.amount is not None and win.has_amount:
        return " · " + t.gettext("biggest: {title} ({amount})").format(
            title=title,
            amount=money(win.amount, win.currency, t),  # type: ignore[arg-type]
        )
    return " · " + t.gettext("including {title}").format(title=title)


# ---------------------------------------------------------------- digest


def digest_wins(t: Translator, *, mine: list[WinFact], team: list[WinFact]) -> list[Block]:
    """The reader's wins of the week and their team's ([] when nobody won). The one line on
    the team's week is the digest's own (bot/digests), about more than wins."""
    blocks = []
    if mine:
        text = t.gettext("*:tada: Your wins this week*") + "\n"
        blocks.append(_section(text + "\n".join(win_line(t, win) for win in mine[:5])))
    if team:
        text = t.gettext("*Your team's wins*") + "\n"
        blocks.append(_section(text + "\n".join(win_line(t, win) for win in team[:5])))
    return blocks
