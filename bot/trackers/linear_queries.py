"""The GraphQL documents the Linear adapter sends, one operation each (named: Linear's logs
and the fake Linear in tests/trackers/ tell them apart by name). Fields are the few the bot
reads; every page of issues says where the next one starts."""

ISSUE_FIELDS = """
fragment IssueFields on Issue {
  id identifier url title updatedAt archivedAt trashed estimate
  state { id name type }
}"""
TEAM = """
query Team($filter: TeamFilter!) {
  teams(filter: $filter, first: 2) { nodes { id key name } }
}"""
CREATE_ISSUE = (
    """
mutation CreateIssue($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { ...IssueFields } }
}"""
    + ISSUE_FIELDS
)
ISSUE = (
    """
query Issue($id: String!) {
  issue(id: $id) { ...IssueFields }
}"""
    + ISSUE_FIELDS
)
ISSUE_WITH_STATES = (
    """
query IssueWithStates($id: String!) {
  issue(id: $id) {
    ...IssueFields
    team { id states { nodes { id name type position } } }
  }
}"""
    + ISSUE_FIELDS
)
MOVE_ISSUE = """
mutation MoveIssue($id: String!, $stateId: String!) {
  issueUpdate(id: $id, input: { stateId: $stateId }) { success }
}"""
CHANGED_ISSUES = (
    """
query ChangedIssues($filter: IssueFilter!, $first: Int!, $after: String) {
  issues(filter: $filter, orderBy: updatedAt, first: $first, after: $after,
         includeArchived: true) {
    nodes { ...IssueFields }
    pageInfo { hasNextPage endCursor }
  }
}"""
    + ISSUE_FIELDS
)
