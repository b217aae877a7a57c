"""A stand-in for one local llama.cpp server process, for the readiness tests: ``python fake_llama.py MODE PORT``.

MODE ``ok`` lists its model and generates with logprobs; ``no-generate`` lists its model but answers every
completion with HTTP 500 (what a server whose generation crashes looks like from outside); ``no-logprobs``
generates without logprobs; ``sigill`` writes a log line, then dies of SIGILL as a CPU-refused instruction does.
"""

import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

MODE, PORT = sys.argv[1], int(sys.argv[2])


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if MODE == "no-generate":
            return self.reply(500, {"error": {"message": "slot crashed"}})
        token = {"token": "ready", "logprob": -0.1, "bytes": list(b"ready"), "top_logprobs": []}
        logprobs = {"content": [token]} if MODE == "ok" else None
        self.reply(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": "ready"},
                                      "logprobs": logprobs, "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}})


if MODE == "sigill":
    print("load_tensors: loading model tensors", flush=True)
    os.kill(os.getpid(), signal.SIGILL)
HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
