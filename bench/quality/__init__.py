"""Search quality on a BEIR-layout test collection: Dizin's three modes against three baselines.

    python -m bench.quality DIR [--database-url URL] [--queries N]

See __main__.py for the command line, runner.py for the evaluation itself.
"""
