"""Where the bot keeps personal data: every column of every table, classified.

`tests/privacy/test_catalog.py` fails when a table or column is neither in PERSONAL nor in
NOT_PERSONAL, so a new column cannot slip past export and erasure unnoticed.

How each kind of personal column is erased (see service.erase_user):
- USER: holds one Slack user id → replaced by the user's stable pseudonym.
- USER_LIST: a JSON list of Slack user ids → the user's id replaced in the list.
- ROW_OWNER: the row is about the user alone (their cache entry, their opt-out) → row deleted.
- AUTHORED: free text the user wrote about themselves (a request's need) → "[erased]" when the
  row's `owner` column is the user.
- EMAIL / NAME: the user's e-mail or display name → cleared when the row's `owner` is the user.
- SECRET: a token of the user (OAuth user token) → cleared when `owner` is the user.
Free text and JSON columns listed in MENTIONS may name anyone: a mention or bare id (`<@U…>`,
matched on id boundaries, so U1 is not U10) becomes the pseudonym and one of the user's
e-mails becomes "[erased]", wherever they appear; export lists those rows too. FOLDED columns
are lower-cased copies of a MENTIONS column (lookup keys) and are scrubbed the same way, case
blind; KEYWORDS columns are words drawn from text, from which the user's id and the words of
their e-mail's local part are dropped.

SECRETS are credentials (bot tokens, webhook URLs, hashes of bearer tokens): never exported,
whoever the row names. A column of the user's own credentials is PERSONAL with Holds.secret,
never exported either. `tests/privacy/test_catalog.py` fails on a column named like a secret
that is in neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Holds(StrEnum):
    user = "user"
    user_list = "user_list"
    row_owner = "row_owner"
    authored = "authored"
    email = "email"
    name = "name"
    secret = "secret"


@dataclass(frozen=True)
class Personal:
    table: str
    column: str
    holds: Holds
    owner: str | None = None  # for AUTHORED / EMAIL / NAME / SECRET: the column naming the user


P = Personal
PERSONAL: tuple[Personal, ...] = (
    # core
    P("members", "user_id", Holds.row_owner),
    P("members", "name", Holds.name, owner="user_id"),
    P("webhook_tokens", "created_by", Holds.user),
    P("schedules", "recipient", Holds.row_owner),  # no schedule is kept for an erased user
    P("schedules", "subject", Holds.user),
    P("deliveries", "recipient", Holds.user),
    P("deliveries", "subject", Holds.user),
    P("deliveries", "channel", Holds.name, owner="recipient"),  # their DM channel id
    P("privacy_audit", "actor", Holds.user),
    P("privacy_audit", "subject", Holds.user),
    P("slack_installations", "user_id", Holds.user),
    P("slack_installations", "user_token", Holds.secret, owner="user_id"),
    P("slack_installations", "user_refresh_token", Holds.secret, owner="user_id"),
    P("slack_installations", "user_scopes", Holds.secret, owner="user_id"),
    # Kept under the pseudonym: an erased member who comes back still has their opt-out.
    P("digest_opt_outs", "user_id", Holds.user),
    # intake
    P("intake_requests", "requester_id", Holds.user),
    P("intake_requests", "assignee_id", Holds.user),
    P("intake_requests", "title", Holds.authored, owner="requester_id"),
    P("intake_requests", "need", Holds.authored, owner="requester_id"),
    P("intake_requests", "link", Holds.authored, owner="requester_id"),
    P("intake_requests", "source_permalink", Holds.authored, owner="requester_id"),
    P("intake_request_events", "actor_id", Holds.user),
    P("intake_request_events", "assignee_id", Holds.user),
    P("intake_request_events", "note", Holds.authored, owner="actor_id"),
    P("intake_docs", "created_by", Holds.user),
    # trackers
    P("tracker_connections", "connected_by", Holds.user),
    P("intake_deflections", "user_id", Holds.user),
    P("intake_watchers", "user_id", Holds.user),
    P("intake_queue_pages", "user_id", Holds.row_owner),
    P("intake_settings", "revops_member_ids", Holds.user_list),
    P("intake_settings", "team_lead_id", Holds.user),
    # projects
    P("projects", "owner_id", Holds.user),
    P("projects", "created_by", Holds.user),
    P("project_checkins", "posted_by", Holds.user),
    P("project_events", "actor_id", Holds.user),
    P("project_members", "user_id", Holds.row_owner),
    P("project_milestones", "reached_by", Holds.user),
    P("project_rollout_lines", "local_owner_id", Holds.user),
    P("project_kpi_values", "recorded_by", Holds.user),
    # celebrations
    P("celebration_email_users", "user_id", Holds.row_owner),
    P("celebration_email_users", "email", Holds.email, owner="user_id"),
    P("celebration_settings", "updated_by", Holds.user),
    P("wins", "created_by", Holds.user),
    P("win_winners", "user_id", Holds.user),
    P("win_winners", "email", Holds.email, owner="user_id"),
    P("win_winners", "name", Holds.name, owner="user_id"),
    P("win_reactions", "user_id", Holds.user),
)

# Free text, names and JSON where people mention each other (<@U…>), paste an e-mail, or
# name users in details. Names people type (a project, a KPI, a milestone, a roll-out line)
# are not personal in themselves, but may still carry a mention or an e-mail.
MENTIONS: dict[str, tuple[str, ...]] = {
    "intake_requests": ("title", "need", "link"),
    "intake_request_events": ("note",),
    "intake_docs": ("summary", "url"),
    "intake_rollouts": ("name",),
    "projects": ("name", "objective", "status_note", "blockers"),
    "project_checkins": ("done_text", "blockers"),
    "project_events": ("note", "details"),
    "project_milestones": ("name",),
    "project_rollout_lines": ("name",),
    "project_kpis": ("name", "unit"),
    "project_kpi_pushes": ("response",),
    "wins": ("title", "message", "problem", "source_ref"),
    "deliveries": ("error", "payload"),
    "privacy_audit": ("details",),
}

# Lower-cased copies of a MENTIONS column, kept to find a row by name.
FOLDED: dict[str, tuple[str, ...]] = {
    "projects": ("name_key",),
    "project_rollout_lines": ("name_key",),
    "project_kpis": ("name_key",),
}

# Space-separated keywords drawn from free text (a doc's summary and the requests it answered).
KEYWORDS: dict[str, tuple[str, ...]] = {"intake_docs": ("keywords",)}

# Vectors computed from a row's text (bot.semantic): dropped on erasure, recomputed lazily.
SEMANTIC_VECTORS: tuple[str, ...] = ("intake_docs", "intake_requests")

# Credentials: never exported, whoever the row names.
SECRETS: dict[str, frozenset[str]] = {
    name: frozenset(columns.split())
    for name, columns in {
        "slack_bots": "bot_token bot_refresh_token",
        "slack_installations": "bot_token bot_refresh_token incoming_webhook_url",
        "slack_oauth_states": "state",
        "webhook_tokens": "token_sha256",
    }.items()
}

# Everything else, table by table: ids, settings, states, numbers, dates, work content.
NOT_PERSONAL: dict[str, frozenset[str]] = {
    name: frozenset(columns.split())
    for name, columns in {
        "workspaces": "team_id name installed_at default_locale holidays holiday_country "
        "holiday_subdivision worked_holidays uninstalled_at",
        "members": "team_id tz locale is_admin is_owner is_bot deleted in_admin_group refreshed_at",
        "webhook_tokens": "id team_id created_at revoked_at",
        "schedules": "id team_id kind frequency weekday hour minute tz tz_follows_recipient "
        "paused next_run_at updated_at",
        "deliveries": "id team_id kind period status due_at attempts next_attempt_at claimed_by "
        "claimed_at parts_sent ts error finished_at created_at version payload uploaded_file_id",
        "send_budgets": "team_id lane tat",
        "privacy_audit": "id team_id action details at",
        "privacy_settings": "team_id retention_months uninstall_grace_days admin_usergroup_id",
        "privacy_erased_members": "team_id pseudonym erased_at",
        "slack_oauth_states": "id expire_at",
        "slack_bots": "id client_id app_id enterprise_id enterprise_name team_id team_name "
        "bot_id bot_user_id bot_scopes bot_token_expires_at is_enterprise_install installed_at",
        "slack_installations": "id client_id app_id enterprise_id enterprise_name enterprise_url "
        "team_id team_name bot_id bot_user_id bot_scopes "
        "bot_token_expires_at user_token_expires_at "
        "incoming_webhook_channel incoming_webhook_channel_id "
        "incoming_webhook_configuration_url is_enterprise_install token_type installed_at",
        "digest_settings": "team_id weekday hour enabled members_synced_at",
        "digest_opt_outs": "team_id unsubscribed_at",
        "intake_settings": "team_id intake_channel_id revops_usergroup_id who_may_file "
        "filer_usergroup_ids run_capacity_hours first_response_sla_days ask_why_reminder_days "
        "ask_why_close_days next_number updated_at tz",
        "intake_requests": "id team_id number filed_from_view impact beneficiary category "
        "wished_date rollout_id base_score filed_weekday_index status created_at touched_at "
        "first_response_at waiting_since closed_at estimate_hours card_channel_id card_ts "
        "eta_told solved escalated_at watcher_count duplicate_of_id merged_into_id "
        # A vector of the title and need (the semantic extra): cleared by an erasure
        # (privacy.service.erase), recomputed from the scrubbed text at the next search.
        "semantic_vector",
        "intake_watchers": "id team_id request_id via merged_request_id created_at",
        "intake_request_events": "id team_id request_id from_status to_status created_at "
        "estimate_hours solved",
        "intake_docs": "id team_id url url_sha256 summary keywords created_at times_used "
        "semantic_vector",  # as intake_requests' semantic_vector
        "intake_deflections": "id team_id doc_id view_id created_at",
        "intake_queue_pages": "team_id page",
        "intake_rollouts": "id team_id name active created_at",
        "projects": "id team_id name name_key objective usergroup_id channel_id tz start_date "
        "target_end_date phase status status_reason status_note status_changed_at health "
        "progress_pct blockers last_update_at created_at",
        "project_checkins": "id team_id project_id period due_at status channel_id card_ts "
        "remind_at miss_at reminded_at missed_at health progress_pct done_text blockers "
        "posted_at update_ts update_nonce",
        "project_events": "id team_id project_id at kind reason note details",
        "project_members": "project_id team_id via_group",
        "project_milestones": "id team_id project_id name due_date is_decision "
        "remind_days_before remind_on before_reminded_at day_reminded_at reached_at",
        "project_rollout_lines": "id team_id project_id name name_key status live_at "
        "handed_off_at position",
        "project_kpis": "id team_id project_id name name_key unit baseline target target_date "
        "direction current_value current_at checkin_value checkin_at previous_checkin_value "
        "target_reached_at position",
        "project_kpi_values": "id team_id kpi_id value recorded_at source",
        "project_kpi_pushes": "id team_id idempotency_key body_sha256 response created_at",
        "celebration_settings": "team_id channel_id gazette_weekday gazette_hour gazette_tz "
        "top_performers won_stages hubspot_portal_id base_currency exchange_rates "
        "channel_problem channel_warned_for updated_at salesforce_won_stages",
        # The Salesforce poll's state: no person, and no credential (those stay in the
        # environment); `problem` is what Salesforce answered ("invalid_grant: ...").
        "salesforce_sync": "team_id read_up_to polling_until org_currency last_polled_at "
        "problem problem_told_at unanswered_since outage_told_at",
        "celebration_email_users": "team_id looked_up_at admins_told_at",
        # A workspace's tracker: no credential (those stay in the environment); `problem` is
        # what the tracker answered ("Jira refused (401)").
        "tracker_connections": "team_id kind project issue_type create_on connected_at "
        "read_up_to polling_until last_polled_at problem problem_told_at",
        # Issue references only: the text (the requester's name among it) lives in
        # the tracker, whose own erasure tools apply.
        "tracker_issue_links": "id team_id request_id kind issue_id identifier url status "
        "seen_updated_at estimate_hours deleted_at created_at",
        "wins": "id team_id kind title amount currency message source source_ref created_at "
        "post_state prepare_attempts prepare_after problem hubspot_portal_id hubspot_deal_id "
        "channel_id ts posted_at",
        "win_winners": "id team_id win_id position",
        "win_reactions": "team_id win_id name present event_ts",
    }.items()
}


def is_left_out_of_exports(table: str, column: str) -> bool:
    """A credential, or a vector computed from text the export already holds (bytes that
    mean nothing to a person, and would not fit a JSON document)."""
    if table in SEMANTIC_VECTORS and column == "semantic_vector":
        return True
    return is_secret(table, column)


def is_secret(table: str, column: str) -> bool:
    """A credential: left out of every export."""
    if column in SECRETS.get(table, frozenset()):
        return True
    return any(
        entry.table == table and entry.column == column and entry.holds is Holds.secret
        for entry in PERSONAL
    )


def personal_columns(table: str) -> list[Personal]:
    return [entry for entry in PERSONAL if entry.table == table]


def tables_with_personal_data() -> list[str]:
    seen: dict[str, None] = {}
    for entry in PERSONAL:
        seen.setdefault(entry.table, None)
    for table in MENTIONS:
        seen.setdefault(table, None)
    return list(seen)
