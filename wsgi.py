"""The WSGI entry point: gunicorn wsgi:app."""

import gc

from election import create_app

app = create_app()

# The ~100.000 objects of the loaded app (SQLAlchemy metadata, mappers, templates) never
# die; left to the cyclic collector, every full collection walks them all and stalls a
# request by 50-70 ms (measured on the national results). Frozen, collections skip them.
gc.collect()
gc.freeze()
