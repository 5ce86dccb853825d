# Mastery checks, attempts, grade outbox: see the "Mastery checks" issue.
