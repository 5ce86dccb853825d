"""Events of this app that apps above it react to (importable before models are ready)."""

from django.dispatch import Signal

# Sent (with `kid`) once a key is withdrawn as compromised, so that what it signed can be
# signed again with the new key (credentials/ re-signs credentials); receivers return counts.
key_compromised = Signal()
