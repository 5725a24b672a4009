"""The app's Celery tasks, where the worker looks for them; each subject keeps its own."""

from members.data.tasks import build_export, erase_member
from members.lifecycle.tasks import apply_due_leavings

__all__ = ["apply_due_leavings", "build_export", "erase_member"]
