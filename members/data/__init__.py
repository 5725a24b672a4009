"""A member's data: exported (an archive handed back) and erased (with a signed receipt)."""
