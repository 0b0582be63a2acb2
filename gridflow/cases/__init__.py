"""Cases: report, act (the one place a stored case changes state), read, lists, the sweep, the timeline.

Every use case takes the `Database` and owns its transaction: a case change, its mediation records and
its timeline event commit together or not at all.
"""
