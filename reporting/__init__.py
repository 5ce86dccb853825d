"""The program lead's view: where a whole program stands across a platform's cohorts.

Reads the apps below (catalog, progress, mastery, evidence, credentials, the trainer
dashboard's queries) and writes only its own rows: who leads which program, a deadline a lead
sets, and the daily snapshots the worker keeps for the weekly trend.
"""
