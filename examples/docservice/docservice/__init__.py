"""docservice: a small document-processing web service (python3 stdlib only).

It stores documents in SQLite, renders summaries and keyword lists, and searches them.
It is the example perfaudit audits, so it carries deliberate performance flaws of the kinds
`perfaudit scan` finds (see README.md next to this package).
"""

__version__ = "0.3.0"
