"""The ground floor: what every app may use and that uses no app of the project.

The audit trail, enqueueing of background work, and small helpers for pages. Nothing here
imports ``tenants``, ``catalog`` or any other app (``make lint`` checks it).
"""
