"""The issue's text as the tracker shows it (plain text, the workspace's language)."""

from __future__ import annotations

from bot.i18n import Translator
from bot.intake.models import IntakeRequest
from bot.intake.views_text import BENEFICIARY_LABELS, IMPACT_LABELS, label

DESCRIPTION_MAX = 30000  # Jira's limit is 32,767 characters


def description(
    t: Translator, request: IntakeRequest, *, requester_name: str, card_url: str | None
) -> str:
    """Need, impact, beneficiary, requester, estimate and a link back to the Slack card."""
    lines = [
        t.gettext("Need: {need}").format(need=request.need),
        t.gettext("Impact: {impact}").format(impact=label(t, IMPACT_LABELS, request.impact)),
        t.gettext("Who benefits: {beneficiary}").format(
            beneficiary=label(t, BENEFICIARY_LABELS, request.beneficiary)
        ),
        t.gettext("Requester: {name}").format(name=requester_name),
    ]
    if request.estimate_hours is not None:
        lines.append(
            t.gettext("Estimate: {hours} h").format(hours=t.number(request.estimate_hours))
        )
    if card_url:
        lines.append(t.gettext("Slack card: {url}").format(url=card_url))
    lines.append(t.gettext("Filed in Slack as REQ-{number}.").format(number=request.number))
    return "\n".join(lines)[:DESCRIPTION_MAX]
