"""Jobs: the task function (``process_job``), the embedded worker, the Celery queue and webhooks."""
