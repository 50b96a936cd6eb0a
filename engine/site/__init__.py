"""At submission time and at site scale: the caches `asba check` reads (and nothing else), the site model."""
