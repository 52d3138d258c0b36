"""The warehouse: SQLAlchemy models (:mod:`sql.models`), Alembic migrations, views and docs."""
