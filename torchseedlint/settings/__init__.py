"""What the user asked for: configuration, rule selection, library versions."""
