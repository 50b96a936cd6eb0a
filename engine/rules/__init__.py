"""Rules: YAML rule packs, compiled into durable-rules, evaluated into conclusions with a trace."""
