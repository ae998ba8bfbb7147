"""The demo catalogue (`make run`, seed_demo, setup_demo): invented start-ups,
incubators and sponsors, the same for a given seed.

- words.py: the tables of words every name, mission and description is
  composed from (nothing is taken from the real network's data);
- generator.py: seed_demo(), which draws start-ups from them, a chunk at a time;
- bulk.py: the writer that puts each chunk in the database (COPY on
  PostgreSQL) in a second thread while the next is drawn.

Callers import from here: `from startups.demo import seed_demo`."""

from startups.demo.generator import (
    INCUBATORS,
    REFERENCE_DATE,
    SECTORS,
    DemoSummary,
    seed_demo,
)

__all__ = ["INCUBATORS", "REFERENCE_DATE", "SECTORS", "DemoSummary", "seed_demo"]
