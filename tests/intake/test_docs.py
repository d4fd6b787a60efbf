"""Answer with a doc (and share it), then deflection: the next similar request never comes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.intake import knowledge
from bot.intake.ids import Action, Block, Callback
from bot.intake.models import Deflection, IntakeRequest, KnowledgeDoc, Status
from tests.harness import BotHarness
from tests.intake.helpers import (
    REVOPS_MEMBER,
    act,
    blocks_text,
    card_posts,
    card_updates,
    file_request,
    filing_values,
    open_filing,
    reload,
    set_up_intake,
    submit,
    thread_posts,
    wait_for_dm,
)
from tests.slack.signing import state_value

DASHBOARD = "https://bi.example.com/dashboards/pipeline-by-region"


def doc_values(*, url: str = DASHBOARD, share_to: str | None = None, message: str = "") -> dict:
    values = {
        Block.doc_url: {Block.doc_url: url},
        Block.doc_summary: {
            Block.doc_summary: "The pipeline by region dashboard is live and filterable."
        },
        Block.share_message: {Block.share_message: message},
    }
    if share_to:
        values[Block.share_channel] = {
            Block.share_channel: state_value("conversations_select", share_to)
        }
    return values


def remember_dashboard(bot: BotHarness) -> int:
    with bot.session() as session:
        doc = knowledge.remember_doc(
            session=session,
            team_id="T1",
            url=DASHBOARD,
            summary="The pipeline by region dashboard is live.",
            answered_text="Pipeline by region dashboard for the QBR",
            actor_id=REVOPS_MEMBER,
            now=datetime.now(UTC),
        )
        return doc.id


def test_answering_with_a_doc_closes_tells_and_shares_it_with_the_next_askers(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    bot.fake.add_channel(channel_id="CSDR", name="sdr-managers", is_member=False)
    request = file_request(bot)
    answer = act(
        bot,
        Action.answer_doc,
        Callback.answer_doc,
        request,
        doc_values(share_to="CSDR", message="SDR managers: this dashboard already exists!"),
    )
    assert answer.status == 200 and not answer.body

    told = wait_for_dm(bot, "U1", "already has an answer")
    assert "REQ-1" in told
    assert DASHBOARD in blocks_text(bot.fake.dms_to("U1")[-1]["blocks"])
    shared = bot.fake.messages("CSDR")
    assert shared
    assert bot.fake.calls("conversations.join")[0].args["channel"] == "CSDR"
    assert "this dashboard already exists" in blocks_text(shared[0]["blocks"])
    assert DASHBOARD in blocks_text(shared[0]["blocks"])
    assert reload(bot, request.id).status == Status.answered_doc
    with bot.session() as session:
        doc = session.scalars(select(KnowledgeDoc)).one()
        assert doc.url == DASHBOARD
        assert {"pipeline", "region", "dashboard", "quarterly"} <= set(doc.keywords.split())


def test_sharing_to_a_private_channel_without_the_bot_is_refused_on_the_field(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    bot.fake.add_channel(channel_id="GSECRET", name="secret", is_private=True, is_member=False)
    request = file_request(bot)
    answer = act(
        bot, Action.answer_doc, Callback.answer_doc, request, doc_values(share_to="GSECRET")
    )
    assert answer.json["response_action"] == "errors"
    assert "Invite the bot" in answer.json["errors"][Block.share_channel]
    bot.idle()
    assert reload(bot, request.id).status == Status.new


def test_a_known_doc_is_offered_before_filing_and_one_click_withdraws(bot: BotHarness) -> None:
    set_up_intake(bot)
    doc_id = remember_dashboard(bot)
    view = open_filing(bot, user="U2")
    shown = submit(
        bot,
        Callback.file,
        view,
        filing_values(title="Dashboard of the pipeline per region", need="For my team"),
        user="U2",
    )
    assert shown.json["response_action"] == "update"
    docs = blocks_text(shown.json["view"]["blocks"])
    # U2 reads Slack in French: the modal speaks French.
    assert "Est-ce que ceci y répond ?" in docs and DASHBOARD in docs
    # Why it matched: the draft's words as typed, and the same words in bold in the summary.
    assert "Mots communs : Dashboard, pipeline, region" in docs
    assert "> The *pipeline* by *region* *dashboard* is live." in docs

    updated = {**shown.json["view"], "id": view["id"]}
    for _ in range(2):  # a double click counts once
        bot.action(Action.deflected, str(doc_id), view=updated, user_id="U2")
    (closing, *_) = bot.fake.wait_for("views.update")
    assert "rien n'a été envoyé" in blocks_text(closing.args["view"]["blocks"])
    bot.idle()  # both clicks handled
    with bot.session() as session:
        assert session.scalar(select(func.count()).select_from(IntakeRequest)) == 0
        deflections = session.scalars(select(Deflection)).all()
        assert [(d.user_id, d.doc_id) for d in deflections] == [("U2", doc_id)]
    assert card_posts(bot) == []


def test_not_what_they_need_submitting_again_files_as_usual(bot: BotHarness) -> None:
    set_up_intake(bot)
    remember_dashboard(bot)
    view = open_filing(bot)
    values = filing_values(title="Pipeline by region dashboard, but in euros", need="For the QBR")
    shown = submit(bot, Callback.file, view, values)
    assert shown.json["response_action"] == "update"
    again = submit(
        bot,
        Callback.file,
        {**view, "private_metadata": shown.json["view"]["private_metadata"]},
        values,
    )
    assert "is filed" in blocks_text(again.json["view"]["blocks"])
    bot.idle()
    assert card_posts(bot)


def test_a_long_need_does_not_hide_the_doc_the_title_names(bot: BotHarness) -> None:
    """Three of the draft's ten words match the doc: too few of them (knowledge.DOC_RULE's
    share) but all of its title's (min_title_share): the doc is offered on its title."""
    set_up_intake(bot)
    remember_dashboard(bot)
    need = "To prepare the quarterly business review with the sales managers"
    with bot.session() as session:  # the same words typed as one text: nothing offered
        assert (
            knowledge.matching_docs(
                session=session, team_id="T1", text=f"Regional pipeline dashboard {need}"
            )
            == []
        )
    shown = submit(
        bot,
        Callback.file,
        open_filing(bot),
        filing_values(title="Regional pipeline dashboard", need=need),
    )
    assert shown.json["response_action"] == "update"
    assert DASHBOARD in blocks_text(shown.json["view"]["blocks"])

    # A title naming something else is not offered the doc for the words its need shares.
    other = submit(
        bot,
        Callback.file,
        open_filing(bot, user="U2"),
        filing_values(title="Regional quota split", need=f"Pipeline dashboard. {need}"),
        user="U2",
    )
    assert DASHBOARD not in blocks_text(other.json["view"]["blocks"])


def test_docs_appear_while_the_requester_types(bot: BotHarness) -> None:
    set_up_intake(bot)
    remember_dashboard(bot)
    view = open_filing(bot)
    bot.action(
        Block.request_title,
        "Pipeline dashboard by region",
        element_type="plain_text_input",
        block_id=Block.request_title,
        view=view,
        state_values={Block.request_title: {Block.request_title: "Pipeline dashboard by region"}},
    )
    (update,) = bot.fake.wait_for("views.update")
    assert DASHBOARD in blocks_text(update.args["view"]["blocks"])
    assert update.args["view_id"] == view["id"]


def test_a_doc_url_with_braces_is_told_updated_and_shared_like_any_other(
    bot: BotHarness,
) -> None:
    """A URL is data, never a template: braces in it reach Slack as they are."""
    set_up_intake(bot)
    bot.fake.add_channel(channel_id="CSDR", name="sdr-managers", is_member=False)
    request = file_request(bot)
    url = 'https://x.test/d?f={"r":1}'
    as_json = json.dumps(url)[1:-1]  # blocks_text is JSON
    answer = act(
        bot,
        Action.answer_doc,
        Callback.answer_doc,
        request,
        doc_values(url=url, share_to="CSDR", message="This one exists."),
    )
    assert answer.status == 200 and not answer.body

    wait_for_dm(bot, "U1", "already has an answer")
    assert as_json in blocks_text(bot.fake.dms_to("U1")[-1]["blocks"])
    (update,) = card_updates(bot, request)
    assert "Answered with a doc" in blocks_text(update.args["blocks"])
    (note,) = thread_posts(bot, request)
    assert f"answered with a doc: <{url}|" in note.args["text"]
    shared = bot.fake.messages("CSDR")
    assert shared
    assert as_json in blocks_text(shared[0]["blocks"])
    assert bot.fake.home_of("U1")


STATEMENTS = "https://wiki.example.com/fr/releve-commissions"


def test_a_doc_sharing_no_exact_word_is_offered_by_word_forms_and_accents(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    with bot.session() as session:
        knowledge.remember_doc(
            session=session,
            team_id="T1",
            url=STATEMENTS,
            summary="Relevés de commissions mensuels dans CaptivateIQ.",
            answered_text="",
            actor_id=REVOPS_MEMBER,
            now=datetime.now(UTC),
        )
    view = open_filing(bot)
    shown = submit(
        bot,
        Callback.file,
        view,
        filing_values(title="Releve commission mensuel", need="Mars est faux"),
    )
    docs = blocks_text(shown.json["view"]["blocks"])
    assert STATEMENTS in docs
    assert "Matched: Releve, commission, mensuel" in docs
    assert "> *Relevés* de *commissions* *mensuels* dans CaptivateIQ." in docs
    bot.idle()
    assert card_posts(bot) == []  # offered, not filed


def test_drafts_with_search_syntax_are_answered_never_a_500(bot: BotHarness) -> None:
    set_up_intake(bot)
    remember_dashboard(bot)
    view = open_filing(bot)
    for typed in ('NEAR("pipeline" *', "'; DROP TABLE intake_docs; --", "x" * 3000, "a"):
        answer = bot.action(
            Block.request_title,
            typed,
            element_type="plain_text_input",
            block_id=Block.request_title,
            view=view,
            state_values={Block.request_title: {Block.request_title: typed}},
        )
        assert answer.status == 200
    bot.idle()
    # At most "pipeline" was searched, as a word (PostgreSQL's ts_rank may find it enough).
    for update in bot.fake.calls("views.update"):
        assert DASHBOARD in blocks_text(update.args["view"]["blocks"])
    hostile = filing_values(title='pipeline* NEAR(region) OR "dashboard', need="') OR 1=1; -- ^:*")
    shown = submit(bot, Callback.file, view, hostile)
    assert shown.status == 200
    docs = blocks_text(shown.json["view"]["blocks"])
    assert DASHBOARD in docs  # its words are searched as words
    one_letter = submit(bot, Callback.file, open_filing(bot), filing_values(title="a", need="b"))
    assert one_letter.status == 200
    assert "is filed" in blocks_text(one_letter.json["view"]["blocks"])
    with bot.session() as session:
        assert session.scalar(select(func.count()).select_from(IntakeRequest)) == 1


def test_a_french_draft_is_offered_the_english_doc_it_shares_no_word_with(
    bot: BotHarness,
) -> None:
    """Through the bilingual glossary: "fusionner des comptes en doublon" is "merge duplicate
    accounts", and the modal says which words matched on both sides."""
    set_up_intake(bot)
    merge_doc = "https://wiki.example.com/sales/merge-duplicate-accounts"
    with bot.session() as session:
        knowledge.remember_doc(
            session=session,
            team_id="T1",
            url=merge_doc,
            summary="Merge duplicate accounts yourself with the merge button.",
            answered_text="Two accounts for the same customer",
            actor_id=REVOPS_MEMBER,
            now=datetime.now(UTC),
        )
    remember_dashboard(bot)
    view = open_filing(bot)
    typed = "Fusionner des comptes en doublon"
    bot.action(
        Block.request_title,
        typed,
        element_type="plain_text_input",
        block_id=Block.request_title,
        view=view,
        state_values={Block.request_title: {Block.request_title: typed}},
    )
    (update,) = bot.fake.wait_for("views.update")
    shown = blocks_text(update.args["view"]["blocks"])
    assert merge_doc in shown and DASHBOARD not in shown
    assert "Matched: Fusionner, comptes, doublon" in shown
    assert "*Merge* *duplicate* *accounts* yourself" in shown
