"""CSV exports of requests, projects, KPI values and wins: from the command line
(`revops-bot export`) and from App Home (the file arrives by DM, through the outbox)."""
