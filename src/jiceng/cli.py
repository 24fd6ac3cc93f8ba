"""The `jiceng` command: Django's management commands under the project's settings.

`jiceng demo`, `jiceng serve`, `jiceng worker`, `jiceng audit verify`, `jiceng rollups
rebuild|check` and every Django command (`jiceng migrate`, `jiceng createsuperuser`, ...).
"""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["jiceng", *argv])
    args[0] = "jiceng"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
