"""Report: text and JSON renderers of recommendations and traces."""
