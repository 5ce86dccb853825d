"""Events of this app that apps above it react to, so that it never imports them."""

from django.dispatch import Signal

# A credential was revoked (sent once, by the call that revoked it). Arguments: `issued`,
# `by` (the trainer participant) and `reason`. The audit log (privacy/) records it.
credential_revoked = Signal()
