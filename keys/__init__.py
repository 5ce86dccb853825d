"""The tool's signing keys: generation, encryption at rest, rotation, the public JWKS, JOSE
helpers, and the `key_compromised` signal apps above answer.

The lowest app: imports no other app of Ignite.
"""
