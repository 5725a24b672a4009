"""Joining and leaving: services, selectors, pages, API and the beat task (docs/members.md)."""
