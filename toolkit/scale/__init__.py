"""Gating past one process: the same gate over many input shards, in-process or on a Ray cluster.

`shards.py` is engine-agnostic (finding shards, gating one shard, merging reports); `ray_engine.py`
spreads the shards over a Ray Data actor pool. Ray is an optional extra: `pip install '.[scale]'`.
"""
