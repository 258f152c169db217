from django.db import migrations, models


class Migration(migrations.Migration):
    """Submissions from before this field were read by rule 1 (lines of empty cells are rows): an import of
    theirs that resumes after the upgrade reads its file the same way, so its rows keep their numbers. New
    submissions are read by rule 2 (results.reading.READING)."""

    dependencies = [
        ("results", "0007_submission_progress"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="reading",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="submission",
            name="reading",
            field=models.PositiveSmallIntegerField(default=2),
        ),
    ]
