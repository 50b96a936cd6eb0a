"""History: sacct job records in SQLite, efficiency as seff computes it, per-script patterns."""
