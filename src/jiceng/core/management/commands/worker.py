from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from jiceng.core import schedule


class Command(DatabaseWorker):
    help = ("Run the background task queue (django-tasks, database backend) on every queue, "
            "and enqueue the daily jobs (core.schedule) when their hour comes.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
        parser.add_argument("--no-schedule", action="store_true", help="do not enqueue the daily jobs")

    def handle(self, *args, no_schedule=False, **options):
        if not no_schedule and not options.get("batch"):
            schedule.start()
        return super().handle(*args, **options)
