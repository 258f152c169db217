"""The given name within the postcode as one more blocking key (people/blocking.py `given_postcode_key`).

The people already held get their key from what is stored: the given name's key is the first half of
`match_key` ("given|family", already folded by `name_key`), the postcode compacted as `compact_postcode`
does. Done in two UPDATE statements, before the index is built.
"""

from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Concat, Replace, StrIndex, Substr, Upper


def fill_keys(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    bar = StrIndex("match_key", Value("|"))
    compact = Upper(Replace("postcode", Value(" "), Value("")))
    Person.objects.exclude(postcode="").exclude(match_key="").update(
        block_given_postcode=Concat(Substr("match_key", 1, bar - 1), Value("|"), compact),
    )
    # No given name makes no key, as given_postcode_key() does.
    Person.objects.filter(match_key__startswith="|").update(block_given_postcode="")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_review_source_change"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="block_given_postcode",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=120),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["block_given_postcode"], name="person_block_given_postcode"),
        ),
    ]
