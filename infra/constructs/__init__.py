"""One construct per concern: data, compute, workflows, api, alarms."""
