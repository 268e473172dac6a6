"""Demo data, apart from production code: ``sync-server seed-demo``.

seed              stations, staff and a synthetic registry
seed_registry     the synthetic, deterministic Leshan registry
"""
