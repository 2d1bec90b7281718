"""The `zhongtai` command as an operator runs it: a real subprocess against the test database."""

from __future__ import annotations


class TestCli:
    def test_help_lists_the_commands(self, zt):
        out = zt("--help").stdout
        for command in ("serve", "demo", "db", "users", "outbox"):
            assert command in out

    def test_db_upgrade_is_idempotent(self, zt):
        assert "at revision 00" in zt("db", "upgrade").stdout

    def test_users_create_then_login(self, zt, client, db):
        zt("users", "create", "--username", "ops", "--password", "long-enough-1", "--role", "hq_admin")
        resp = client.post("/api/v1/auth/token", data={"username": "ops", "password": "long-enough-1"})
        assert resp.status_code == 200

    def test_users_create_reports_domain_errors_cleanly(self, zt):
        proc = zt("users", "create", "--username", "g-x", "--password", "long-enough-1", "--role", "guide",
                  "--store", "NOPE", ok=False)
        assert proc.returncode == 2 and "unknown_store_codes" in proc.stderr and "Traceback" not in proc.stderr

    def test_users_create_rejects_bad_role(self, zt):
        proc = zt("users", "create", "--username", "x-y", "--password", "long-enough-1", "--role", "king", ok=False)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr

    def test_outbox_relay_once_delivers_pending_events(self, zt):
        zt("users", "create", "--username", "relayed", "--password", "long-enough-1", "--role", "hq_admin")
        assert zt("outbox", "status").stdout.startswith("pending 1")
        out = zt("outbox", "relay", "--once").stdout
        assert "dispatched 1" in out and "failed 0" in out
        assert zt("outbox", "status").stdout.startswith("pending 0")
