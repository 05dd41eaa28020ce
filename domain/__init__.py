"""The venture-commune protocol: pure rules over integer minor units, no I/O.

Everything here takes its inputs (including the clock) as arguments so that the
same code can be property-tested, replayed and run inside any transaction.
"""
