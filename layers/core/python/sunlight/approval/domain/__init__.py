"""Records, the catalogue, a case's lifecycle and clock, the rules."""
