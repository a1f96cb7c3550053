"""lexcompare: compare a national anti-trafficking framework with the treaties a state is party to."""
__version__ = "0.1.0"
