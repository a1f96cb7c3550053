"""lexcompare: compare a national anti-trafficking framework with the treaties a state is party to.

The package reads as the pipeline: ingest -> parse -> (obligations, tag) -> match -> gaps ->
report, with `store` keeping the analysts' reviews. `lx.Study.load("gn-tip")` is the notebook
entry point.
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["Study", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy: `import lexcompare.store` must not pay for pandas and the whole pipeline.
    if name == "Study":
        from .study import Study

        return Study
    raise AttributeError(name)
