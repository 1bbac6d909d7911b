"""lagebild: the situation picture of a humanitarian response."""

__version__ = "0.1.0"
