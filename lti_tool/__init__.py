"""LTI 1.3 and LTI Advantage, and nothing else: registrations, OIDC login, launch validation,
issuing the launch token, roles, deep linking, dynamic registration, the Canvas JSON config,
the AGS (grade passback worker) and NRPS (roster) clients, and the guard on outgoing HTTP.

Maps LTI onto the apps below (participants, cohorts, placements, roles) and fills in their
interfaces (pagesession/frames.py, dashboards/roster.py). The only app that imports pylti1p3.

May import every app of the tool. Never `devplatform`.
"""
