"""Inputs: the only code that reads the outside world (batch scripts, SLURM commands, sacct, AWS, config)."""
