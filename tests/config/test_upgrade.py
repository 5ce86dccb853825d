"""A database made before the apps were split by concern (issue 20) upgrades without losing a
row: migrate back to the schema main had then, put a row in every table of the tool's apps,
migrate to the latest schema, and read every row back through today's models.

The schema before the split is named by its last migrations; migrations added since to these
apps are undone and redone as well. Runs on any database Django supports (SQLite here, the
lead's PostgreSQL).
"""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest
from django.apps import apps as current_apps
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from credentials.models import IssuedCredential

# main's migrations just before the split; `None`: the app did not exist yet.
BEFORE_SPLIT = [
    ("keys", "0002_compromised_keys"),
    ("courses", "0009_achievement_competencies"),
    ("mastery", "0006_attempt_opaque_keys"),
    ("lti_tool", "0005_registration_link_failures"),
    ("devplatform", "0003_deep_links"),
    ("facilitation", "0001_module_materials_and_calibration"),
    ("credentials", None),
]
OLD_APPS = ("keys", "courses", "mastery", "lti_tool", "devplatform", "facilitation")
# Where each model lives after the split, when it moved.
MOVED = {
    ("courses", "achievement"): ("credentials", "achievement"),
    ("courses", "issuedcredential"): ("credentials", "issuedcredential"),
}


def _value(field: models.Field, n: int):
    """A valid value for a required field, distinct per row number `n`."""
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.BooleanField):
        return n % 2 == 0
    if isinstance(field, models.DecimalField):
        return decimal.Decimal("0.5")
    if isinstance(field, models.FloatField):
        return 0.5
    if isinstance(field, models.IntegerField):  # every integer kind, positive or not
        return n + 1
    if isinstance(field, models.DateTimeField):
        return timezone.now().replace(microsecond=0) - datetime.timedelta(days=n)
    if isinstance(field, models.DateField):
        return datetime.date(2026, 1, 1 + n % 28)
    if isinstance(field, models.JSONField):
        return {"kept": f"value {n}", "list": [n, "é", None]}
    if isinstance(field, models.BinaryField):
        return f"bytes {n}".encode()
    if isinstance(field, models.FileField):
        return f"evidence/{n}/plan.pdf"  # the stored name: no file is written
    if isinstance(field, models.EmailField):
        return f"person{n}@example.org"
    if isinstance(field, models.URLField):
        return f"https://lms{n}.example.org/path"
    if isinstance(field, models.CharField | models.TextField):
        if field.choices:
            return field.choices[n % len(field.choices)][0]
        text = f"{field.name}-{n}-é"
        return text[: field.max_length] if field.max_length else text
    raise AssertionError(f"no test value for {field.model.__name__}.{field.name}")


def _fill(old_apps) -> dict[tuple[str, str], dict]:
    """One row in every table of the old apps, every field set (nullable ones and those with
    defaults too, so that nothing is read back as a default). Returns each row's values."""
    made: dict[tuple[str, str], object] = {}
    values: dict[tuple[str, str], dict] = {}
    pending = [m for label in OLD_APPS for m in old_apps.get_app_config(label).get_models()]
    n = 0
    while pending:
        progress = False
        for model in list(pending):
            key = (model._meta.app_label, model._meta.model_name)
            row = {}
            ready = True
            for field in model._meta.concrete_fields:
                if field.primary_key and field.auto_created:
                    continue
                if field.is_relation:
                    target = field.related_model._meta
                    target_key = (target.app_label, target.model_name)
                    if target_key in made:
                        row[field.attname] = made[target_key].pk
                    elif target_key == key or field.null:
                        continue  # set after the rows it points at exist (below)
                    elif target.app_label not in OLD_APPS:
                        continue
                    else:
                        ready = False
                        break
                else:
                    row[field.attname] = _value(field, n)
            if not ready:
                continue
            obj = model.objects.create(**row)
            made[key] = obj
            pending.remove(model)
            progress = True
            n += 1
        assert progress, f"cannot order the rows of {[m.__name__ for m in pending]}"
    # Nullable links to rows made later (Module.current, a self link): fill them in now.
    for key, obj in made.items():
        changed = []
        for field in obj._meta.concrete_fields:
            if field.is_relation and getattr(obj, field.attname) is None:
                target = field.related_model._meta
                target_obj = made.get((target.app_label, target.model_name))
                if target_obj is not None:
                    setattr(obj, field.attname, target_obj.pk)
                    changed.append(field.attname)
        if changed:
            obj.save(update_fields=[name.removesuffix("_id") for name in changed])
        values[key] = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    return values


def _migrate(targets) -> object:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_split_upgrades_with_every_row():
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    latest = _latest()
    old_apps = _migrate(BEFORE_SPLIT)
    try:
        assert "credentials" not in {c.label for c in old_apps.get_app_configs()}
        assert old_apps.get_model("courses", "IssuedCredential")  # still in courses then
        # Content types as a database of that time has them: the moved models under courses,
        # with a permission given to a group before the upgrade.
        ContentType.objects.filter(app_label="credentials").delete()
        old_type, _ = ContentType.objects.get_or_create(
            app_label="courses", model="issuedcredential"
        )
        permission, _ = Permission.objects.get_or_create(
            content_type=old_type, codename="revoke_issuedcredential", name="Can revoke"
        )
        Group.objects.create(name="district admins").permissions.add(permission)

        before = _fill(old_apps)
        assert set(before) >= {
            ("courses", m)
            for m in ("participant", "cohort", "placement", "membership", "program", "module")
        } | {("courses", "achievement"), ("courses", "issuedcredential"), ("keys", "toolkey")}
        assert {label for label, _ in before} == set(OLD_APPS)
    finally:
        _migrate(latest)  # whatever happens, leave the test database at today's schema

    for (label, model_name), row in before.items():
        new_label, new_name = MOVED.get((label, model_name), (label, model_name))
        model = current_apps.get_model(new_label, new_name)
        after = model.objects.filter(pk=row["id"]).values(*row).get()
        assert after == row, f"{new_label}.{new_name} changed in the upgrade"
        assert model.objects.count() == 1

    # The moved models' rows are readable through their relations, too.

    issued = IssuedCredential.objects.select_related("achievement__program", "participant").get()
    assert issued.achievement.program.pk == before[("courses", "program")]["id"]
    assert issued.participant.pk == before[("courses", "participant")]["id"]
    # The content type moved with its model: same row, so the permission still applies.
    moved_type = ContentType.objects.get_for_model(IssuedCredential)
    assert moved_type.pk == old_type.pk
    assert Group.objects.get(name="district admins").permissions.get().content_type == moved_type
