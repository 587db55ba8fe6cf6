"""The core: typed readings, the poll loop, the gate, the runbook and the session that owns time."""
