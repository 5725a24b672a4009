"""Joining and leaving the partnership."""

__all__ = []
