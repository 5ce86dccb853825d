"""Importing a clean read into the catalog, in one transaction: an unchanged module is left
alone (importing twice changes nothing), a changed one gets a new version beside the old ones,
which stay readable by the attempts and progress that point at them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from ..content_extensions import extensions_store, program_keys
from ..models import Lesson, Module, ModuleVersion, Program
from ..signals import program_imported
from .pack import Read


class ContentConflict(Exception):
    """The pack changes an already imported version without bumping its number."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)  # "slug v2"
    unchanged: list[str] = field(default_factory=list)
    programs: int = 0


@transaction.atomic
def catalog_import(read: Read) -> ImportReport:
    """Write a clean read. Raises ContentConflict (nothing written) on a changed version."""
    if read.problems:
        raise ValueError("refusing to import a pack with problems")
    report = ImportReport()
    conflicts = []
    for p_index, data in enumerate(read.programs):
        program, _ = Program.objects.update_or_create(
            slug=data.slug,
            defaults={
                "title": data.title,
                "summary": data.summary,
                "version": data.version,
                "position": p_index,
            },
        )
        report.programs += 1
        # Apps above this one keep what a program's pack says about them (credentials/ its
        # achievements), in this transaction.
        program_imported.send(sender=Program, program=program, credentials=data.credentials)
        for name, key in sorted(program_keys().items()):
            key.store(program=program, value=data.extras.get(name))
        for m_index, mdata in enumerate(data.modules):
            module, _ = Module.objects.select_for_update().get_or_create(
                slug=mdata.slug, defaults={"program": program, "position": m_index}
            )
            if (module.program_id, module.position, module.retired) != (program.pk, m_index, False):
                module.program, module.position, module.retired = program, m_index, False
                module.save(update_fields=["program", "position", "retired"])
            digest = mdata.content_hash()
            existing = module.versions.filter(version=mdata.version).first()
            if existing is not None:
                if existing.content_hash != digest:
                    conflicts.append(
                        f"{data.slug}/modules/{mdata.slug}/module.yaml:1: version "
                        f"{mdata.version} of {mdata.slug!r} is already imported with other "
                        f"content; raise version: to {_next_version(module)} to publish the change"
                    )
                    continue
                report.unchanged.append(f"{mdata.slug} v{mdata.version}")
                if module.current_id != existing.pk and _is_newest(module, existing):
                    module.current = existing
                    module.save(update_fields=["current"])
                continue
            newest = module.versions.order_by("-version").first()
            if newest is not None and newest.version > mdata.version:
                conflicts.append(
                    f"{data.slug}/modules/{mdata.slug}/module.yaml:1: version {mdata.version} is "
                    f"older than the imported version {newest.version}"
                )
                continue
            version = ModuleVersion.objects.create(
                module=module,
                version=mdata.version,
                content_hash=digest,
                title=mdata.title,
                summary=mdata.summary,
                estimated_minutes=mdata.estimated_minutes,
                objectives=mdata.objectives,
                evidence_task=mdata.evidence_task,
                mastery=mdata.mastery,
                questions=mdata.questions,
                sources=mdata.sources,
            )
            Lesson.objects.bulk_create(
                Lesson(
                    module_version=version,
                    slug=lesson.slug,
                    position=index,
                    title=lesson.title,
                    minutes=lesson.minutes,
                    objectives=lesson.objectives,
                    html=lesson.html,
                    source_path=lesson.source_path,
                )
                for index, lesson in enumerate(mdata.lessons)
            )
            module.current = version
            module.save(update_fields=["current"])
            report.created.append(f"{mdata.slug} v{mdata.version}")
    if conflicts:
        raise ContentConflict("\n".join(conflicts))
    for data in read.programs:  # the module files other apps own (courses/content_extensions.py)
        for mdata in data.modules:
            version = ModuleVersion.objects.get(module__slug=mdata.slug, version=mdata.version)
            extensions_store(version=version, data=read.extensions.get(mdata.slug, {}))
    return report


def _next_version(module: Module) -> int:
    newest = module.versions.order_by("-version").first()
    return (newest.version if newest else 0) + 1


def _is_newest(module: Module, version: ModuleVersion) -> bool:
    return not module.versions.filter(version__gt=version.version).exists()
