"""The bottom layer: errors, record schema and file IO that `safety`, `reward_models` and `toolkit` share.

Nothing here imports from `safety`, `reward_models` or the rest of `toolkit`; tests/test_import_layers.py
checks that.
"""
