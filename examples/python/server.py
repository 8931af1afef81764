"""A Python HTTP server for rein's cluster mode (standard library only).

It serves on the socket rein hands it (LISTEN_FDS, fd 3), says READY=1 on $NOTIFY_SOCKET (for
wait_ready), and drains gracefully on SIGINT/SIGTERM: it stops accepting (rein keeps the
listening socket open, so the other instances take new connections), answers requests on
connections already open with "Connection: close", and exits once they are done. Without rein
it listens on $PORT or 8080. For production, gunicorn (--bind fd://3) and uvicorn (--fd 3)
speak the same protocol.
"""
import os
import signal
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

draining = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    timeout = 1  # an idle kept-alive connection ends after this (and so does a drain)

    def do_GET(self):
        body = f"pid {os.getpid()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        if draining.is_set():
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):  # one line per request would flood the logs
        pass


def inherited_socket():
    if int(os.environ.get("LISTEN_FDS", "0")) < 1:
        return None
    if int(os.environ.get("LISTEN_PID", os.getpid())) != os.getpid():
        return None
    return socket.socket(fileno=3)  # family and type are read from the socket itself


def notify_ready():
    path = os.environ.get("NOTIFY_SOCKET")
    if path:
        if path.startswith("@"):  # an abstract socket (rein's is one), as systemd allows
            path = "\0" + path[1:]
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(b"READY=1", path)


def main():
    sock = inherited_socket()
    if sock:
        server = ThreadingHTTPServer(sock.getsockname(), Handler, bind_and_activate=False)
        server.socket = sock
    else:
        server = ThreadingHTTPServer(("", int(os.environ.get("PORT", "8080"))), Handler)
    server.daemon_threads = False  # server_close() waits for connections in progress

    def stop(signum, frame):
        draining.set()
        threading.Thread(target=server.shutdown).start()  # stops accepting

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    notify_ready()
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
