from enum import StrEnum


class WorkspaceAction(StrEnum):
    issue_webhook_token = "workspace_issue_webhook_token"
