"""Personal data at rest: a keyed hash to find an identity, encryption to recover it.

Both keys are derived (HKDF-SHA256) from the platform secret with separate labels, so the lookup hash
cannot be reversed without the secret and neither key reveals the other. Rotating ZHONGTAI_SECRET_KEY
therefore needs a re-keying job for member identities (not yet written).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from zhongtai.config import get_settings
from zhongtai.members.policies import IdentityKey


def _derive(secret: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"zhongtai-members", info=label).derive(secret.encode())


class Vault:
    """Hashes and encrypts identity values with keys derived from one secret."""

    def __init__(self, secret: str):
        self._lookup_key = _derive(secret, b"identity-lookup-v1")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"identity-encryption-v1")))

    def lookup_hash(self, key: IdentityKey) -> str:
        """HMAC-SHA256 of the normalised identity (kind, app and value): equal identities, equal hashes."""
        return hmac.new(self._lookup_key, key.lookup_text.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()


@lru_cache(maxsize=4)
def _vault_for(secret: str) -> Vault:
    return Vault(secret)


def vault() -> Vault:
    """The vault for the configured secret key."""
    return _vault_for(get_settings().secret_key)
