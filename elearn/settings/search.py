"""The search backend, chosen by environment variables.

The database backend (default) needs no server and, with the CJK bigrams elearn indexes
(courses/search_text.py), finds Chinese on SQLite and PostgreSQL. Large sites switch to
Elasticsearch or OpenSearch: set ELEARN_SEARCH_BACKEND and ELEARN_SEARCH_URLS, install the
matching client (README, "Search at scale"), then run ``manage.py update_index``.
"""

from django.core.exceptions import ImproperlyConfigured

ENGINES = {
    "database": "wagtail.search.backends.database",
    "elasticsearch7": "wagtail.search.backends.elasticsearch7",
    "elasticsearch8": "wagtail.search.backends.elasticsearch8",
    "elasticsearch9": "wagtail.search.backends.elasticsearch9",
    "opensearch2": "wagtail.search.backends.opensearch2",
    "opensearch3": "wagtail.search.backends.opensearch3",
}


def search_backends(environ) -> dict:
    """WAGTAILSEARCH_BACKENDS from ELEARN_SEARCH_BACKEND, ELEARN_SEARCH_URLS (comma-separated,
    credentials in the URL if any), ELEARN_SEARCH_INDEX and ELEARN_SEARCH_TIMEOUT."""
    engine = environ.get("ELEARN_SEARCH_BACKEND", "database").strip().lower() or "database"
    if engine not in ENGINES:
        raise ImproperlyConfigured(
            f"ELEARN_SEARCH_BACKEND={engine!r}: choose one of {', '.join(ENGINES)}"
        )
    backend = {"BACKEND": ENGINES[engine]}
    if engine == "database":
        return {"default": backend}
    urls = [url.strip() for url in environ.get("ELEARN_SEARCH_URLS", "").split(",") if url]
    if not urls:
        raise ImproperlyConfigured(f"ELEARN_SEARCH_BACKEND={engine} needs ELEARN_SEARCH_URLS")
    backend.update(
        {
            "URLS": urls,
            # One cluster can serve several sites (or staging beside production).
            "INDEX_PREFIX": environ.get("ELEARN_SEARCH_INDEX", "elearn") + "_",
            "TIMEOUT": int(environ.get("ELEARN_SEARCH_TIMEOUT", "10")),
            # Rebuild into a new index and swap: search keeps answering during update_index.
            "ATOMIC_REBUILD": True,
            "OPTIONS": {},
            "INDEX_SETTINGS": {},
        }
    )
    return {"default": backend}
