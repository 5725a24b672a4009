"""The member lifecycle's tables: joining and leaving (lifecycle), the member's data exported
and erased (data)."""

from members.models.data import *  # noqa: F403
from members.models.lifecycle import *  # noqa: F403
