"""lexcompare: compare a national anti-trafficking framework with the treaties a state is party to.

The package reads as the pipeline: ingest -> parse -> (obligations, tag) -> match -> gaps ->
report, with `store` keeping the analysts' reviews.
"""

__version__ = "0.1.0"

from .study import Study  # noqa: E402  (the notebook entry point: lx.Study.load("gn-tip"))

__all__ = ["Study", "__version__"]
