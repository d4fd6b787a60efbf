"""Work trackers (Jira, Linear): an accepted request becomes an issue; each follows the other."""
