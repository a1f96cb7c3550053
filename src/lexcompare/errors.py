"""Errors a user can act on. Each message says what was expected, what was found, what to do."""


class LexcompareError(Exception):
    """Base for errors a user can act on."""


class IngestError(LexcompareError):
    """A file could not be read as a legal text."""


class NoTextLayerError(IngestError):
    """A PDF (or some of its pages) has no text layer: it is a scan."""


class EncryptedPdfError(IngestError):
    """A PDF is password-protected."""


class ProvisionParseError(LexcompareError):
    """A text could not be structured into provisions."""


class CatalogueError(LexcompareError):
    """The corpus catalogue or a study names something that does not exist."""


class MissingDependencyError(LexcompareError):
    """An optional package (spaCy model, embedding model, dask) is not installed."""
