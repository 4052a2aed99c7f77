"""TSL112: seeds set in the parent do not reach processes started with a fresh interpreter.

One rule per ``tslNNN_<name>.py`` module.
"""
