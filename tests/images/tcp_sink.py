#!/usr/bin/env python3
"""A TCP receiver for the image tests: accepts any number of connections and appends every
byte received to OUT. Listens on BIND (default 127.0.0.1) port 0 and prints the port it
got on stdout, then serves until killed.

    tcp_sink.py OUT [BIND]
"""
import socket
import sys
import threading


def serve(conn, out, lock):
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            with lock:
                out.write(data)
                out.flush()


def main():
    out = open(sys.argv[1], "ab")
    bind = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    lock = threading.Lock()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((bind, 0))
    srv.listen(16)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, out, lock), daemon=True).start()


if __name__ == "__main__":
    main()
