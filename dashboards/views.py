"""The trainer dashboard: the cohort's progress and mastery, grades the LMS has not taken, due
dates, the roster, and the same table as CSV. Reads the apps below; writes only a due date and
a request to send failed grades again."""

from __future__ import annotations

import csv
from datetime import datetime, time

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from courses.models import Membership, Placement, Role
from courses.pages import TRAINER_DASHBOARD, dashboard_columns, panels
from courses.spreadsheets import safe
from courses.templatetags.ignite_text import when_text
from mastery.grades import grades_retry
from mastery.models import GradeRecord
from pagesession.access import parse_id, trainer_required
from pagesession.templatetags.launch_urls import lurl
from pagesession.urls_util import add_query, see_other

from .grid import row_cells_html
from .placements import placements_learn
from .queries import STATE_LABELS, cohort_view
from .roster import roster_panel


@require_safe
@trainer_required
def trainer_dashboard(request):
    cohort_id = request.launch.claims.cohort_id
    # The roster comes from the LMS (NRPS, lti_tool/), through the interface this app owns.
    roster = roster_panel(cohort_id=cohort_id, refresh=bool(request.GET.get("refresh")))
    # Links in the LMS course nobody opened yet (AGS line items, lti_tool/): placed, not opened.
    placements_learn(cohort_id=cohort_id, context=roster.context)
    query = request.GET.get("q", "").strip()[:100]
    state = request.GET.get("state", "")
    # Everyone in the course, for the roster; its teachers (in the same order: status, then
    # name) are the progress table's rows: one query for both.
    memberships = list(
        Membership.objects.filter(cohort_id=cohort_id)
        .select_related("participant")
        .order_by("status", "role", "participant__name")
    )
    view = cohort_view(
        cohort_id=cohort_id,
        query=query,
        state=state,
        members=[m for m in memberships if m.role == Role.TEACHER],
    )
    # The trainer's own row came with the roster: the page's header reads no other.
    for membership in memberships:
        if membership.participant_id == request.launch.claims.participant_id:
            request.launch.participant = membership.participant
            break
    grades = GradeRecord.objects.filter(placement__cohort_id=cohort_id)
    counts = dict(grades.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    # The failed scores are listed when the counts say there are some.
    failed = (
        list(
            grades.filter(status=GradeRecord.Status.FAILED)
            .select_related("participant", "placement")
            .order_by("-timestamp")[:200]
        )
        if counts.get(GradeRecord.Status.FAILED)
        else []
    )
    participant_ids = [row.participant.pk for row in view.rows]
    # Columns and panels of the apps above (sessions attended, coaching ...), by registry.
    columns = dashboard_columns(cohort_id=cohort_id, participant_ids=participant_ids)
    for row in view.rows:
        row.extra = [(column.key, column.cells.get(row.participant.pk, "")) for column in columns]
        row.cells_html = row_cells_html(row, launch=request.launch)
    peak = max([n for _, n in view.distribution] + [1])
    bars = []
    for i, (label, n) in enumerate(view.distribution):
        height = round(140 * n / peak)
        bars.append(
            {
                "label": label,
                "count": n,
                "height": height,
                "x": 20 + i * 95,
                "y": 170 - height,
                "count_y": 164 - height,
                "mid": 50 + i * 95,
            }
        )
    return render(
        request,
        "dashboards/trainer.html",
        {
            # The roster's LMS context came with its cohort: not read a second time.
            "cohort": getattr(roster.context, "cohort", None) or request.launch.cohort,
            "columns": columns,
            "colspan": len(view.placements) + len(columns) + 2,
            "panels": panels(
                page=TRAINER_DASHBOARD,
                request=request,
                cohort_id=cohort_id,
                participant_ids=participant_ids,
            ),
            "memberships": memberships,
            "view": view,
            # Each placed module with its questions, in the table's order (not looked up per
            # module in the template).
            "item_sections": [
                (placement, module, view.item_analysis.get(placement.pk, []))
                for placement, module in view.placements
            ],
            "scored": sum(n for _, n in view.distribution),
            "bars": bars,
            "query": query,
            "state": state,
            "state_choices": [*STATE_LABELS.items(), ("behind", "Behind schedule")],
            "grade_counts": [
                (label, counts.get(value, 0)) for value, label in GradeRecord.Status.choices
            ],
            "failed": failed,
            "retried": request.GET.get("retried"),
            "due_saved": request.GET.get("due"),
            "roster": roster.result,
            "roster_context": roster.context,
            "roster_refreshing": roster.refreshing,
        },
    )


@require_safe
@trainer_required
def trainer_export(request):
    """The dashboard's table as CSV (one row per teacher, two columns per placed module)."""
    cohort_id = request.launch.claims.cohort_id
    view = cohort_view(
        cohort_id=cohort_id,
        query=request.GET.get("q", "").strip()[:100],
        state=request.GET.get("state", ""),
    )
    columns = dashboard_columns(
        cohort_id=cohort_id, participant_ids=[row.participant.pk for row in view.rows]
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ignite-cohort.csv"'
    writer = csv.writer(response)
    header = ["Name", "Email", "Membership", "Last activity", "Behind schedule"]
    for _placement, module in view.placements:
        header += [f"{module.current.title}: status", f"{module.current.title}: score"]
    header += [column.header for column in columns]
    writer.writerow(header)

    for row in view.rows:
        line = [
            safe(row.participant.display_name),
            safe(row.participant.email),
            row.membership.get_status_display(),
            when_text(row.last_activity),  # the pages' format, zone named
            "yes" if row.behind else "no",
        ]
        for cell in row.cells:
            line += [cell.label, f"{cell.score}%" if cell.score else ""]
        line += [safe(column.cells.get(row.participant.pk, "")) for column in columns]
        writer.writerow(line)
    return response


@require_POST
@trainer_required
def trainer_due_date(request):
    """Set or clear a placement's due date (this cohort's placements only)."""
    placement = Placement.objects.filter(
        pk=parse_id(request.POST.get("placement")) or 0,
        cohort_id=request.launch.claims.cohort_id,
    ).first()
    if placement is None:
        return render(
            request,
            "pagesession/denied.html",
            {"title": "No such module here", "message": "Choose a module of this course."},
            status=404,
        )
    raw = request.POST.get("due", "").strip()
    if raw:
        try:
            day = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            return render(
                request,
                "pagesession/denied.html",
                {"title": "That date was not understood", "message": "Use the date picker."},
                status=400,
            )
        placement.due_at = timezone.make_aware(datetime.combine(day, time(23, 59)))
    else:
        placement.due_at = None
    placement.save(update_fields=["due_at", "updated_at"])
    target = add_query(
        lurl({"launch": request.launch}, "dashboards:trainer-dashboard"), {"due": "1"}
    )
    return see_other(target + "#progress")


@require_POST
@trainer_required
def trainer_grades_retry(request):
    """Send this cohort's failed scores again: one (`grade`) or all of them (`all`)."""
    cohort_id = request.launch.claims.cohort_id
    placements = list(
        GradeRecord.objects.filter(placement__cohort_id=cohort_id)
        .values_list("placement_id", flat=True)
        .distinct()
    )
    if request.POST.get("all"):
        count = grades_retry(placement_ids=placements)
    else:
        grade_id = parse_id(request.POST.get("grade"))
        if grade_id is None:
            return render(
                request,
                "pagesession/denied.html",
                {"title": "Nothing to resend", "message": "Choose a score to send again."},
                status=400,
            )
        count = grades_retry(ids=[grade_id], placement_ids=placements)
    target = add_query(
        lurl({"launch": request.launch}, "dashboards:trainer-dashboard"), {"retried": count}
    )
    return see_other(target + "#grades")
