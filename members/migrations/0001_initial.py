from django.db import migrations


class Migration(migrations.Migration):
    """The members app starts empty; its tables follow in their own migrations."""

    initial = True
    dependencies = []
    operations = []
