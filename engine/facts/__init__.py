"""Facts: typed values with their provenance, named from one shared vocabulary."""

from asba.facts.model import Fact

__all__ = ["Fact"]
