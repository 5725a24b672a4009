"""The demo partnership: ``manage.py load_demo`` composes the demo data each app provides
(its ``demo`` module). It may import every app; no app imports it."""
