"""The launch's prepared queries (prepared/) send what the ORM sends and give what the
ORM gives, with each run's own values, compiled once per connection."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, pre_delete
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Cohort, Membership, Module, Participant, Placement, Role
from lti_tool.models import LtiContext, LtiResourceLink, LtiUser
from prepared import Prepared, run_together

pytestmark = pytest.mark.django_db


def _link_queryset(deployment_id, context_id, link_id):
    return (
        LtiResourceLink.objects.select_related("context__cohort", "placement")
        .annotate(
            module_ready=Exists(
                Module.objects.filter(
                    slug=OuterRef("placement__module_slug"), current__isnull=False
                )
            )
        )
        .filter(
            context__deployment_id=deployment_id,
            context__context_id=context_id,
            resource_link_id=link_id,
        )[:1]
    )


LINK_FIELDS = {
    "deployment_id": LtiContext._meta.get_field("deployment"),
    "context_id": LtiContext._meta.get_field("context_id"),
    "link_id": LtiResourceLink._meta.get_field("resource_link_id"),
}


@pytest.fixture
def links(platform):
    deployment = platform.deployments.get()
    made = []
    for n in range(2):
        cohort = Cohort.objects.create(title=f"Course {n}")
        context = LtiContext.objects.create(
            deployment=deployment, context_id=f"c{n}", cohort=cohort
        )
        placement = Placement.objects.create(
            cohort=cohort, title=f"Link {n}", mastery_policy={"threshold": 70 + n}
        )
        made.append(
            LtiResourceLink.objects.create(
                context=context, resource_link_id=f"l{n}", placement=placement, ags_scopes=["s"]
            )
        )
    return deployment, made


def test_rows_are_what_the_orm_gives_with_each_runs_values(links):
    deployment, made = links
    prepared = Prepared("test-link", _link_queryset, LINK_FIELDS)
    for n, link in enumerate(made):
        values = {"deployment_id": deployment.pk, "context_id": f"c{n}", "link_id": f"l{n}"}
        with CaptureQueriesContext(connection) as ours:
            (got,) = prepared.run(**values)
        with CaptureQueriesContext(connection) as orm:
            (expected,) = list(_link_queryset(**values))
        assert [q["sql"] for q in ours] == [q["sql"] for q in orm]
        assert got.pk == expected.pk == link.pk
        assert got.context.cohort.title == f"Course {n}"  # select_related, no query
        assert got.placement.mastery_policy == {"threshold": 70 + n}  # JSON converted
        assert got.ags_scopes == ["s"]
        assert got.module_ready is False  # the annotation
    assert prepared.run(deployment_id=deployment.pk, context_id="c0", link_id="l1") == []


def test_compiled_once_per_connection(links):
    deployment, _ = links
    built = []

    def build(**values):
        built.append(values)
        return _link_queryset(**values)

    prepared = Prepared("test-once", build, LINK_FIELDS)
    for n in (0, 1, 0):
        rows = prepared.run(deployment_id=deployment.pk, context_id=f"c{n}", link_id=f"l{n}")
        assert rows[0].resource_link_id == f"l{n}"
    assert len(built) == 1


def test_a_value_that_looks_like_sql_is_only_a_value(links):
    deployment, _ = links
    prepared = Prepared("test-inject", _link_queryset, LINK_FIELDS)
    assert prepared.run(deployment_id=deployment.pk, context_id="c0' OR '1'='1", link_id="l0") == []


def test_update_and_exists_behave_like_the_orm(db):
    participant = Participant.objects.create(name="A")
    cohort = Cohort.objects.create(title="C")
    day_ago = timezone.now() - timedelta(days=1)
    membership = Membership.objects.create(
        participant=participant, cohort=cohort, role=Role.TEACHER, last_launch_at=day_ago
    )
    fields = {
        "participant_id": Membership._meta.get_field("participant"),
        "cohort_id": Membership._meta.get_field("cohort"),
        "role": Membership._meta.get_field("role"),
        "since": Membership._meta.get_field("last_launch_at"),
        "now": Membership._meta.get_field("last_launch_at"),
    }
    seen = Prepared(
        "test-seen",
        lambda participant_id, cohort_id, role, since, now: Membership.objects.filter(
            participant_id=participant_id, cohort_id=cohort_id
        ).exclude(role=role, last_launch_at__gte=since),
        fields,
        kind="update",
        update=lambda participant_id, cohort_id, role, since, now: {
            "role": role,
            "last_launch_at": now,
        },
    )
    ids = {"participant_id": participant.pk, "cohort_id": cohort.pk}
    now = timezone.now()
    assert seen.run(**ids, role=Role.TRAINER, since=now - timedelta(minutes=1), now=now) == 1
    membership.refresh_from_db()
    assert (membership.role, membership.last_launch_at) == (Role.TRAINER, now)
    # Current now: nothing to write.
    assert seen.run(**ids, role=Role.TRAINER, since=now - timedelta(minutes=1), now=now) == 0
    exists = Prepared(
        "test-exists",
        lambda participant_id, cohort_id: Membership.objects.filter(
            participant_id=participant_id, cohort_id=cohort_id
        ),
        {k: fields[k] for k in ("participant_id", "cohort_id")},
        kind="exists",
    )
    assert exists.run(**ids) is True
    assert exists.run(participant_id=participant.pk, cohort_id=cohort.pk + 1) is False


def test_wrong_values_are_refused(links):
    prepared = Prepared("test-args", _link_queryset, LINK_FIELDS)
    with pytest.raises(TypeError):
        prepared.run(deployment_id=1, context_id="c0")


def _user_queryset(platform_id, sub):
    return LtiUser.objects.select_related("participant").filter(platform_id=platform_id, sub=sub)[
        :1
    ]


USER_FIELDS = {
    "platform_id": LtiUser._meta.get_field("platform"),
    "sub": LtiUser._meta.get_field("sub"),
}


def test_run_together_is_one_statement_with_each_querys_rows(links, platform):
    deployment, made = links
    person = Participant.objects.create(name="Ana Diaz", email="ana@example.org")
    LtiUser.objects.create(platform=platform, sub="ana", participant=person)
    user_query = Prepared("test-user", _user_queryset, USER_FIELDS)
    link_query = Prepared("test-link-together", _link_queryset, LINK_FIELDS)
    link_values = {"deployment_id": deployment.pk, "context_id": "c1", "link_id": "l1"}
    with CaptureQueriesContext(connection) as ours:
        user, link = run_together(
            (user_query, {"platform_id": platform.pk, "sub": "ana"}), (link_query, link_values)
        )
    assert len(ours) == 1
    for query, values in ((_user_queryset, {"platform_id": platform.pk, "sub": "ana"}),):
        (expected,) = list(query(**values))
        assert user.pk == expected.pk and user.participant.email == "ana@example.org"
    assert link.pk == made[1].pk and link.placement.mastery_policy == {"threshold": 71}
    assert link.context.cohort.title == "Course 1" and link.module_ready is False
    assert not user._state.adding and user._state.db == "default"
    # Each part found nothing on its own: None there, the other still read.
    none_user, same_link = run_together(
        (user_query, {"platform_id": platform.pk, "sub": "nobody"}), (link_query, link_values)
    )
    assert none_user is None and same_link.pk == made[1].pk
    user_again, no_link = run_together(
        (user_query, {"platform_id": platform.pk, "sub": "ana"}),
        (link_query, {**link_values, "link_id": "missing"}),
    )
    assert user_again.pk == user.pk and no_link is None


def test_run_together_takes_only_single_row_queries(links, platform):
    many = Prepared(
        "test-many",
        lambda platform_id, sub: LtiUser.objects.filter(platform_id=platform_id, sub=sub),
        USER_FIELDS,
    )
    one = Prepared("test-one", _user_queryset, USER_FIELDS)
    values = {"platform_id": platform.pk, "sub": "x"}
    with pytest.raises(ValueError, match="at most one row"):
        run_together((one, values), (many, values))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_a_launchs_statements_are_prepared_on_the_server(lti):
    for _ in range(7):  # psycopg prepares a statement after its fifth run on a connection
        lti.launch()
        Membership.objects.update(last_launch_at=timezone.now() - timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%ignite_base%"],
        )
        prepared = [row[0] for row in cursor.fetchall()]
    assert prepared and "lti_tool_ltiuser" in prepared[0]  # the person and link read


def test_a_prepared_delete_deletes_what_the_queryset_names_and_counts_them(db):
    cohorts = [Cohort.objects.create(title=f"C{n}") for n in range(2)]
    keep, drop = (Participant.objects.create(name=n) for n in ("keep", "drop"))
    for person, cohort in ((keep, cohorts[0]), (drop, cohorts[0]), (drop, cohorts[1])):
        Membership.objects.create(participant=person, cohort=cohort, role=Role.TEACHER)
    prepared = Prepared(
        "test-delete",
        lambda participant_id: Membership.objects.filter(participant_id=participant_id),
        {"participant_id": Membership._meta.get_field("participant")},
        kind="delete",
    )
    # Membership has no dependants; a cascading model is refused (see below).
    with CaptureQueriesContext(connection) as ctx:
        assert prepared.run(participant_id=drop.pk) == 2
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["DELETE"]
    assert list(Membership.objects.values_list("participant_id", flat=True)) == [keep.pk]
    assert prepared.run(participant_id=drop.pk) == 0


def test_a_prepared_delete_refuses_a_model_others_point_to(db):
    prepared = Prepared(
        "test-delete-cascade",
        lambda cohort_id: Cohort.objects.filter(pk=cohort_id),
        {"cohort_id": Cohort._meta.get_field("id")},
        kind="delete",
    )
    with pytest.raises(ValueError, match="cascades"):
        prepared.run(cohort_id=1)


@pytest.mark.parametrize("signal", [pre_delete, post_delete], ids=["pre_delete", "post_delete"])
def test_a_prepared_delete_refuses_a_model_a_delete_signal_listens_to(db, signal):
    person = Participant.objects.create(name="kept")
    cohort = Cohort.objects.create(title="C")
    Membership.objects.create(participant=person, cohort=cohort, role=Role.TEACHER)
    heard = []

    def listener(sender, instance, **kwargs):
        heard.append(instance.pk)

    prepared = Prepared(
        "test-delete-signal",
        lambda participant_id: Membership.objects.filter(participant_id=participant_id),
        {"participant_id": Membership._meta.get_field("participant")},
        kind="delete",
    )
    # Membership has no dependants (the test above deletes it): only the listener is in the way.
    assert not Membership._meta.related_objects
    signal.connect(listener, sender=Membership, weak=False, dispatch_uid="test-prepared-delete")
    try:
        with pytest.raises(ValueError, match="delete signals"):
            prepared.run(participant_id=person.pk)
    finally:
        signal.disconnect(sender=Membership, dispatch_uid="test-prepared-delete")
    assert Membership.objects.filter(participant=person).exists() and heard == []


def test_a_versioned_query_is_compiled_again_when_its_version_changes(links, platform):
    deployment, made = links
    shape = {"version": 1}
    built = []

    def build(**values):  # version 2 carries one more annotation
        built.append(shape["version"])
        queryset = _link_queryset(**values)
        if shape["version"] == 2:
            queryset = queryset.annotate(same_link=Exists(LtiResourceLink.objects.all()))
        return queryset

    prepared = Prepared("test-versioned", build, LINK_FIELDS, version=lambda: shape["version"])
    values = {"deployment_id": deployment.pk, "context_id": "c0", "link_id": "l0"}
    user_query = Prepared("test-versioned-user", _user_queryset, USER_FIELDS)
    user_values = {"platform_id": platform.pk, "sub": "nobody"}
    for version in (1, 1, 2, 2, 1):
        shape["version"] = version
        (link,) = prepared.run(**values)
        assert link.pk == made[0].pk and hasattr(link, "same_link") == (version == 2)
        _, together = run_together((user_query, user_values), (prepared, values))
        assert together.pk == made[0].pk and hasattr(together, "same_link") == (version == 2)
    assert built == [1, 2, 1]  # compiled on each change of version, not on each run


def test_an_update_statement_is_the_orms_update_sent_later(db):
    from prepared import update_statement

    cohort = Cohort.objects.create(title="C")
    placement = Placement.objects.create(cohort=cohort, title="P", mastery_policy={})
    other = Placement.objects.create(cohort=cohort, title="Q", mastery_policy={})
    values = {"title": "Renamed", "mastery_policy": {"threshold": 90, "note": "it's"}}
    with CaptureQueriesContext(connection) as built:
        sql, params = update_statement(Placement.objects.filter(pk=placement.pk), values)
    assert built.captured_queries == []  # built, not sent
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.rowcount == 1
    placement.refresh_from_db()
    other.refresh_from_db()
    assert (placement.title, placement.mastery_policy) == ("Renamed", values["mastery_policy"])
    assert other.title == "Q"


def test_a_prepared_querys_statement_is_what_run_sends(links):
    deployment, made = links
    query = Prepared("test-statement", _link_queryset, LINK_FIELDS)
    values = {"deployment_id": deployment.pk, "context_id": "c1", "link_id": "l1"}
    sql, params = query.statement(**values)
    with CaptureQueriesContext(connection) as ran:
        query.run(**values)
    assert len(ran.captured_queries) == 1
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.fetchall()[0][0] == made[1].pk


def test_an_update_runs_before_a_read_in_one_statement_on_postgresql(links, platform):
    from prepared import run_together_after

    deployment, made = links
    person = Participant.objects.create(name="Ana Diaz")
    LtiUser.objects.create(platform=platform, sub="ana", participant=person)
    rename = Prepared(
        "test-rename",
        lambda pk, title: Cohort.objects.filter(pk=pk),
        {"pk": Cohort._meta.pk, "title": Cohort._meta.get_field("title")},
        kind="update",
        update=lambda pk, title: {"title": title},
    )
    user_query = Prepared("test-user-after", _user_queryset, USER_FIELDS)
    cohort = made[0].context.cohort
    with CaptureQueriesContext(connection) as ours:
        written, (user,) = run_together_after(
            (rename, {"pk": cohort.pk, "title": "Renamed"}),
            (user_query, {"platform_id": platform.pk, "sub": "ana"}),
        )
    assert user.participant.name == "Ana Diaz"
    cohort.refresh_from_db()
    if connection.vendor == "postgresql":
        assert len(ours) == 1 and written == 1 and cohort.title == "Renamed"
        written, (nobody,) = run_together_after(
            (rename, {"pk": -1, "title": "x"}),
            (user_query, {"platform_id": platform.pk, "sub": "nobody"}),
        )
        assert written == 0 and nobody is None
    else:  # no UPDATE in a WITH: only the read ran, the caller updates
        assert len(ours) == 1 and written is None and cohort.title == "Course 0"
    with pytest.raises(ValueError):
        run_together_after((user_query, {"platform_id": 1, "sub": "x"}), (user_query, {}))


def _insert(instance, skip=()):
    """What a caller building an INSERT has: the model's columns and placeholders, and this
    instance's values in their order."""
    from prepared import insert_columns, insert_params

    names, values = insert_columns(type(instance), skip=skip)
    return names, values, insert_params(instance, skip=skip)


def test_insert_columns_and_params_are_the_orms_values_with_typed_placeholders(db):
    person = Participant(name="Ana Diaz", email="ana@example.org")
    names, values, params = _insert(person)
    assert '"name"' in names and '"id"' not in names and len(names) == len(values) == len(params)
    assert all(v.startswith("CAST(%s AS ") for v in values)
    assert person.updated_at is not None  # auto_now, as a save would set it
    assert params[names.index('"email"')] == "ana@example.org"
    membership = Membership(cohort=Cohort.objects.create(title="C"), role=Role.TEACHER)
    names, _values, params = _insert(membership, skip=("participant",))
    assert '"participant_id"' not in names
    assert params[names.index('"last_launch_at"')] is None  # typed: a NULL date is allowed
    table = Participant._meta.db_table
    names, values, params = _insert(person)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ({", ".join(names)}) SELECT {", ".join(values)}', params
        )
    assert Participant.objects.get(email="ana@example.org").name == "Ana Diaz"


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite keeps any length")
def test_an_inserted_value_too_long_for_its_column_is_refused_not_cut(db):
    from django.db import DataError, transaction

    person = Participant(name="x" * 300)  # the column holds 255
    names, values, params = _insert(person)
    table = Participant._meta.db_table
    with pytest.raises(DataError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{table}" ({", ".join(names)}) SELECT {", ".join(values)}', params
            )
    assert not Participant.objects.exists()


def test_insert_columns_are_kept_per_model_and_skip_and_cannot_be_changed_by_a_caller(db):
    """A statement built once from insert_columns takes each instance's insert_params in the
    same order; what the columns are is kept per (model, skip), and given out immutable, so no
    caller can change it for the next one."""
    from prepared import insert_columns, insert_params

    names, values = insert_columns(Membership, skip=("participant",))
    membership = Membership(cohort=Cohort.objects.create(title="C"), role=Role.TRAINER)
    params = insert_params(membership, skip=("participant",))
    assert len(names) == len(values) == len(params)
    assert params[names.index('"role"')] == Role.TRAINER
    assert isinstance(names, tuple) and isinstance(values, tuple)
    assert insert_columns(Membership, skip=("participant",)) == (names, values)
    assert '"participant_id"' in insert_columns(Membership)[0]  # another shape, kept apart
