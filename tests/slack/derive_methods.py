"""Derive ``slack_methods.json`` (the fake Slack's method table) from Slack's OpenAPI spec.

Usage::

    python tests/slack/derive_methods.py [path/to/slack_web_openapi_v2.json]

The default input is ``../shared/slack/slack_web_openapi_v2.json`` relative to the
repository root. The output, ``tests/slack/slack_methods.json``, is committed so the
test suite never needs the spec at run time.

Each entry: ``{"required": [...], "scopes": [...]}``, plus
``"token": "none"`` (no token: the spec declares no token parameter, e.g. oauth.v2.access)
or ``"token": "app"`` (needs an ``xapp-`` app-level token), and
``"source": "supplement"`` + ``"note"`` for entries corrected or added by SUPPLEMENT below.
The ``token`` parameter itself is never listed in ``required``: the fake checks it separately.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "slack" / "slack_web_openapi_v2.json"
OUTPUT = HERE / "slack_methods.json"

# The published v2 spec is old: it predates Socket Mode and the v2 file upload flow, and it
# marks many arguments as optional that Slack actually requires. Each entry below replaces
# (for "required"/"token") or adds (for unknown methods) what the spec says. Keep the
# "note" short: it is copied into slack_methods.json so the table documents itself.
SUPPLEMENT: dict[str, dict[str, Any]] = {
    # --- methods missing from the spec -------------------------------------------------
    "apps.connections.open": {
        "required": [],
        "scopes": ["connections:write"],
        "token": "app",
        "note": "Socket Mode; absent from spec; needs an xapp- token",
    },
    "files.getUploadURLExternal": {
        "required": ["filename", "length"],
        "scopes": ["files:write"],
        "note": "v2 upload flow; absent from spec",
    },
    "files.completeUploadExternal": {
        "required": ["files"],
        "scopes": ["files:write"],
        "note": "v2 upload flow; absent from spec",
    },
    "apps.event.authorizations.list": {
        "token": "app",
        "note": "needs an xapp- app-level token, not a bot token",
    },
    # --- real requirements the spec omits ----------------------------------------------
    "users.info": {"required": ["user"], "note": "spec omits required user"},
    "conversations.info": {"required": ["channel"], "note": "spec omits required channel"},
    "conversations.join": {"required": ["channel"], "note": "spec omits required channel"},
    "conversations.history": {"required": ["channel"], "note": "spec omits required channel"},
    "conversations.members": {"required": ["channel"], "note": "spec omits required channel"},
    "conversations.leave": {"required": ["channel"], "note": "spec omits required channel"},
    "conversations.archive": {"required": ["channel"], "note": "spec omits required channel"},
    "conversations.unarchive": {"required": ["channel"], "note": "spec omits required channel"},
    "conversations.replies": {"required": ["channel", "ts"], "note": "spec omits channel, ts"},
    "conversations.invite": {"required": ["channel", "users"], "note": "spec omits channel, users"},
    "conversations.create": {"required": ["name"], "note": "spec omits required name"},
    "chat.delete": {"required": ["channel", "ts"], "note": "spec omits channel, ts"},
    "chat.scheduleMessage": {
        "required": ["channel", "post_at"],
        "note": "spec omits channel, post_at",
    },
    "views.update": {"required": ["view"], "note": "spec omits view (plus view_id or external_id)"},
    # users.list really needs nothing beyond the token; the spec already says so (kept as is).
}


def derive(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the method table: spec-derived entries with SUPPLEMENT merged on top."""
    table: dict[str, dict[str, Any]] = {}
    for path, operations in spec["paths"].items():
        method = path.lstrip("/")
        for operation in operations.values():
            params = operation.get("parameters", [])
            entry: dict[str, Any] = {
                "required": sorted(
                    p["name"] for p in params if p.get("required") and p["name"] != "token"
                ),
                "scopes": sorted(
                    {s for sec in operation.get("security", []) for s in sec.get("slackAuth", [])}
                    - {"none"}
                ),
            }
            if not any(p["name"] == "token" for p in params):
                entry["token"] = "none"
            table[method] = entry
    for method, correction in SUPPLEMENT.items():
        merged = {**table.get(method, {"required": [], "scopes": []}), **correction}
        merged["source"] = "supplement"
        table[method] = merged
    return table


def main(argv: list[str]) -> int:
    spec_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SPEC
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    table = derive(spec)
    OUTPUT.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(table)} methods to {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
