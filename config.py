"""Development entry point for the settings: they live in the package (`gridflow.settings`), so an
installed GridFlow has them without this file."""

from gridflow.settings import Config

__all__ = ["Config"]
