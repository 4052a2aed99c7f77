"""TSL105–TSL111: seed values and seeding calls that do not do what they seem to.

One rule per ``tslNNN_<name>.py`` module; ``_shared`` holds what several of them use.
"""
