"""Action, block and callback ids of the trackers domain."""

from __future__ import annotations

from enum import StrEnum


class TrackerAction(StrEnum):
    open_settings = "trackers_open_settings"
    kind = "trackers_kind"
    project = "trackers_project"
    issue_type = "trackers_issue_type"
    create_on = "trackers_create_on"
    create_issue = "trackers_create_issue"


class TrackerBlock(StrEnum):
    kind = "trackers_kind_block"
    project = "trackers_project_block"
    issue_type = "trackers_issue_type_block"
    create_on = "trackers_create_on_block"


class TrackerCallback(StrEnum):
    settings = "trackers_settings"
