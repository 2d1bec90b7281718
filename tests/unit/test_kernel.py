"""Kernel pieces without a database: ids, money, settings, auth primitives, staff rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from zhongtai.config import DEV_SECRET, Settings
from zhongtai.kernel import auth
from zhongtai.kernel.errors import Unauthorized
from zhongtai.kernel.ids import uuid7
from zhongtai.kernel.money import fen_to_yuan, format_fen, yuan_to_fen
from zhongtai.staff.policies import may_manage, needs_stores


class TestUuid7:
    def test_is_version_7_and_monotonic(self):
        ids = [uuid7() for _ in range(5000)]
        assert all(i.version == 7 and i.variant == "specified in RFC 4122" for i in ids)
        assert ids == sorted(ids) and len(set(ids)) == len(ids)


class TestMoney:
    def test_yuan_to_fen_rounds_half_up(self):
        assert yuan_to_fen("12.345") == 1235 and yuan_to_fen("0.004") == 0 and yuan_to_fen(3) == 300

    def test_round_trip_and_format(self):
        assert str(fen_to_yuan(12345)) == "123.45"
        assert format_fen(123456) == "¥1,234.56" and format_fen(-5) == "-¥0.05"


class TestSettings:
    def test_production_refuses_default_secret(self):
        with pytest.raises(ValidationError, match="SECRET_KEY"):
            Settings(environment="production", secret_key=DEV_SECRET)

    def test_production_accepts_long_random_secret(self):
        assert Settings(environment="production", secret_key="x" * 40).environment == "production"

    def test_default_database_is_sqlite_under_var(self):
        s = Settings(_env_file=None, database_url="sqlite:///var/zhongtai.db")
        assert s.is_sqlite and str(s.sqlite_path()) == "var/zhongtai.db"


class TestAuthPrimitives:
    def test_password_hash_verifies_and_rejects(self):
        h = auth.hash_password("s3cret-pass")
        assert h.startswith("$argon2id$")
        assert auth.verify_password(h, "s3cret-pass") and not auth.verify_password(h, "wrong")
        assert not auth.verify_password("garbage", "s3cret-pass")

    def test_token_round_trip_and_tamper(self):
        token = auth.issue_token(user_id=7, secret="k" * 32, ttl_minutes=5, token_version=3)
        assert auth.read_token(token, secret="k" * 32) == (7, 3)
        with pytest.raises(Unauthorized):
            auth.read_token(token, secret="other" * 8)

    def test_expired_token_is_refused(self):
        token = auth.issue_token(user_id=7, secret="k" * 32, ttl_minutes=-1)
        with pytest.raises(Unauthorized):
            auth.read_token(token, secret="k" * 32)

    def test_api_key_prefix_and_match(self):
        key, prefix, stored = auth.new_api_key()
        assert auth.api_key_prefix(key) == prefix and auth.api_key_matches(key, stored)
        assert not auth.api_key_matches(key + "x", stored) and auth.api_key_prefix("nope") is None


class TestStaffPolicies:
    def test_store_roles_need_stores(self):
        assert needs_stores(auth.Role.GUIDE) and needs_stores(auth.Role.STORE_MANAGER)
        assert not needs_stores(auth.Role.HQ_ADMIN)

    def test_who_manages_whom(self):
        assert may_manage(auth.Role.HQ_ADMIN, auth.Role.HQ_ADMIN)
        assert may_manage(auth.Role.STORE_MANAGER, auth.Role.GUIDE)
        assert not may_manage(auth.Role.STORE_MANAGER, auth.Role.STORE_MANAGER)
        assert not may_manage(auth.Role.GUIDE, auth.Role.GUIDE)
