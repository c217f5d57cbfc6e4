"""scaffold: generate and update AI-engineering portfolio repositories."""

__version__ = "0.2.0"
