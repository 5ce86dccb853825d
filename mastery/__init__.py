"""Mastery checks (question banks, attempts, scoring, review policy), evidence of practice and
its review, trainer adjustments (extra attempts, score overrides, the per-teacher page), and the
grade outbox that `lti_tool` drains to the LMS.

Tells the apps above what happened without importing them: `signals.mastery_reached`; adds its
sections to the module page through courses/pages.py.

May import: `pagesession`, `courses`, `keys`. Never `credentials`, `dashboards`, `lti_tool`,
`devplatform`, pylti1p3 or jwt.
"""
