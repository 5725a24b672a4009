"""The default Celery broker when CELERY_BROKER_URL is unset."""


def broker_url_for(db: dict) -> str:
    """Kombu's SQLAlchemy transport on our own PostgreSQL: a real broker, nothing to install."""
    user = db.get("USER") or ""
    password = db.get("PASSWORD") or ""
    host = db.get("HOST") or ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    if host.startswith("/"):
        return f"sqla+postgresql+psycopg://{user}:{password}@/{db['NAME']}?host={host}"
    return f"sqla+postgresql+psycopg://{user}:{password}@{host}{port}/{db['NAME']}"
