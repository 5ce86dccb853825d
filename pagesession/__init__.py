"""The page session: what carries a launch from page to page once the LTI launch is done.

Owns the signed launch token (`launch_token`), its binding to the browser (`binding`,
`cookies`), `request.launch` (the `Launch` object and `LaunchMiddleware`), CSRF that works
without cookies, the access decorators every app's views use (`launch_required`,
`trainer_required`, `launch_is_trainer`, `parse_id` in `access`), the `{% lurl %}` tags, URL
helpers, and the framing policy (`frames`, an interface `lti_tool` fills in).

It speaks of participants, cohorts, placements and roles, never of LTI: it may import
`courses` (models) and `keys`, never `lti_tool`, `mastery`, `credentials` or the reporting app,
so all of them can use it.
"""
