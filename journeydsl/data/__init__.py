"""Data from the field: event logs and survey responses read into named records, and event logs written.

What real customers did (event logs from web analytics, CRM, ticketing and
case systems, in CSV or XES) and what they said (response-level surveys) come
in here, checked, with diagnostics that point at the file, line and column;
the analyses fit and validate journeys against them (``journey fit``,
``journey validate``), and simulated customers go out as event logs that
process-mining tools read.  Nothing here simulates or analyses: it reads and
writes data.

Event logs: :mod:`~journeydsl.data.logs` (the records ``EventLog``, ``Case``
and ``Event``, the CSV reader and its ``LogMapping``, and the diagnostics
``JL001``-``JL099``), :mod:`~journeydsl.data.xes` (the hardened, streaming
XES reader) and :mod:`~journeydsl.data.simulated` (simulated customers written
as XES or CSV, for ``journey simulate --log``); ``docs/data.md`` describes them.
"""
