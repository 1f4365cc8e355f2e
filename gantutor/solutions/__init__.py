"""Hidden reference solutions of the exercises, one module per lesson (``lNN_topic.py``).

Each module registers its exercises with the decorator :func:`gantutor.checks.exercise`
(the registry is filled by the solutions). ``gantutor.checks`` never imports this package
statically: when a notebook asks for key ``"NN.name"`` it imports ``lNN_*`` here by name,
so an exercise of lesson NN must live in ``lNN_*.py``. The test suite checks every
reference solution against its own checker.

This ``__init__`` imports nothing, so that loading one lesson's solutions loads no other.
"""
