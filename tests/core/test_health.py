"""Health probes are open; readiness pings the database."""

from app.core.config import Settings
from app.main import create_app
from tests.aio import ApiClient
from tests.helpers import assert_problem


def test_live_and_ready(anon: ApiClient) -> None:
    assert anon.get("/health/live").json() == {"status": "ok"}
    assert anon.get("/health/ready").json() == {"status": "ok"}


def test_ready_is_503_when_the_database_is_down() -> None:
    app = create_app(
        Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    )
    client = ApiClient(app)
    assert client.get("/health/live").status_code == 200
    assert_problem(client.get("/health/ready"), 503, "unavailable")


def test_docs_are_served_without_a_cdn(anon: ApiClient) -> None:
    page = anon.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "/static/swagger-ui-bundle.js" in page.text
    assert anon.get("/static/swagger-ui-bundle.js").status_code == 200
    assert anon.get("/openapi.json").status_code == 200
