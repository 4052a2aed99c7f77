"""The ``torchseedlint`` command line."""
