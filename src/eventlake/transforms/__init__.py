"""Pure DataFrame -> DataFrame transforms (no I/O, no paths). Chain with `.transform(...)`."""
