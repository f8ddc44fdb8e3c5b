"""The application: the composition root, the resource spec shared with CDK, the deadline sweep."""
