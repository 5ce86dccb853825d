"""The program lead's pages: the program view, its CSV exports, the deadline a lead sets, and a
read-only view of one cohort's trainer dashboard. Reads the apps below; writes a deadline."""

from __future__ import annotations

import csv
from datetime import date, datetime

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from courses.spreadsheets import safe
from courses.templatetags.ignite_text import when_text
from dashboards.queries import cohort_view
from pagesession.binding import handoff_issue
from pagesession.launch_token import PARAM
from pagesession.urls_util import add_query, see_other

from .access import lead_program, lead_required
from .models import LeadDeadline
from .queries import STAGES, ProgramReport, rows_sorted
from .rollups import report_cached
from .tenancy import platform_cohorts

WAITING_DAYS = 7  # "evidence waiting more than N days"
ROWS_SHOWN = 50  # per breakdown table, in the chosen order; "show all" and the CSV have all
TABLES = ("modules", "cohorts", "trainers", "schools", "behind", "waiting", "idle", "trend")
COLUMNS = [
    ("name", "Name"),
    ("teachers", "Teachers"),
    ("started", "Started"),
    ("mastered", "Mastered"),
    ("progress", "Progress"),
    ("behind", "Behind pace"),
    ("waiting", "Evidence waiting"),
]


def _program_or_404(request, slug: str):
    program = lead_program(request, slug)
    if program is None:
        raise Http404("not one of your programs")
    return program


def _report(request, program, *, school: str = "", with_trend: bool = True) -> ProgramReport:
    return report_cached(
        platform_id=request.launch.claims.platform_id,
        program=program,
        school=school,
        waiting_days=WAITING_DAYS,
        with_trend=with_trend,
    )


def _url(request, name: str, *args, **query) -> str:
    params = {PARAM: request.launch.token, **{k: v for k, v in query.items() if v}}
    return add_query(reverse(name, args=args), params)


@require_safe
@lead_required
def program_home(request):
    """The lead's programs; with only one, that program's view."""
    programs = request.program_lead.programs
    if len(programs) == 1:
        return redirect(_url(request, "reporting:program-detail", programs[0].slug))
    reports = [(p, _report(request, p, with_trend=False)) for p in programs]
    return render(request, "reporting/home.html", {"reports": reports})


def _headers(request, slug: str, table: str, current: str, school: str) -> list[dict]:
    headers = []
    for key, label in COLUMNS:
        descending = current == f"-{key}"
        ascending = current == key
        target = f"-{key}" if ascending else key
        headers.append(
            {
                "key": key,
                "label": label,
                "url": _url(
                    request,
                    "reporting:program-detail",
                    slug,
                    school=school,
                    **{f"sort_{table}": target},
                )
                + f"#{table}",
                "aria": "descending" if descending else "ascending" if ascending else "",
            }
        )
    return headers


def _chart(trend) -> dict:
    """Coordinates of the weekly trend (share of enrolments mastered), drawn as SVG."""
    width, height, left, bottom = 600, 220, 48, 30
    if not trend:
        return {}
    step = (width - left - 20) / max(len(trend) - 1, 1)
    points = []
    for i, point in enumerate(trend):
        x = round(left + i * step)
        y = round(height - bottom - (height - bottom - 20) * point.progress / 100)
        points.append({"x": x, "y": y, "point": point})
    return {
        "width": width,
        "height": height,
        "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "grid": [
            {"y": round(height - bottom - (height - bottom - 20) * v / 100), "label": f"{v}%"}
            for v in (0, 25, 50, 75, 100)
        ],
        "left": left,
        "base": height - bottom,
        "right": width - 10,
    }


@require_safe
@lead_required
def program_detail(request, slug: str):
    program = _program_or_404(request, slug)
    school = request.GET.get("school", "").strip()[:255]
    report = _report(request, program, school=school)
    if school and school not in report.school_names:
        school = ""
        report = _report(request, program)
    tables = {}
    show_all = request.GET.get("rows") == "all"
    # Links to each cohort's read-only dashboard, made once and filled in per row (a reverse()
    # per row costs more than the rest of the row at 210 cohorts).
    link = _url(request, "reporting:program-cohort", slug, 0).replace("/0/?", "/{}/?", 1)
    for table in ("cohorts", "trainers", "schools"):
        rows, current = rows_sorted(
            getattr(report, table), request.GET.get(f"sort_{table}", "name")[:20]
        )
        for row in rows:
            row.links = [link.format(c) for c in row.cohorts]
        tables[table] = {
            "rows": rows if show_all else rows[:ROWS_SHOWN],
            "total": len(rows),
            "headers": _headers(request, slug, table, current, school),
            "all_url": _url(
                request, "reporting:program-detail", slug, school=school, rows="all",
                **{f"sort_{table}": current},
            ) + f"#{table}",
        }  # fmt: skip
    # A new window (outside the LMS frame) keeps its own cookie: a one-time code opens this
    # view there (pagesession/binding.py), bound to that window.
    code = handoff_issue(claims=request.launch.claims, target=request.path)
    return render(
        request,
        "reporting/program.html",
        {
            "program": program,
            "report": report,
            "school": school,
            "tables": tables,
            "chart": _chart(report.trend),
            "stages": STAGES,
            "program_rows": [("All teachers", report.funnel)],
            "behind_shown": report.behind[:50],
            "window_url": add_query(reverse("lti:handoff"), {"code": code}),
            "deadline_saved": request.GET.get("deadline"),
            "today": timezone.localdate(),
        },
    )


def _when(value) -> str:
    return when_text(value) if isinstance(value, datetime) else ""


def _group_line(row) -> list:
    return [
        safe(row.label),
        row.teacher_count,
        row.funnel.enrolled,
        row.funnel.started,
        row.funnel.lessons_done,
        row.funnel.mastered,
        f"{row.funnel.progress}%",
        row.behind,
        row.waiting,
        _when(row.oldest_waiting),
        safe("; ".join(row.trainers)),
        _when(row.last_activity),
    ]


GROUP_HEADER = [
    "Name", "Teachers", "Enrolments", "Started", "Lessons done", "Mastered", "Progress",
    "Behind pace", "Evidence waiting", "Oldest waiting since", "Trainers", "Last activity",
]  # fmt: skip


def _table(report: ProgramReport, table: str) -> tuple[list, list[list]]:
    if table == "modules":
        header = ["Module"] + [label for _key, label in STAGES]
        rows = [
            [safe(module.current.title)] + ["" if n is None else n for _k, _l, n, _p in f.stages()]
            for module, f in report.modules
        ]
        rows.append(["Whole program (teachers)"] + [n for _k, _l, n, _p in report.funnel.stages()])
        return header, rows
    if table in ("cohorts", "trainers", "schools"):
        return GROUP_HEADER, [_group_line(row) for row in getattr(report, table)]
    if table == "waiting":
        return GROUP_HEADER, [_group_line(row) for row in report.waiting_cohorts]
    if table == "idle":
        return GROUP_HEADER, [_group_line(row) for row in report.idle_trainers]
    if table == "behind":
        header = ["Name", "Email", "School", "Cohorts", "Modules mastered", "Modules enrolled"]
        return header, [
            [safe(t.name), safe(t.email), safe(t.school), safe("; ".join(t.cohorts)),
             t.mastered, t.enrolled]
            for t in report.behind
        ]  # fmt: skip
    header = ["Week of", "Snapshot day", "Enrolments", "Started", "Mastered", "Progress",
              "Teachers credentialed"]  # fmt: skip
    return header, [
        [p.week.isoformat(), p.day.isoformat(), p.enrolled, p.started, p.mastered,
         f"{p.progress}%", p.credentialed]
        for p in report.trend
    ]  # fmt: skip


@require_safe
@lead_required
def program_export(request, slug: str, table: str):
    """One of the program view's tables as CSV, with the page's school filter."""
    program = _program_or_404(request, slug)
    if table not in TABLES:
        raise Http404("no such table")
    school = request.GET.get("school", "").strip()[:255]
    report = _report(request, program, school=school, with_trend=table == "trend")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ignite-{program.slug}-{table}.csv"'
    writer = csv.writer(response)
    header, rows = _table(report, table)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@require_POST
@lead_required
def program_deadline_set(request, slug: str):
    """Set (or clear, back to the pack's) the program's deadline on the lead's platform."""
    program = _program_or_404(request, slug)
    raw = request.POST.get("deadline", "").strip()
    platform_id = request.launch.claims.platform_id
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            return render(
                request,
                "pagesession/denied.html",
                {"title": "That date was not understood", "message": "Use the date picker."},
                status=400,
            )
        LeadDeadline.objects.update_or_create(
            platform_id=platform_id,
            program=program,
            defaults={"deadline": day, "set_by": request.program_lead.lead},
        )
    else:
        LeadDeadline.objects.filter(platform_id=platform_id, program=program).delete()
    return see_other(_url(request, "reporting:program-detail", slug, deadline="1") + "#pace")


@require_safe
@lead_required
def program_cohort(request, slug: str, cohort_id: int):
    """A cohort's trainer dashboard as the lead reads it: the progress table, no actions."""
    program = _program_or_404(request, slug)
    cohort = platform_cohorts(request.launch.claims.platform_id).filter(pk=cohort_id).first()
    if cohort is None:
        raise Http404("no such cohort on your platform")
    query = request.GET.get("q", "").strip()[:100]
    view = cohort_view(cohort_id=cohort.pk, query=query)
    return render(
        request,
        "reporting/cohort.html",
        {
            "program": program,
            "cohort": cohort,
            "view": view,
            "query": query,
            "colspan": len(view.placements) + 2,
        },
    )
