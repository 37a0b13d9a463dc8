#!/usr/bin/env python3
"""Round trip through Palisade's Vault-transit-compatible API with the real hvac client.

Run by the e2e test `kms::hvac_round_trip` against a live server. Environment:
VAULT_ADDR (https://127.0.0.1:PORT), VAULT_TOKEN (a Palisade token of a key administrator),
VAULT_USE_TOKEN (a key user's token, for the data operations; key administrators cannot use
keys), VAULT_CACERT (the server's certificate). Exits 77 when hvac is not importable; any failed check raises.
"""
import base64
import os
import sys

try:
    import hvac
except ImportError:
    print("hvac is not importable (pip install hvac); skipping", file=sys.stderr)
    sys.exit(77)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


client = hvac.Client(
    url=os.environ["VAULT_ADDR"],
    token=os.environ["VAULT_TOKEN"],
    verify=os.environ["VAULT_CACERT"],
)
transit = client.secrets.transit
keyuse = hvac.Client(
    url=os.environ["VAULT_ADDR"],
    token=os.environ.get("VAULT_USE_TOKEN", os.environ["VAULT_TOKEN"]),
    verify=os.environ["VAULT_CACERT"],
).secrets.transit

status = client.sys.read_seal_status()
assert status["sealed"] is False, status

# Keys: create, read, list, rotate, config.
transit.create_key(name="hvac-orders")
transit.create_key(name="hvac-ed", key_type="ed25519")
transit.create_key(name="hvac-ec", key_type="ecdsa-p256")
client.adapter.post("/v1/transit/keys/hvac-mac", json={"type": "hmac"})
key = transit.read_key(name="hvac-orders")["data"]
assert key["type"] == "aes256-gcm96" and key["latest_version"] == 1, key
names = transit.list_keys()["data"]["keys"]
assert {"hvac-orders", "hvac-ed", "hvac-ec", "hvac-mac"} <= set(names), names

# Encrypt, rotate, rewrap, decrypt, with associated data.
ct = keyuse.encrypt_data(name="hvac-orders", plaintext=b64(b"card 4111"), associated_data=b64(b"order-7"))
ct = ct["data"]["ciphertext"]
assert ct.startswith("vault:v1:"), ct
transit.rotate_key(name="hvac-orders")
# hvac has no associated_data on rewrap; Palisade binds `context` the same way.
rewrapped = keyuse.rewrap_data(name="hvac-orders", ciphertext=ct, context=b64(b"order-7"))["data"]
assert rewrapped["ciphertext"].startswith("vault:v2:"), rewrapped
for c in (ct, rewrapped["ciphertext"]):
    pt = keyuse.decrypt_data(name="hvac-orders", ciphertext=c, associated_data=b64(b"order-7"))
    assert base64.b64decode(pt["data"]["plaintext"]) == b"card 4111"
try:
    keyuse.decrypt_data(name="hvac-orders", ciphertext=ct, associated_data=b64(b"order-8"))
    raise AssertionError("decrypt with the wrong associated data succeeded")
except hvac.exceptions.InvalidRequest:
    pass

# Batch encrypt and decrypt.
batch = [{"plaintext": b64(f"item {i}".encode())} for i in range(5)]
enc = keyuse.encrypt_data(name="hvac-orders", batch_input=batch)["data"]["batch_results"]
dec = keyuse.decrypt_data(
    name="hvac-orders", batch_input=[{"ciphertext": r["ciphertext"]} for r in enc]
)["data"]["batch_results"]
assert [base64.b64decode(r["plaintext"]) for r in dec] == [f"item {i}".encode() for i in range(5)]

# min_decryption_version refuses old ciphertexts.
transit.update_key_configuration(name="hvac-orders", min_decryption_version=2, deletion_allowed=True)
try:
    keyuse.decrypt_data(name="hvac-orders", ciphertext=ct, associated_data=b64(b"order-7"))
    raise AssertionError("a version below min_decryption_version decrypted")
except hvac.exceptions.InvalidRequest:
    pass

# Data keys.
dk = keyuse.generate_data_key(name="hvac-orders", key_type="plaintext")["data"]
back = keyuse.decrypt_data(name="hvac-orders", ciphertext=dk["ciphertext"])["data"]["plaintext"]
assert back == dk["plaintext"] and len(base64.b64decode(back)) == 32
wrapped = keyuse.generate_data_key(name="hvac-orders", key_type="wrapped")["data"]
assert "plaintext" not in wrapped and wrapped["ciphertext"].startswith("vault:v2:")

# Sign and verify with both signature types; HMAC.
for name in ("hvac-ed", "hvac-ec"):
    sig = keyuse.sign_data(name=name, hash_input=b64(b"release 1.0"))["data"]["signature"]
    ok = keyuse.verify_signed_data(name=name, hash_input=b64(b"release 1.0"), signature=sig)
    assert ok["data"]["valid"] is True, (name, ok)
    bad = keyuse.verify_signed_data(name=name, hash_input=b64(b"release 1.1"), signature=sig)
    assert bad["data"]["valid"] is False, (name, bad)
mac = keyuse.generate_hmac(name="hvac-mac", hash_input=b64(b"msg"), algorithm="sha2-256")["data"]["hmac"]
assert keyuse.verify_signed_data(name="hvac-mac", hash_input=b64(b"msg"), hmac=mac)["data"]["valid"] is True

# Backup and restore under a new name.
backup = transit.backup_key(name="hvac-orders")["data"]["backup"]
transit.restore_key(backup=backup, name="hvac-restored")
pt = keyuse.decrypt_data(name="hvac-restored", ciphertext=rewrapped["ciphertext"], associated_data=b64(b"order-7"))
assert base64.b64decode(pt["data"]["plaintext"]) == b"card 4111"

# Delete (schedules deletion): the key refuses use afterwards.
transit.delete_key(name="hvac-restored")
try:
    keyuse.encrypt_data(name="hvac-restored", plaintext=b64(b"x"))
    raise AssertionError("a key pending deletion encrypted")
except hvac.exceptions.InvalidRequest:
    pass

print(backup if len(sys.argv) > 1 and sys.argv[1] == "--print-backup" else "hvac round trip ok")
