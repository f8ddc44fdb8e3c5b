"""Code that runs in AWS on behalf of the stack itself (not part of Sunlight's functions)."""
