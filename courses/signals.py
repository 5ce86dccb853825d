"""Events of this app that apps above it react to, so that it never imports them."""

from django.dispatch import Signal

# A content-pack program was written (in the import's transaction). Arguments: `program` (the
# Program row) and `credentials` (the pack's credential definitions, each a dict with slug,
# name, description, criteria, required_modules and evidence_required).
program_imported = Signal()
