"""Micro-credentials as Open Badges 3.0: achievements (from content packs), issuing when a
teacher has earned one (`issuing`), signing through `keys/` (`signing`), revocation status lists
(`status_lists`), the public verification pages, JSON, JWT and baked badge (`views`).

Reacts to the apps below without their importing it (`apps.py`, `receivers.py`):
`keys.key_compromised` (sign again), `mastery.mastery_reached` (award),
`courses.program_imported` (achievements) and the mastery result page (courses/pages.py).

May import: `mastery`, `pagesession`, `courses`, `keys`. Never `lti_tool`, the reporting app
(`dashboards`) or `devplatform`.
"""
