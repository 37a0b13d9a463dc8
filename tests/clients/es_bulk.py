"""Sends documents to Palisade with the official Elasticsearch Python client's bulk helper,
exactly as an application shipping logs to Elasticsearch would.

Usage: es_bulk.py URL CA_CERT TOKEN INDEX COUNT
Prints one JSON line: {"ok": N, "errors": [...], "product": "..."}; exits 3 when the
`elasticsearch` package is not installed (the caller skips), 1 on any other failure.
"""
import json
import sys

try:
    from elasticsearch import Elasticsearch, helpers
except ImportError:
    print("the elasticsearch Python package is not installed", file=sys.stderr)
    sys.exit(3)


def main():
    url, ca_cert, token, index, count = sys.argv[1:6]
    client = Elasticsearch(url, ca_certs=ca_cert, basic_auth=("palisade", token), request_timeout=60)
    info = client.info()
    docs = (
        {
            "_index": index,
            "_source": {
                "@timestamp": "2026-11-23T10:00:00Z",
                "message": f"Failed password for root from 203.0.113.{n % 250} port {40000 + n} ssh2",
                "host": {"name": "web01"},
                "sequence": n,
            },
        }
        for n in range(int(count))
    )
    ok, errors = helpers.bulk(client, docs, chunk_size=250, raise_on_error=False)
    print(json.dumps({"ok": ok, "errors": errors, "product": info["version"]["number"]}))


if __name__ == "__main__":
    main()
