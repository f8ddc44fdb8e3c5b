"""Citizens' complaints and consultations: the desk, its deadlines and its C-* cards."""
