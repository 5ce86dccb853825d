# The admin's permissions and any generic relation name a model by its content type: relabel
# the two moved models' rows from courses to credentials, so permissions given before the move
# keep applying. A database made after the move has no old rows: nothing to do.

from django.db import migrations

MODELS = ("achievement", "issuedcredential")


def relabel(apps, schema_editor, old="courses", new="credentials"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            continue  # already made for the new label (post_migrate ran first): keep it
        ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def relabel_back(apps, schema_editor):
    relabel(apps, schema_editor, old="credentials", new="courses")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('credentials', '0001_achievements_and_credentials_from_courses'),
    ]

    operations = [migrations.RunPython(relabel, relabel_back)]
