"""Events of this app that apps above it react to, so that it never imports them."""

from django.dispatch import Signal

# A graded attempt has just mastered a module (sent once, after its transaction). Arguments:
# `participant`, `cohort_id` and `origin` (this tool's origin, for URLs in what is issued).
mastery_reached = Signal()

# A trainer's review of evidence was saved. Arguments: `submission`, `reviewer` (participant)
# and `accepted` (bool). The audit log (privacy/) records it.
evidence_reviewed = Signal()
