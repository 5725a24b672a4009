"""Members join and leave the partnership: onboarding, leaving with a final settlement, the
member's data exported and erased, and the data-processing register (docs/members.md)."""
