"""Collaborative learning: anonymised bundles of script patterns, a site folder that gathers them, and the
best practices and common mistakes drawn from them.

    export.build_bundle(...)   # history store -> bundle dict (no user, account, host, path, job name or id)
    bundle.read_bundle(path)   # size cap, JSON, schema, version, checksum -> bundle dict, or BundleError
    site.SiteDir(dir).add(...) # atomic writes into a shared folder (no SQLite on NFS)
    insights.aggregate(...)    # bundles -> BestPractice / CommonMistake lists
"""
