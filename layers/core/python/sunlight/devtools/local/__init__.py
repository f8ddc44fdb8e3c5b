"""The local embedded mode: the whole system on 127.0.0.1 with no AWS account.

`cloud` starts moto; `provision` creates the resources of `sunlight.app.spec` in it; `invoker` runs the
real handlers in-process behind moto's Lambda; `gateway` serves the API as API Gateway would;
`store` keeps the tables across restarts; `runner` ties them together for `sunlight run`, and `push`
is `sunlight push`. Nothing here connects at import time.
"""
