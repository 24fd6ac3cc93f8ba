from django_tasks import task

from . import jobs


@task()
def preview(job_id):
    """Check a roster file row by row (writes nothing but the report)."""
    return jobs.run(job_id, commit=False)


@task()
def commit(job_id):
    """Write a previewed roster, all or nothing."""
    return jobs.run(job_id, commit=True)
