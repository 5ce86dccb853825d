"""Data rights: the audit log, what Ignite holds about a participant, export, erasure and
retention. Reads the apps below it (courses, mastery, credentials, facilitation, lti_tool);
they never import it: it answers their signals."""
