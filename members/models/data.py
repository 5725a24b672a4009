"""A member's data: exports and erasure receipts."""

__all__ = []
