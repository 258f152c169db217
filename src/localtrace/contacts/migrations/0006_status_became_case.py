# A contact who tested positive is closed as "Became a case" (cases.services.close_contact_now_a_case).
# Only the choices change, so no table is altered.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_status_became_case'),
        ('contacts', '0005_symptoms_reported_on'),
    ]

    operations = [
        migrations.AlterField(
            model_name='contact',
            name='status',
            field=models.CharField(choices=[('new', 'Not yet contacted'), ('in_progress', 'Being contacted'), ('reached', 'Reached'), ('completed', 'Completed'), ('unreachable', 'Could not be reached'), ('transferred', 'Transferred'), ('became_case', 'Became a case')], db_index=True, default='new', max_length=12),
        ),
    ]
