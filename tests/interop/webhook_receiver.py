#!/usr/bin/env python3
"""A webhook receiver for tests/interop/webhooks.sh: HTTPS on 127.0.0.1, Standard Webhooks signatures checked
with Python's own hmac (an implementation independent of anvil-ca's), each event appended to a JSON-lines file.

It answers authorization.request events {"allow": true}, except for identifiers starting with "forbidden.",
which it refuses with a reason; device.check events (the MDM check, docs/device-attestation.md) {"allow": true}
unless the device's value is a line of EVENTS_FILE + ".deny", or the event carries no verified attestation;
other events get 204. A request whose signature does not verify, or whose
timestamp is more than 5 minutes off, gets 401 and a "bad" line in the file.

Usage: webhook_receiver.py PORT CERT KEY SECRET_FILE EVENTS_FILE
"""
import base64
import hashlib
import hmac
import http.server
import json
import ssl
import sys
import time

port, cert, key, secret_file, events_file = sys.argv[1:6]
secret = open(secret_file).read().strip()
assert secret.startswith("whsec_"), "not a whsec_ secret"
KEY = base64.b64decode(secret[len("whsec_"):])


def verified(headers, body):
    msg_id, ts, signatures = (headers.get("webhook-id"), headers.get("webhook-timestamp"),
                              headers.get("webhook-signature"))
    if not msg_id or not ts or not signatures:
        return False
    if abs(time.time() - int(ts)) > 300:
        return False
    expected = base64.b64encode(hmac.new(KEY, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(s.split(",", 1)[-1], expected) for s in signatures.split(" ") if s.startswith("v1,"))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(events_file, "a") as out:
            if not verified(self.headers, body):
                out.write(json.dumps({"bad": True, "headers": dict(self.headers)}) + "\n")
                self.send_response(401)
                self.end_headers()
                return
            event = json.loads(body)
            out.write(json.dumps(event) + "\n")
        if event["type"] == "device.check":
            answer = self.device_answer(event["data"])
        elif event["type"] == "authorization.request":
            refused = [i["value"] for i in event["data"]["identifiers"] if i["value"].startswith("forbidden.")]
            answer = {"allow": not refused}
            if refused:
                answer["reason"] = "no change ticket for " + ", ".join(refused)
        else:
            self.send_response(204)
            self.end_headers()
            return
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    @staticmethod
    def device_answer(data):
        value = data["identifier"]["value"]
        attestation = data.get("attestation") or {}
        if not attestation.get("format") or not attestation.get("public_key"):
            return {"allow": False, "reason": "no verified attestation"}
        try:
            denied = open(events_file + ".deny").read().split()
        except FileNotFoundError:
            denied = []
        if value in denied:
            return {"allow": False, "reason": value + " is not enrolled in the MDM"}
        return {"allow": True}

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
