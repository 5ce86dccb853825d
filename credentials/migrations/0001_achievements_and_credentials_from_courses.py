# Achievement and IssuedCredential move from courses/ to credentials/ (issue 20).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('courses', '0009_achievement_competencies'),
    ]

    # The tables were made by courses/ (0004-0008) and keep their names: this app only takes
    # them over in Django's model state; no row and no table is touched.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Achievement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField(max_length=100, unique=True)),
                        ('name', models.CharField(max_length=255)),
                        ('description', models.TextField()),
                        ('criteria', models.TextField()),
                        ('required_modules', models.JSONField(default=list)),
                        ('evidence_required', models.BooleanField(default=False)),
                        ('competencies', models.JSONField(blank=True, default=list)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('program', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='achievements', to='courses.program')),
                    ],
                    options={
                        'db_table': 'courses_achievement',
                    },
                ),
                migrations.CreateModel(
                    name='IssuedCredential',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(unique=True)),
                        ('issued_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('credential', models.JSONField()),
                        ('jwt', models.TextField()),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('revocation_reason', models.CharField(blank=True, max_length=255)),
                        ('status_index', models.PositiveIntegerField(blank=True, null=True, unique=True)),
                        ('evidence_public', models.BooleanField(default=False)),
                        ('achievement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='issued', to='credentials.achievement')),
                        ('cohort', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='courses.cohort')),
                        ('participant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='courses.participant')),
                        ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='courses.participant')),
                    ],
                    options={
                        'db_table': 'courses_issuedcredential',
                        'indexes': [models.Index(condition=models.Q(('revoked_at__isnull', False)), fields=['status_index'], name='credential_revoked_status')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('achievement', 'participant'), name='one_live_credential_per_achievement')],
                    },
                ),
            ],
        ),
    ]
