"""The app's Celery tasks, where the worker looks for them; each subject keeps its own."""

from members.data.tasks import build_export, erase_member

__all__ = ["build_export", "erase_member"]
