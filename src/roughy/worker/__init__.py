"""The job worker: procrastinate on the application database, running every registered job."""

from roughy.worker.app import DOMAINS_WITH_TASKS, build_job_app, run_worker

__all__ = ["DOMAINS_WITH_TASKS", "build_job_app", "run_worker"]
