# Achievement and IssuedCredential now belong to credentials/ (issue 20): gone from this app's
# model state only. Their tables stay, with every row (credentials/0001 takes them over).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0009_achievement_competencies'),
        ('credentials', '0001_achievements_and_credentials_from_courses'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='IssuedCredential'),
                migrations.DeleteModel(name='Achievement'),
            ],
        ),
    ]
