"""Exit 1 unless a Celery worker ran beat's heartbeat task lately: the health
check of the beat and worker containers."""

from django.core.management.base import BaseCommand, CommandError

from core.heartbeat import heartbeat_state


class Command(BaseCommand):
    help = "Fail unless a worker ran the heartbeat task within WORKER_HEARTBEAT_MAX_AGE."

    def handle(self, *args, **options):
        state = heartbeat_state()
        if state["state"] != "ok":
            raise CommandError(f"worker heartbeat {state['state']}: {state}")
        self.stdout.write(f"worker heartbeat ok, {state['seconds_ago']} s ago")
