"""The CDK app of Sunlight: one stack per stage, built from `sunlight.spec` and the stage config."""
