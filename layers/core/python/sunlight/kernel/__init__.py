"""The shared kernel: calendar, instants, errors, access, sealing of personal data, observability, events."""
