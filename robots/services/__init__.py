"""The only writers of the robots app, one module per subject: ``deployments`` (the office's
deployments of robots), ``jobs`` (the job queue), ``runners`` (the machines that run jobs).

``from robots import services`` gives the deployments' writers, as it always has; the job
queue and the runners are ``robots.services.jobs`` and ``robots.services.runners``.
"""

from robots.services.deployments import (
    EDITABLE_FIELDS,
    create_deployment,
    pause_deployment,
    resume_deployment,
    set_deployment_status,
    update_deployment,
)

__all__ = [
    "EDITABLE_FIELDS",
    "create_deployment",
    "pause_deployment",
    "resume_deployment",
    "set_deployment_status",
    "update_deployment",
]
