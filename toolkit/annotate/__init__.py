"""Human-in-the-loop annotation: a local web app where people rank answers, write answers and judge
base vs tuned models blind, and the exports that feed the next training round.

`tasks` defines the task file, `store` the SQLite database (WAL; every submission committed before the
page confirms), `app` the Starlette web app, `export` the canonical records (gated before they leave),
`agreement` and `study` the statistics, `labelstudio` the Label Studio JSON bridge.
"""
