#!/usr/bin/env python
"""Management commands for the baseline tool (bench/launch.py runs migrate and createcachetable)."""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baseline_tool.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
