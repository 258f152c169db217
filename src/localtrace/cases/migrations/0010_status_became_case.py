# A contact who tested positive is closed as "Became a case" (cases.services.close_contact_now_a_case).
# The status is shared by cases and contacts (WorkItem); only the choices change, so no table is altered.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0009_nothing_more_to_add'),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='status',
            field=models.CharField(choices=[('new', 'Not yet contacted'), ('in_progress', 'Being contacted'), ('reached', 'Reached'), ('completed', 'Completed'), ('unreachable', 'Could not be reached'), ('transferred', 'Transferred'), ('became_case', 'Became a case')], db_index=True, default='new', max_length=12),
        ),
    ]
