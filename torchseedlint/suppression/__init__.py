"""Suppression comments: parsing ``# noqa`` and friends, and finding the unused ones."""
