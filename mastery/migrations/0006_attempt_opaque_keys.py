from django.db import migrations, models


class Migration(migrations.Migration):
    """Attempts started before this migration keep pack positions as form values (their pages
    may be open); every new attempt uses page positions."""

    dependencies = [
        ("mastery", "0005_trainer_extra_attempts_and_score_overrides"),
    ]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="opaque_keys",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="attempt",
            name="opaque_keys",
            field=models.BooleanField(default=True),
        ),
    ]
