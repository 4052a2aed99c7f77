"""TSL2xx: data loading — worker processes, samplers and their generators.

One rule per ``tslNNN_<name>.py`` module; ``_shared`` holds what several of them use.
"""
