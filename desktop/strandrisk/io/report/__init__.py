"""The Excel report a finance director can audit, and the machine-readable results (JSON)."""
