from django_tasks import task

from . import uploads


@task()
def sweep_uploads():
    """Daily: delete stored files that no row names (core.uploads.sweep)."""
    return uploads.sweep()
