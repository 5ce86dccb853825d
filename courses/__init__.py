"""The catalog (programs, modules, versions, lessons), the content-pack reader, cohorts,
participants, placements, memberships and lesson progress, with the teacher's lesson pages.

Owns two small interfaces for the apps above: `signals` (`program_imported`) and `pages` (the
module page's sections that `mastery` and `credentials` fill in).

May import: `keys`. Its views also use `pagesession` (the page session sits above the catalog's
models it speaks of; views are on top). Never `mastery`, `credentials`, `dashboards`,
`lti_tool`, `devplatform`, pylti1p3 or jwt.
"""
