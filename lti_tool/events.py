"""Events other apps may count (operations/metrics.py does), sent from one line each.

Signals rather than calls, so that lti_tool never imports the operations layer above it.
"""

from django.dispatch import Signal

# A launch or login refused: check= the LaunchError's check name (README, "check" table).
launch_rejected = Signal()
# One score's delivery attempt settled: status= the grade record's resulting status
# ("delivered", "failed", "pending" for a retry, "no_gradebook").
grade_delivery_settled = Signal()
# A roster sync with the LMS finished: outcome= "ok" or "error".
roster_synced = Signal()
# The grade worker is alive and reaches the database (sent every few seconds by its sweeper).
grade_worker_alive = Signal()
