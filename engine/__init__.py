"""asba — AWS SLURM Burst Advisor.

Data flow (one sub-package per stage):

    inputs/     batch script, SLURM commands, sacct, AWS, config   (the only code that reads the outside world)
    facts/      typed, sourced facts built from those inputs        (the shared vocabulary)
    history/    the job-history store, efficiency and patterns
    knowledge/  instance catalog, prices, cost model, instance matching
    rules/      YAML rule packs -> durable-rules -> conclusions + trace
    decide/     calculators that turn facts and conclusions into a recommendation
    report/     renderers (text, JSON) of recommendations and traces
    audit/      the decision log
    cli/        the thin command-line edge
"""

__version__ = "0.2.0"
