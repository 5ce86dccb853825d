"""The development platform: a small LMS in the same process (`DEBUG=1 IGNITE_DEV_PLATFORM=1`),
for `make run` and the tests, under `/dev/platform/`. An LMS, not part of the tool: it may
import the tool's apps (as a real LMS would use its URLs), and nothing of the tool imports it.
"""
