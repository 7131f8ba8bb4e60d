"""The "Data policy" group (catalogue/access.py DATA_POLICY_GROUP): its members answer embargo
extension requests and set the proprietary flag; membership, not permissions, is what counts."""

from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="Data policy")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0013_data_policy"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
