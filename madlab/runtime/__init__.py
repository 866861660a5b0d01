"""The runtime: job service, queues (embedded and Celery), workers and events."""
