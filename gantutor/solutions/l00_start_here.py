"""Lesson 00: one tiny exercise, to show how checking an answer works."""

import math

from gantutor.checks import exercise


@exercise(
    "00.log4",
    "The minimax game of lesson 01 bottoms out at −log 4. Give its value as a float (3 decimals are enough).",
    check=lambda ans: abs(float(ans) - (-math.log(4))) < 1e-3,
    hint="It is the natural logarithm (math.log), and it is negative.",
    explanation="−log 4 ≈ −1.386: the value of the game when p_g = p_data and D = 1/2 everywhere.",
)
def log4():
    return -math.log(4)
