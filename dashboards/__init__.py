"""Trainers' reporting: the cohort dashboard (progress, mastery, question analysis, grades the
LMS has not taken, due dates, roster) and its CSV export, under `/app/trainer/`.

Read-only queries over the apps below (`queries.py`); the only writes are a placement's due date
and a request to resend failed grades. The roster comes through `roster.py`, an interface
`lti_tool` fills in.

May import: `credentials`, `mastery`, `pagesession`, `courses`, `keys`. Never `lti_tool` or
`devplatform`.
"""
