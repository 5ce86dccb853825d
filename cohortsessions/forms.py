"""The trainer's forms: schedule or edit a session, cancel it, record attendance and notes."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.core.exceptions import ValidationError

from .models import Attendance
from .services import SessionDetails

MAX_SESSION_HOURS = 12
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
UTC = dt.UTC


@cache
def zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone of the system's tz database, by name (no legacy aliases)."""
    names = sorted(
        z
        for z in available_timezones()
        if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    )
    return [("UTC", "UTC"), *[(z, z.replace("_", " ")) for z in names]]


def https_only(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError("Use an https:// link (an http:// video link is not accepted).")


class SessionForm(forms.Form):
    placement = forms.TypedChoiceField(label="Module", coerce=int, empty_value=None, required=False)
    title = forms.CharField(
        label="Title",
        max_length=200,
        required=False,
        help_text="Leave empty for “Cohort session: ” and the module's title.",
    )
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label="Starts", widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label="Ends", widget=forms.TimeInput(attrs={"type": "time"}))
    time_zone = forms.ChoiceField(label="Time zone", choices=())
    place = forms.CharField(
        label="Place", max_length=300, required=False, help_text="A room and building."
    )
    video_url = forms.URLField(
        label="Video link",
        max_length=500,
        required=False,
        assume_scheme="https",
        validators=[https_only],
        help_text="https:// only. Give a place, a video link or both.",
    )
    agenda = forms.CharField(
        label="Agenda",
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Filled in from the module's facilitator guide when it has one.",
    )

    def __init__(self, *args, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.modules = {m.placement.pk: m for m in modules}
        self.fields["placement"].choices = [
            ("", "Not tied to one module"),
            *[(m.placement.pk, m.title) for m in modules],
        ]
        self.fields["time_zone"].choices = zone_choices()

    def clean_date(self):
        value = self.cleaned_data["date"]
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise ValidationError(f"Choose a date between {EARLIEST_YEAR} and {LATEST_YEAR}.")
        return value

    def clean(self):
        data = super().clean()
        if not (data.get("place") or data.get("video_url")) and not self.has_error("video_url"):
            self.add_error("place", "Give a place, a video link or both.")
        day, start, end, zone = (data.get(k) for k in ("date", "start", "end", "time_zone"))
        if day is None or start is None or end is None or not zone:
            return data
        tz = ZoneInfo(zone)
        starts_at, ends_at = _aware(day, start, tz), _aware(day, end, tz)
        for field, moment in (("start", starts_at), ("end", ends_at)):
            if moment is None:
                self.add_error(
                    field,
                    f"This time does not exist on that day in {zone} (the clocks move forward).",
                )
        if starts_at is None or ends_at is None:
            return data
        if ends_at <= starts_at:
            self.add_error("end", "The session must end after it starts (on the same day).")
        elif ends_at - starts_at > dt.timedelta(hours=MAX_SESSION_HOURS):
            self.add_error("end", f"A session lasts at most {MAX_SESSION_HOURS} hours.")
        data["starts_at"], data["ends_at"] = starts_at, ends_at
        return data

    def details(self) -> SessionDetails:
        """The valid form's values, for `session_schedule` and `session_edit`."""
        data = self.cleaned_data
        return SessionDetails(
            placed=self.modules.get(data["placement"]) if data["placement"] else None,
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            time_zone=data["time_zone"],
            place=data["place"],
            video_url=data["video_url"],
            agenda=data["agenda"],
        )


def _aware(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime | None:
    """The instant of a wall-clock time in a zone, or None when the clocks skip that time."""
    local = dt.datetime.combine(day, time.replace(second=0, microsecond=0), tzinfo=tz)
    back = local.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return local.astimezone(UTC)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason (shown to teachers)",
        max_length=500,
        required=False,
        widget=forms.TextInput(),
    )


class NotesForm(forms.Form):
    notes = forms.CharField(
        label="Notes (shown to the cohort's teachers)",
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    next_steps = forms.CharField(
        label="Next steps",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


ATTENDANCE_CHOICES = [value for value, _ in Attendance.Status.choices]
ATTENDANCE_FIELD = re.compile(r"^a-(\d{1,18})$")


def attendance_read(data, teacher_ids: list[int]) -> tuple[dict[int, str], list[int]]:
    """(participant id -> status, ids with an unknown value) from fields `a-<id>`; a teacher
    left unmarked is simply not recorded."""
    statuses, bad = {}, []
    for pid in teacher_ids:
        value = data.get(f"a-{pid}", "")
        if value == "":
            continue
        if value in ATTENDANCE_CHOICES:
            statuses[pid] = value
        else:
            bad.append(pid)
    return statuses, bad


class AttendanceForm(NotesForm):
    """The notes, and a field `a-<participant id>` per teacher marked present, absent or
    excused. `statuses` holds what was read (also when something else is wrong)."""

    def __init__(self, *args, teacher_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.teacher_ids = teacher_ids
        self.statuses: dict[int, str] = {}

    def clean(self):
        data = super().clean()
        self.statuses, bad = attendance_read(self.data, self.teacher_ids)
        strangers = [
            m.group(1)
            for key in self.data
            if (m := ATTENDANCE_FIELD.match(key)) and int(m.group(1)) not in self.teacher_ids
        ]
        if bad:
            self.add_error(None, "Choose present, absent or excused for each teacher you mark.")
        if strangers:
            self.add_error(None, "Attendance can only be recorded for this course's teachers.")
        return data

    def problems(self) -> list[str]:
        """What is wrong with the posted form, as the attendance page lists it."""
        if self.is_valid():
            return []
        problems = list(self.non_field_errors())
        if any(name in self.errors for name in self.fields):
            problems.append("The notes are too long.")
        return problems
