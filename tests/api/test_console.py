"""The web console through HTTP, as staff use it in a browser: sign in, see their stores, switch language."""

from __future__ import annotations

import json
import re

import pytest

from tests import factories as f
from zhongtai.kernel.auth import Role
from zhongtai.staff import service as staff_service
from zhongtai.web import i18n

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CHART_DATA = re.compile(r'<script type="application/json" id="stores-chart-data">(.*?)</script>', re.DOTALL)


def csrf_token(client, path: str = "/console/login") -> str:
    """The CSRF token a page of the console hands out to its forms."""
    return CSRF.search(client.get(path).text).group(1)


def sign_in(client, username: str, password: str = f.PASSWORD, **extra):
    data = {"username": username, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/console/login", data=data, follow_redirects=False)


def signed_in_as(client, db, role: Role, stores=()):
    user = f.user(db, role=role, stores=list(stores))
    assert sign_in(client, user.username).status_code == 303
    return user


class TestConsoleLogin:
    def test_login_page_renders_the_form_in_chinese_by_default(self, client):
        resp = client.get("/console/login")
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
        assert 'name="username"' in resp.text and 'name="password"' in resp.text
        assert "员工登录" in resp.text and '<html lang="zh-CN">' in resp.text
        assert CSRF.search(resp.text)

    def test_rejects_wrong_password(self, client, db):
        user = f.user(db)
        resp = sign_in(client, user.username, "not-the-password")
        assert resp.status_code == 401
        assert "用户名或密码错误" in resp.text and 'name="username"' in resp.text

    def test_rejects_post_without_csrf_token(self, client, db):
        user = f.user(db)
        client.get("/console/login")
        resp = client.post("/console/login", data={"username": user.username, "password": f.PASSWORD},
                           follow_redirects=False)
        assert resp.status_code == 403 and "表单已过期" in resp.text
        assert client.get("/console/", follow_redirects=False).status_code == 303

    def test_rejects_a_token_from_another_session(self, client, db):
        user = f.user(db)
        stale = csrf_token(client)
        client.cookies.clear()
        client.get("/console/login")
        resp = client.post("/console/login", data={"username": user.username, "password": f.PASSWORD,
                                                    "csrf_token": stale}, follow_redirects=False)
        assert resp.status_code == 403

    def test_signs_in_and_lands_on_the_stores_page(self, client, db):
        store = f.store(db, name="鲜丰汇 徐家汇店")
        user = f.user(db, role=Role.HQ_ADMIN)
        resp = sign_in(client, user.username)
        assert resp.status_code == 303 and resp.headers["location"] == "/console/"
        page = client.get("/console/")
        assert page.status_code == 200 and store.name in page.text

    def test_returns_to_the_page_asked_for_but_never_off_site(self, client, db):
        user = f.user(db)
        assert sign_in(client, user.username, next="/console/?x=1").headers["location"] == "/console/?x=1"
        client.cookies.clear()
        assert sign_in(client, user.username, next="https://evil.example/").headers["location"] == "/console/"
        client.cookies.clear()
        assert sign_in(client, user.username, next="//evil.example/").headers["location"] == "/console/"

    def test_rate_limits_repeated_attempts(self, client, db, settings):
        user = f.user(db)
        allowed = int(settings.login_rate_limit.split("/")[0])
        statuses = [sign_in(client, user.username, "wrong").status_code for _ in range(allowed + 1)]
        assert statuses[:allowed] == [401] * allowed and statuses[-1] == 429
        assert "尝试次数过多" in sign_in(client, user.username).text


class TestConsoleAccess:
    def test_root_redirects_to_the_console(self, client):
        resp = client.get("/", follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == "/console/"

    def test_unauthenticated_console_redirects_to_login(self, client):
        resp = client.get("/console/", follow_redirects=False)
        assert resp.status_code == 303
        assert resp.headers["location"] == "/console/login?next=%2Fconsole%2F"

    def test_unauthenticated_htmx_request_is_sent_to_login_as_a_whole_page(self, client):
        resp = client.get("/console/stores/table", headers={"HX-Request": "true"}, follow_redirects=False)
        assert resp.status_code == 401 and resp.headers["hx-redirect"].startswith("/console/login")

    def test_revoked_session_is_sent_back_to_login(self, client, db):
        user = signed_in_as(client, db, Role.HQ_ADMIN)
        staff_service.revoke_tokens(db, user=user)
        db.commit()
        assert client.get("/console/", follow_redirects=False).status_code == 303


class TestStoresPage:
    def test_manager_sees_only_their_own_stores(self, client, db):
        mine = f.store(db, name="鲜丰汇 徐家汇店")
        other = f.store(db, name="鲜丰汇 陆家嘴店")
        signed_in_as(client, db, Role.STORE_MANAGER, [mine])
        page = client.get("/console/").text
        assert mine.name in page and other.name not in page
        assert "我的门店" in page and "可见 1 家门店、0 个仓库" in page

    def test_head_office_sees_every_store_and_warehouse(self, client, db):
        f.store(db, name="徐家汇店", district="徐汇区")
        f.store(db, name="陆家嘴店", district="浦东新区")
        f.store(db, name="嘉定仓", kind="warehouse", format="warehouse", district="嘉定区")
        signed_in_as(client, db, Role.HQ_ADMIN)
        page = client.get("/console/").text
        assert all(name in page for name in ("徐家汇店", "陆家嘴店", "嘉定仓"))
        assert "可见 2 家门店、1 个仓库" in page

    def test_table_shows_the_store_details(self, client, db):
        f.store(db, code="SH001", name="徐家汇店", format="fresh", district="徐汇区", address="漕溪北路 88 号",
                pickup_enabled=True, delivery_radius_km=2.5, processing_services=["fish_cleaning", "custom_x"])
        signed_in_as(client, db, Role.HQ_ADMIN)
        row = re.search(r'<tr data-code="SH001">(.*?)</tr>', client.get("/console/").text, re.DOTALL).group(1)
        for text in ("SH001", "徐家汇店", "生鲜店", "徐汇区", "漕溪北路 88 号", "是", "2.5", "杀鱼", "custom_x"):
            assert text in row

    def test_embeds_chart_data_from_the_database(self, client, db):
        f.store(db, code="A1", name="甲店", district="徐汇区", latitude=31.19, longitude=121.43)
        f.store(db, code="W1", name="乙仓", kind="warehouse", format="warehouse", district="", latitude=31.35,
                longitude=121.24)
        signed_in_as(client, db, Role.HQ_ADMIN)
        page = client.get("/console/").text
        data = json.loads(CHART_DATA.search(page).group(1))
        assert {(s["code"], s["kind"], tuple(s["value"])) for s in data["sites"]} == {
            ("A1", "store", (121.43, 31.19)), ("W1", "warehouse", (121.24, 31.35))}
        assert data["districts"] == {"names": ["", "徐汇区"], "stores": [0, 1], "warehouses": [1, 0]}
        assert data["labels"]["store"] == "门店"
        assert 'id="stores-map"' in page and 'id="stores-by-district"' in page

    def test_says_so_when_there_are_no_stores_yet(self, client, db):
        signed_in_as(client, db, Role.HQ_ADMIN)
        page = client.get("/console/").text
        assert "可见 0 家门店、0 个仓库" in page and "暂无可见门店" in page
        assert json.loads(CHART_DATA.search(page).group(1))["sites"] == []

    def test_store_names_are_escaped(self, client, db):
        f.store(db, name="<script>alert(1)</script>")
        signed_in_as(client, db, Role.HQ_ADMIN)
        page = client.get("/console/").text
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    def test_loads_charts_and_htmx_from_the_package_not_a_cdn(self, client, db):
        signed_in_as(client, db, Role.HQ_ADMIN)
        page = client.get("/console/").text
        scripts = re.findall(r'<script src="([^"]+)"', page)
        assert set(scripts) == {"/static/vendor/htmx.min.js", "/static/vendor/echarts.min.js", "/static/js/console.js"}
        for path in (*scripts, "/static/css/console.css"):
            assert client.get(path).status_code == 200

    @pytest.mark.parametrize(("role", "shown", "hidden"), [
        (Role.HQ_ADMIN, ["门店", "员工", "接入", "总览"], ["我的顾客"]),
        (Role.STORE_MANAGER, ["我的门店", "员工"], ["接入", "总览", "我的顾客"]),
        (Role.GUIDE, ["我的门店", "我的顾客"], ["员工", "接入", "总览"]),
    ])
    def test_navigation_depends_on_role(self, client, db, role, shown, hidden):
        store = f.store(db)
        signed_in_as(client, db, role, [store] if role != Role.HQ_ADMIN else [])
        nav = re.search(r'<nav class="sidenav".*?</nav>', client.get("/console/").text, re.DOTALL).group(0)
        assert all(label in nav for label in shown) and not any(label in nav for label in hidden)
        assert re.findall(r'<a href="([^"]+)"', nav)[0] == "/console/" and "即将上线" in nav


class TestStoresTablePartial:
    def test_filters_by_query(self, client, db):
        f.store(db, name="鲜丰汇 徐家汇店")
        f.store(db, name="鲜丰汇 陆家嘴店")
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = client.get("/console/stores/table", params={"q": "徐家汇"}, headers={"HX-Request": "true"})
        assert resp.status_code == 200 and "<html" not in resp.text
        assert "鲜丰汇 徐家汇店" in resp.text and "鲜丰汇 陆家嘴店" not in resp.text

    def test_says_when_nothing_matches(self, client, db):
        f.store(db, name="鲜丰汇 徐家汇店")
        signed_in_as(client, db, Role.HQ_ADMIN)
        assert "没有匹配的门店" in client.get("/console/stores/table", params={"q": "不存在"}).text

    def test_never_shows_stores_outside_the_users_scope(self, client, db):
        mine = f.store(db, name="鲜丰汇 徐家汇店")
        f.store(db, name="鲜丰汇 徐家汇二店")
        signed_in_as(client, db, Role.STORE_MANAGER, [mine])
        text = client.get("/console/stores/table", params={"q": "徐家汇"}).text
        assert "鲜丰汇 徐家汇店" in text and "徐家汇二店" not in text


class TestLocale:
    def test_switch_changes_labels_to_english(self, client, db):
        f.store(db, format="fresh")
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = client.post("/console/locale", data={"locale": "en", "next": "/console/",
                                                    "csrf_token": csrf_token(client, "/console/")},
                           follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == "/console/"
        page = client.get("/console/").text
        assert '<html lang="en">' in page
        assert all(label in page for label in ("Stores", "Sign out", "Fresh market", "HQ admin", "Coming soon"))
        assert "退出登录" not in page

    def test_can_switch_before_signing_in_and_keeps_the_choice(self, client, db):
        user = f.user(db)
        client.post("/console/locale", data={"locale": "en", "csrf_token": csrf_token(client)})
        assert "Staff sign-in" in client.get("/console/login").text
        sign_in(client, user.username)
        assert "Sign out" in client.get("/console/").text

    def test_requires_csrf_token(self, client):
        client.get("/console/login")
        resp = client.post("/console/locale", data={"locale": "en"}, follow_redirects=False)
        assert resp.status_code == 403 and resp.json()["error"] == "csrf_failed"

    def test_accepts_the_token_in_the_htmx_header(self, client):
        token = csrf_token(client)
        resp = client.post("/console/locale", data={"locale": "en"}, headers={"X-CSRF-Token": token},
                           follow_redirects=False)
        assert resp.status_code == 303

    def test_catalogues_have_the_same_keys(self):
        assert i18n.catalogue("zh").keys() == i18n.catalogue("en").keys()


class TestLogout:
    def test_logout_clears_the_session(self, client, db):
        signed_in_as(client, db, Role.HQ_ADMIN)
        token = csrf_token(client, "/console/")
        resp = client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == "/console/login"
        assert client.get("/console/", follow_redirects=False).status_code == 303
        resp = client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False)
        assert resp.status_code == 403, "the old CSRF token must not outlive the session"

    def test_logout_requires_csrf_token(self, client, db):
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = client.post("/console/logout", follow_redirects=False)
        assert resp.status_code == 403 and "CSRF" in resp.json()["detail"]
        assert client.get("/console/", follow_redirects=False).status_code == 200
