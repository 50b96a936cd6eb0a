"""The command-line edge: parse arguments, call the library, render, map errors to exit codes."""
