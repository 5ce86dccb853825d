"""A bare pylti1p3 Django tool: the baseline bench/launch.py compares Ignite against."""
