"""The Web API methods the fake Slack models, and its per-workspace state.

``WebApiMethods`` is mixed into ``FakeSlack`` (fake_slack.py), which owns the HTTP server,
authentication, recording, faults and rate limits. Every handler runs under the fake's lock,
takes ``(workspace, args)`` and returns the response fields (``ok`` is added by the caller),
or raises ``SlackError``.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .blockkit_limits import check_message, check_view

VIEW_TYPES = {
    "views.open": frozenset({"modal", "home"}),
    "views.push": frozenset({"modal", "home"}),
    "views.update": frozenset({"modal", "home"}),
    "views.publish": frozenset({"home"}),
}
HandlerFn = Callable[["Workspace", dict[str, Any]], dict[str, Any]]


@dataclass
class UploadedFile:
    file_id: str
    filename: str
    title: str | None
    content: bytes
    channel_id: str | None
    initial_comment: str | None
    thread_ts: str | None
    team_id: str
    alt_text: str | None = None
    sha256: str = ""  # of the bytes received, kept or not (FakeSlack.keep_upload_bytes)
    size: int = 0


@dataclass
class Workspace:
    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str
    app_id: str
    domain: str
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    usergroups: dict[str, dict[str, Any]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    scheduled: list[dict[str, Any]] = field(default_factory=list)


class SlackError(Exception):
    """Raised inside handlers; becomes ``{"ok": false, "error": ...}``."""

    def __init__(
        self,
        error: str,
        messages: list[str] | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.error, self.messages, self.status, self.headers = (
            error,
            messages,
            status,
            headers or {},
        )


def invalid(*messages: str) -> SlackError:
    return SlackError("invalid_arguments", list(messages))


def truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _tz_offset(tz: str) -> tuple[int, str]:
    """(seconds east of UTC now, abbreviation) for an IANA zone; (0, tz) if unknown."""
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return 0, tz
    offset = now.utcoffset()
    return (int(offset.total_seconds()) if offset else 0), now.tzname() or tz


def number(args: dict[str, Any], key: str, default: float | None = None) -> float:
    """A numeric argument (Slack sends them as strings in forms and query strings)."""
    value: Any = args.get(key)
    if value in (None, ""):
        if default is None:
            raise invalid(f"[ERROR] missing required field: {key}")
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise invalid(f"[ERROR] {key} must be a number") from None


def user_record(
    team_id: str,
    user_id: str,
    *,
    name: str,
    real_name: str,
    display_name: str = "",
    email: str | None = None,
    tz: str = "UTC",
    locale: str = "en-US",
    is_admin: bool = False,
    is_owner: bool = False,
    deleted: bool = False,
    is_bot: bool = False,
) -> dict[str, Any]:
    """A users.info ``user`` object."""
    offset, label = _tz_offset(tz)
    profile = {
        "real_name": real_name,
        "real_name_normalized": real_name,
        # Slack leaves display_name empty until the person sets one; `name` is the handle.
        "display_name": display_name,
        "display_name_normalized": display_name,
        "team": team_id,
        "image_72": "https://example.invalid/a.png",
    }
    if email:
        profile["email"] = email
    return {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "real_name": real_name,
        "deleted": deleted,
        "tz": tz,
        "tz_label": label,
        "tz_offset": offset,
        "locale": locale,
        "is_admin": is_admin,
        "is_owner": is_owner,
        "is_primary_owner": is_owner,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": is_bot,
        "is_app_user": False,
        "updated": 1700000000,
        "profile": profile,
    }


class WebApiMethods:
    """Handlers of the modelled Web API methods (a mixin for FakeSlack)."""

    workspaces: dict[str, Workspace]
    trigger_ttl_seconds: float
    uploaded_files: list[UploadedFile]
    _triggers: dict[str, float]
    _used_triggers: set[str]
    _pending_uploads: dict[str, dict[str, Any]]
    _ids: Iterator[int]
    _ts_micros: int

    @property
    def url(self) -> str:
        raise NotImplementedError

    def _handler_table(self) -> dict[str, HandlerFn]:
        return {
            "auth.test": self._auth_test,
            "team.info": self._team_info,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update_message,
            "chat.delete": self._delete_message,
            "chat.scheduleMessage": self._schedule_message,
            "chat.getPermalink": self._permalink,
            "conversations.info": self._conv_info,
            "conversations.join": self._conv_join,
            "conversations.list": self._conv_list,
            "conversations.open": self._conv_open,
            "conversations.history": self._conv_history,
            "conversations.replies": self._conv_replies,
            "reactions.add": self._reactions_add,
            "reactions.get": self._reactions_get,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "users.lookupByEmail": self._users_by_email,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroup_users,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

    # --- helpers ------------------------------------------------------------------------
    def _next_ts(self) -> str:
        self._ts_micros += 100
        return f"{self._ts_micros // 1_000_000}.{self._ts_micros % 1_000_000:06d}"

    def _resolve(self, ws: Workspace, channel: str, *, post: bool) -> dict[str, Any]:
        """Channel record for an id, ``#name`` or user id (DM); checks bot membership."""
        if channel[:1] in ("U", "W"):
            dm_id = f"D{channel}"
            return ws.channels.setdefault(
                dm_id,
                {
                    "id": dm_id,
                    "is_im": True,
                    "is_channel": False,
                    "is_private": True,
                    "is_member": True,
                    "user": channel,
                },
            )
        ch = ws.channels.get(channel)
        if ch is None:
            ch = next(
                (c for c in ws.channels.values() if c.get("name") == channel.lstrip("#")), None
            )
        if ch is None:
            raise SlackError("channel_not_found")
        if not ch["is_member"]:
            raise SlackError(
                "not_in_channel" if post or not ch["is_private"] else "channel_not_found"
            )
        return ch

    def _store_message(
        self, ws: Workspace, channel_id: str, msg: dict[str, Any], thread_ts: str | None
    ) -> dict[str, Any]:
        history = ws.messages.setdefault(channel_id, [])
        if thread_ts:
            msg["thread_ts"] = thread_ts
            parent = next((m for m in history if m["ts"] == thread_ts), None)
            if parent is not None:
                parent.update(
                    thread_ts=thread_ts,
                    reply_count=parent.get("reply_count", 0) + 1,
                    latest_reply=msg["ts"],
                )
        history.append(msg)
        return msg

    def _find_message(self, ws: Workspace, channel_id: str, ts: str) -> dict[str, Any]:
        msg = next((m for m in ws.messages.get(channel_id, []) if m["ts"] == ts), None)
        if msg is None:
            raise SlackError("message_not_found")
        return msg

    def _validate_message(self, args: dict[str, Any], require_text: bool = True) -> None:
        problem = check_message(args, require_text=require_text)
        if problem:
            raise SlackError(*problem)

    def _bot_message(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "type": "message",
            "ts": self._next_ts(),
            "user": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": ws.app_id,
            "team": ws.team_id,
            "text": args.get("text") or "",
        }
        for key in ("blocks", "attachments", "metadata"):
            if args.get(key) is not None:
                msg[key] = args[key]
        return msg

    @staticmethod
    def _page(
        items: list[Any], args: dict[str, Any], kind: str, default_limit: int = 0
    ) -> tuple[list[Any], str]:
        start = 0
        if args.get("cursor"):
            try:
                prefix, _, index = base64.b64decode(str(args["cursor"])).decode().partition(":")
                start = int(index)
            except ValueError:
                prefix = ""
            if prefix != kind:
                raise SlackError("invalid_cursor")
        limit = int(number(args, "limit", default_limit)) or len(items)
        end = start + limit
        cursor = base64.b64encode(f"{kind}:{end}".encode()).decode() if end < len(items) else ""
        return items[start:end], cursor

    # --- handlers: auth, team, chat -----------------------------------------------------
    def _auth_test(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{ws.domain}.slack.com/",
            "team": ws.team_name,
            "user": "bot",
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    def _team_info(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        return {"team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.domain}}

    def _check_slack_files(self, ws: Workspace, args: dict[str, Any]) -> None:
        """An image block's slack_file must name a completed upload the poster can see: in
        this fake, a file the bot uploaded in this workspace (shared or not). Slack answers
        invalid_blocks ("invalid slack file") otherwise, and for an upload never completed."""
        blocks = args.get("blocks")
        if not isinstance(blocks, list):
            return
        known = {f.file_id for f in self.uploaded_files if f.team_id == ws.team_id}
        for index, block in enumerate(blocks):
            slack_file = block.get("slack_file") if isinstance(block, dict) else None
            if isinstance(slack_file, dict) and slack_file.get("id") not in known:
                pointer = f"/blocks/{index}/slack_file"
                raise SlackError(
                    "invalid_blocks", [f"[ERROR] invalid slack file [json-pointer:{pointer}]"]
                )

    def _post_message(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        self._validate_message(args)
        self._check_slack_files(ws, args)
        ch = self._resolve(ws, str(args["channel"]), post=True)
        msg = self._store_message(ws, ch["id"], self._bot_message(ws, args), args.get("thread_ts"))
        return {"channel": ch["id"], "ts": msg["ts"], "message": dict(msg)}

    def _post_ephemeral(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        self._validate_message(args)
        ch = self._resolve(ws, str(args["channel"]), post=True)
        msg = {
            **self._bot_message(ws, args),
            "channel": ch["id"],
            "user_to": args["user"],
            "thread_ts": args.get("thread_ts"),
        }
        ws.ephemerals.append(msg)
        return {"message_ts": msg["ts"]}

    def _update_message(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        self._validate_message(args)
        self._check_slack_files(ws, args)
        ch = self._resolve(ws, str(args["channel"]), post=True)
        msg = self._find_message(ws, ch["id"], str(args["ts"]))
        if msg.get("user") != ws.bot_user_id:
            raise SlackError("cant_update_message")
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                msg[key] = args[key]
        msg["edited"] = {"user": ws.bot_user_id, "ts": self._next_ts()}
        return {"channel": ch["id"], "ts": msg["ts"], "text": msg["text"], "message": dict(msg)}

    def _delete_message(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        ch = self._resolve(ws, str(args["channel"]), post=True)
        msg = self._find_message(ws, ch["id"], str(args["ts"]))
        if msg.get("user") != ws.bot_user_id:
            raise SlackError("cant_delete_message")
        ws.messages[ch["id"]].remove(msg)
        return {"channel": ch["id"], "ts": msg["ts"]}

    def _schedule_message(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        self._validate_message(args)
        ch = self._resolve(ws, str(args["channel"]), post=True)
        post_at = int(number(args, "post_at"))
        if post_at < time.time():
            raise SlackError("time_in_past")
        msg = self._bot_message(ws, args)
        scheduled = {
            "id": f"Q{next(self._ids):06d}",
            "channel_id": ch["id"],
            "post_at": post_at,
            "message": msg,
        }
        ws.scheduled.append(scheduled)
        return {
            "channel": ch["id"],
            "scheduled_message_id": scheduled["id"],
            "post_at": post_at,
            "message": msg,
        }

    def _permalink(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        ch = self._resolve(ws, str(args["channel"]), post=False)
        msg = self._find_message(ws, ch["id"], str(args["message_ts"]))
        link = f"https://{ws.domain}.slack.com/archives/{ch['id']}/p{msg['ts'].replace('.', '')}"
        if msg.get("thread_ts") and msg["thread_ts"] != msg["ts"]:
            link += f"?thread_ts={msg['thread_ts']}&cid={ch['id']}"
        return {"channel": ch["id"], "permalink": link}

    # --- handlers: conversations, reactions ---------------------------------------------
    def _conv_info(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        ch = ws.channels.get(str(args["channel"]))
        if ch is None or (ch["is_private"] and not ch["is_member"]):
            raise SlackError("channel_not_found")
        return {"channel": dict(ch)}

    def _conv_join(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        ch = ws.channels.get(str(args["channel"]))
        if ch is None:
            raise SlackError("channel_not_found")
        if ch["is_private"] or ch["is_im"]:
            raise SlackError("method_not_supported_for_channel_type")
        ch["is_member"] = True
        return {"channel": dict(ch)}

    def _conv_list(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        types = set(str(args.get("types") or "public_channel").split(","))

        def kind(c: dict[str, Any]) -> str:
            return (
                "im" if c["is_im"] else "private_channel" if c["is_private"] else "public_channel"
            )

        wanted = [
            c
            for c in ws.channels.values()
            if kind(c) in types and (c["is_member"] or not c["is_private"])
        ]
        page, cursor = self._page(wanted, args, "channel", 100)
        return {"channels": [dict(c) for c in page], "response_metadata": {"next_cursor": cursor}}

    def _conv_open(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            return {"channel": {"id": self._resolve(ws, str(args["channel"]), post=False)["id"]}}
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if len(users) != 1:
            raise invalid("[ERROR] the fake supports conversations.open for exactly one user")
        return {"channel": {"id": self._resolve(ws, users[0], post=False)["id"]}}

    @staticmethod
    def _visible(msg: dict[str, Any], all_metadata: bool) -> dict[str, Any]:
        """Strict: metadata is returned only when include_all_metadata is set."""
        out = dict(msg)
        if not all_metadata:
            out.pop("metadata", None)
        return out

    def _conv_history(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        ch = self._resolve(ws, str(args["channel"]), post=False)
        latest, oldest = number(args, "latest", math.inf), number(args, "oldest", 0)
        inclusive = truthy(args.get("inclusive"))
        top = [
            m
            for m in reversed(ws.messages.get(ch["id"], []))
            if (not m.get("thread_ts") or m["thread_ts"] == m["ts"] or m.get("reply_broadcast"))
            and (
                oldest <= float(m["ts"]) <= latest
                if inclusive
                else oldest < float(m["ts"]) < latest
            )
        ]
        page, cursor = self._page(top, args, "history", 100)
        all_md = truthy(args.get("include_all_metadata"))
        return {
            "messages": [self._visible(m, all_md) for m in page],
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def _conv_replies(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        ch = self._resolve(ws, str(args["channel"]), post=False)
        ts, history = str(args["ts"]), ws.messages.get(ch["id"], [])
        if not any(m["ts"] == ts for m in history):
            raise SlackError("thread_not_found")
        thread = [m for m in history if m["ts"] == ts or m.get("thread_ts") == ts]
        page, cursor = self._page(thread, args, "replies", 1000)
        all_md = truthy(args.get("include_all_metadata"))
        return {
            "messages": [self._visible(m, all_md) for m in page],
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def _reactions_add(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        ch = self._resolve(ws, str(args["channel"]), post=False)
        msg = self._find_message(ws, ch["id"], str(args["timestamp"]))
        reactions = [dict(r) for r in msg.get("reactions", [])]
        entry = next((r for r in reactions if r["name"] == args["name"]), None)
        if entry is None:
            reactions.append({"name": args["name"], "users": [ws.bot_user_id], "count": 1})
        elif ws.bot_user_id in entry["users"]:
            raise SlackError("already_reacted")
        else:
            entry.update(users=[*entry["users"], ws.bot_user_id], count=entry["count"] + 1)
        msg["reactions"] = reactions
        return {}

    def _reactions_get(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("timestamp"):
            raise invalid("[ERROR] the fake supports reactions.get for channel + timestamp only")
        ch = self._resolve(ws, str(args["channel"]), post=False)
        msg = self._find_message(ws, ch["id"], str(args["timestamp"]))
        return {"type": "message", "channel": ch["id"], "message": dict(msg)}

    # --- handlers: users, usergroups ----------------------------------------------------
    @staticmethod
    def _user_out(user: dict[str, Any], include_locale: bool) -> dict[str, Any]:
        out = dict(user)
        if not include_locale:
            del out["locale"]
        return out

    def _users_info(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        user = ws.users.get(str(args["user"]))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": self._user_out(user, truthy(args.get("include_locale")))}

    def _users_list(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        page, cursor = self._page(list(ws.users.values()), args, "user")
        locale = truthy(args.get("include_locale"))
        return {
            "members": [self._user_out(u, locale) for u in page],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": cursor},
        }

    def _users_by_email(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args["email"]).lower()
        user = next(
            (u for u in ws.users.values() if u["profile"].get("email", "").lower() == email), None
        )
        if user is None:
            raise SlackError("users_not_found")
        return {"user": self._user_out(user, False)}

    def _usergroups_list(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        with_users = truthy(args.get("include_users"))
        groups = [
            {k: v for k, v in g.items() if with_users or k != "users"}
            for g in ws.usergroups.values()
        ]
        return {"usergroups": groups}

    def _usergroup_users(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        group = ws.usergroups.get(str(args["usergroup"]))
        if group is None:
            raise SlackError("no_such_subteam")
        return {"users": list(group["users"])}

    # --- handlers: views ----------------------------------------------------------------
    def _check_view(self, method: str, view: Any) -> dict[str, Any]:
        errors = check_view(view, allowed_types=VIEW_TYPES[method])
        if errors:
            raise invalid(*errors)
        return view

    def _consume_trigger(self, trigger_id: str) -> None:
        issued = self._triggers.get(trigger_id)
        if issued is None or trigger_id in self._used_triggers:
            raise SlackError("invalid_trigger_id")
        if time.monotonic() - issued > self.trigger_ttl_seconds:
            raise SlackError("expired_trigger_id")
        self._used_triggers.add(trigger_id)

    def _store_view(
        self,
        ws: Workspace,
        view: dict[str, Any],
        view_id: str | None = None,
        root_view_id: str | None = None,
    ) -> dict[str, Any]:
        view_id = view_id or f"V{next(self._ids):08d}"
        stored = {
            "type": view["type"],
            "blocks": view.get("blocks", []),
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            **view,
            "id": view_id,
            "team_id": ws.team_id,
            "app_id": ws.app_id,
            "bot_id": ws.bot_id,
            "app_installed_team_id": ws.team_id,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08x}",
            "root_view_id": root_view_id or view_id,
            "previous_view_id": None,
        }
        ws.views[view_id] = stored
        return stored

    def _views_open(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        view = self._check_view("views.open", args["view"])
        ext = view.get("external_id")
        if ext and any(v.get("external_id") == ext for v in ws.views.values()):
            raise SlackError("duplicate_external_id")
        self._consume_trigger(str(args["trigger_id"]))
        return {"view": dict(self._store_view(ws, view))}

    def _views_update(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        view = self._check_view("views.update", args["view"])
        if args.get("view_id"):
            current = ws.views.get(str(args["view_id"]))
        elif args.get("external_id"):
            current = next(
                (v for v in ws.views.values() if v.get("external_id") == args["external_id"]), None
            )
        else:
            raise invalid("[ERROR] missing required field: view_id or external_id")
        if current is None:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view = {"external_id": current["external_id"], **view}  # an update keeps the external_id
        return {"view": dict(self._store_view(ws, view, current["id"], current["root_view_id"]))}

    def _views_publish(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        view = self._check_view("views.publish", args["view"])
        user_id = str(args["user_id"])
        current = ws.homes.get(user_id)
        if current is not None and args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        stored = self._store_view(ws, view, current["id"] if current else None)
        ws.homes[user_id] = stored
        return {"view": dict(stored)}

    # --- handlers: files ----------------------------------------------------------------
    def _upload_url(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        length = int(number(args, "length"))
        if length < 1:
            raise SlackError("missing_argument")
        alt_text = args.get("alt_txt")
        if alt_text is not None and len(str(alt_text)) > 1000:
            raise SlackError("alt_txt_too_large")
        file_id = f"F{next(self._ids):08d}"
        self._pending_uploads[file_id] = {
            "id": file_id,
            "filename": str(args["filename"]),
            "length": length,
            "team_id": ws.team_id,
            "content": None,
            "alt_text": alt_text,
        }
        return {"upload_url": self.url.replace("/api/", f"/upload/{file_id}"), "file_id": file_id}

    def _complete_upload(self, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        files = args["files"]
        if not isinstance(files, list) or not all(
            isinstance(f, dict) and f.get("id") for f in files
        ):
            raise invalid("[ERROR] files must be a JSON array of {id, title} objects")
        pending = [self._pending_uploads.get(f["id"]) for f in files]
        if any(p is None or p["team_id"] != ws.team_id or p["content"] is None for p in pending):
            raise SlackError("file_not_found")
        channel_id = args.get("channel_id") or None
        if channel_id:
            channel_id = self._resolve(ws, str(channel_id), post=True)["id"]
        out = []
        for spec, p in zip(files, pending, strict=True):
            assert p is not None
            del self._pending_uploads[p["id"]]
            self.uploaded_files.append(
                UploadedFile(
                    p["id"],
                    p["filename"],
                    spec.get("title"),
                    p["content"],
                    channel_id,
                    args.get("initial_comment"),
                    args.get("thread_ts"),
                    ws.team_id,
                    p["alt_text"],
                    p.get("sha256", ""),
                    p.get("size", 0),
                )
            )
            out.append(
                {
                    "id": p["id"],
                    "name": p["filename"],
                    "title": spec.get("title") or p["filename"],
                    "size": p.get("size", len(p["content"])),
                }
            )
        if channel_id:
            msg = {
                **self._bot_message(ws, {"text": args.get("initial_comment")}),
                "files": out,
                "upload": True,
            }
            self._store_message(ws, channel_id, msg, args.get("thread_ts"))
        return {"files": out}
