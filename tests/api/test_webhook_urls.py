"""Webhook URLs through the HTTP API: in production a URL whose host is loopback, private or link-local is
refused (422 webhook_url_not_allowed) unless ZHONGTAI_WEBHOOKS_ALLOW_PRIVATE_URLS says otherwise. IP literals
only, so no DNS lookup (and no network) is needed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from zhongtai.config import Settings
from zhongtai.kernel.auth import Role

SUBS = "/api/v1/webhooks/subscriptions"
PUBLIC = "http://93.184.216.34/hook"
PRIVATE = ["http://127.0.0.1/hook", "http://10.0.0.5/hook", "http://192.168.1.20:8080/hook",
           "http://169.254.169.254/latest/meta-data", "http://[::1]/hook", "http://[::ffff:10.0.0.5]/hook",
           "http://0.0.0.0/hook", "https://[fe80::1]/hook"]


def _production(settings: Settings, **overrides) -> Settings:
    return Settings(environment="production", database_url=settings.database_url,
                    secret_key=settings.secret_key, **overrides)


def _app_client(settings: Settings) -> Iterator[TestClient]:
    from zhongtai.app import create_app

    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def prod(engine, settings) -> Iterator[TestClient]:
    yield from _app_client(_production(settings))


def _subscribe(client, headers, url: str):
    return client.post(SUBS, headers=headers, json={"name": "ERP", "url": url, "event_types": ["stores.*"]})


class TestProduction:
    @pytest.mark.parametrize("url", PRIVATE)
    def test_refuses_a_non_public_host_and_creates_nothing(self, prod, db, url):
        hq = f.as_role(prod, db, Role.HQ_ADMIN)
        resp = _subscribe(prod, hq, url)
        assert resp.status_code == 422 and resp.json()["error"] == "webhook_url_not_allowed", resp.text
        assert prod.get(SUBS, headers=hq).json()["total"] == 0

    def test_accepts_a_public_address(self, prod, db):
        resp = _subscribe(prod, f.as_role(prod, db, Role.HQ_ADMIN), PUBLIC)
        assert resp.status_code == 201, resp.text
        assert resp.json()["url"] == PUBLIC

    def test_changing_the_url_to_a_private_host_is_refused(self, prod, db):
        hq = f.as_role(prod, db, Role.HQ_ADMIN)
        sub = _subscribe(prod, hq, PUBLIC).json()
        resp = prod.patch(f"{SUBS}/{sub['id']}", headers=hq, json={"url": "http://10.0.0.5/hook"})
        assert resp.status_code == 422 and resp.json()["error"] == "webhook_url_not_allowed", resp.text
        assert prod.get(f"{SUBS}/{sub['id']}", headers=hq).json()["url"] == PUBLIC
        moved = prod.patch(f"{SUBS}/{sub['id']}", headers=hq, json={"url": "http://93.184.216.35/hook"})
        assert moved.status_code == 200, moved.text

    def test_the_setting_allows_private_hosts_again(self, engine, db, settings, monkeypatch):
        monkeypatch.setenv("ZHONGTAI_WEBHOOKS_ALLOW_PRIVATE_URLS", "true")
        allowing = _production(settings)
        assert allowing.webhooks_allow_private_urls is True
        for c in _app_client(allowing):
            resp = _subscribe(c, f.as_role(c, db, Role.HQ_ADMIN), "http://127.0.0.1/hook")
            assert resp.status_code == 201, resp.text


class TestDevelopmentAndTest:
    def test_private_hosts_are_allowed_by_default(self, client, db, settings):
        assert Settings(environment="development").webhooks_allow_private_urls is True
        assert settings.webhooks_allow_private_urls is True
        resp = _subscribe(client, f.as_role(client, db, Role.HQ_ADMIN), "http://127.0.0.1:9/hook")
        assert resp.status_code == 201, resp.text
