"""The CDK app of Sunlight: one stack per stage, built from `sunlight.app.spec` and the stage config."""
