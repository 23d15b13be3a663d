"""Search at scale: ELEARN_SEARCH_BACKEND switches Wagtail to Elasticsearch or OpenSearch.

No search server runs here, so a recording stub answers as Elasticsearch would and the test
checks what elearn sends it: the index, the mapping, and a lecture's document with its slide
text and the CJK bigrams that make Chinese findable.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from wagtail.search.backends import get_search_backend

from courses.models import LecturePage
from elearn.settings.search import search_backends

pytestmark = pytest.mark.django_db


def test_the_database_backend_is_the_default():
    assert search_backends({}) == {"default": {"BACKEND": "wagtail.search.backends.database"}}


def test_a_search_server_is_configured_from_the_environment():
    backend = search_backends(
        {
            "ELEARN_SEARCH_BACKEND": "OpenSearch3",
            "ELEARN_SEARCH_URLS": "https://a.example:9200, https://b.example:9200",
            "ELEARN_SEARCH_INDEX": "society",
        }
    )["default"]
    assert backend["BACKEND"] == "wagtail.search.backends.opensearch3"
    assert backend["URLS"] == ["https://a.example:9200", "https://b.example:9200"]
    assert backend["INDEX_PREFIX"] == "society_" and backend["ATOMIC_REBUILD"] is True


@pytest.mark.parametrize(
    "environ",
    [{"ELEARN_SEARCH_BACKEND": "solr"}, {"ELEARN_SEARCH_BACKEND": "elasticsearch8"}],
)
def test_a_wrong_or_incomplete_choice_stops_start_up(environ):
    with pytest.raises(ImproperlyConfigured):
        search_backends(environ)


class FakeElasticsearch(BaseHTTPRequestHandler):
    """Answers every request with success, as Elasticsearch 8 does, and records it."""

    requests: list = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.requests.append((self.command, self.path, body.decode("utf-8")))
        if self.command == "HEAD":
            payload = b""
            status = 404  # no index or alias yet
        else:
            status = 200
            payload = json.dumps(
                {"acknowledged": True, "result": "created", "errors": False, "items": []}
            ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_server():
    FakeElasticsearch.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeElasticsearch)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", FakeElasticsearch.requests
    server.shutdown()
    server.server_close()


def test_lectures_are_indexed_in_elasticsearch_with_slides_and_cjk(demo, fake_server):
    url, requests = fake_server
    backends = search_backends(
        {"ELEARN_SEARCH_BACKEND": "elasticsearch8", "ELEARN_SEARCH_URLS": url}
    )
    with override_settings(WAGTAILSEARCH_BACKENDS=backends):
        backend = get_search_backend("default")
        lecture = LecturePage.objects.get(pk=demo["slides_lecture"].pk)
        index = backend.get_index_for_model(LecturePage)
        assert index.name.startswith("elearn_")
        index.add_model(LecturePage)
        index.add_item(lecture)
    mapping = next(body for method, path, body in requests if path.endswith("/_mapping"))
    assert "slides_text" in mapping and "search_cjk" in mapping
    document = next(json.loads(body) for method, path, body in requests if "/_doc/" in path)
    text = json.dumps(document, ensure_ascii=False)
    assert "信息化" in text  # slide text in Chinese
    assert "信息 息化" in text  # and its bigrams, so "息化" alone finds it too
