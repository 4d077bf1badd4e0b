"""Evidence KB: what the claims in patient leaflets really rest on."""

__version__ = "0.1.0"
