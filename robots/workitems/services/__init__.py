"""The only writers of work queues and items, one module per subject: ``queues``, ``items``
(adding them), ``robots`` (what robots do with items), ``handling`` (manual handling),
``retention``, ``triggers`` (queue triggers queue jobs). Every function works inside the
member schema the caller chose (the request's site, or the schema a tenant-aware task
carries). Every change of an item's state writes a ``WorkItemEvent``: that is the item's
history.

``from robots.workitems import services`` gives the public names of all of them.
"""

from robots.workitems.services.bulk import delete_items, retry_items
from robots.workitems.services.common import Status, payload_problems
from robots.workitems.services.handling import assign, close, resolve, resubmit
from robots.workitems.services.items import BulkResult, ItemRow, add_item, add_items_bulk
from robots.workitems.services.queues import QUEUE_FIELDS, create_queue, update_queue
from robots.workitems.services.retention import apply_retention
from robots.workitems.services.robots import (
    OUTCOMES,
    ItemFinished,
    abandon_stuck_items,
    attach_file,
    check_file_size,
    check_new_file,
    create_output,
    give_back_first_input,
    release,
    release_for_job,
    remove_file,
    reserve_for_deployment,
    reserve_for_job,
    reserve_next,
    save_output_payload,
    save_payload_by_robot,
)
from robots.workitems.services.triggers import enqueue_queue_triggers

__all__ = [
    "OUTCOMES",
    "QUEUE_FIELDS",
    "BulkResult",
    "ItemFinished",
    "ItemRow",
    "Status",
    "abandon_stuck_items",
    "add_item",
    "add_items_bulk",
    "apply_retention",
    "assign",
    "attach_file",
    "check_file_size",
    "check_new_file",
    "close",
    "create_output",
    "create_queue",
    "delete_items",
    "enqueue_queue_triggers",
    "give_back_first_input",
    "payload_problems",
    "release",
    "release_for_job",
    "remove_file",
    "reserve_for_deployment",
    "reserve_for_job",
    "reserve_next",
    "resolve",
    "resubmit",
    "retry_items",
    "save_output_payload",
    "save_payload_by_robot",
    "update_queue",
]
