"""The library's own settings (its model, whether labels were seeded...), kept in its database."""

from __future__ import annotations

from album.store.database import Database


class SettingsRepository:
    def __init__(self, database: Database):
        self._db = database

    def get(self, key: str) -> str | None:
        rows = self._db.query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set(self, key: str, value: str | None) -> None:
        with self._db.write() as db:
            if value is None:
                db.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))
