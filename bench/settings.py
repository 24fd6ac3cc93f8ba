"""Settings for the benchmark only: the project's settings plus the peer tree libraries.

`bench/tree.py` sets DATABASE_URL and DJANGO_SETTINGS_MODULE=bench.settings before
django.setup(). The peer app has no migrations; its tables are created (and dropped) by
the benchmark with the schema editor, so nothing here reaches the project's migrations
or its INSTALLED_APPS.
"""

from jiceng.settings import *  # noqa: F403
from jiceng.settings import INSTALLED_APPS

# As in production: no query log kept by the debug cursor. (JICENG_FIELD_KEY was already
# read with DEBUG on, so the demo's development key still encrypts the generated data.)
DEBUG = False

INSTALLED_APPS = [*INSTALLED_APPS, "treebeard", "mptt", "bench.peers"]

# Pages are measured through Django's test client, which names its host "testserver".
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405

# The intake benchmark's server keeps its connections for the whole run (production may
# recycle them; the difference is one connect a minute): its CPU per request counts the
# PostgreSQL processes it starts and reads them again at the end.
DATABASES["default"]["CONN_MAX_AGE"] = None  # noqa: F405
