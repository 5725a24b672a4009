"""The member lifecycle's services, a module per subject: ``data`` (export and erasure)."""
