"""Hidden reference solutions of the exercises, one module per lesson (``lNN_topic.py``).

Each module registers its exercises with :func:`gantutor.checks.exercise`; the test
suite checks every reference solution against its own checker.
"""
