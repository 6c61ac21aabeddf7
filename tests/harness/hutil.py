"""Small helpers for tests/harness/servers: free ports and readiness probes.

Run with /usr/bin/python3 (Debian's interpreter). Probes are real protocol
exchanges (IMAP LOGIN, SMTP EHLO), not bare TCP connects: Dovecot accepts
connections before its auth process is ready.
"""
import imaplib
import smtplib
import socket
import ssl
import sys
import time


def free_ports(n):
    """Binds n sockets to port 0 at once so the ports are distinct."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        print(" ".join(str(s.getsockname()[1]) for s in socks))
    finally:
        for s in socks:
            s.close()


def retry(what, fn, timeout):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            fn()
            return 0
        except Exception as e:  # any failure means "not ready yet"
            last = e
            time.sleep(0.03)
    print(f"harness: {what} not ready after {timeout}s: {last}", file=sys.stderr)
    return 1


def imap_login(host, port, user, password, cafile):
    if cafile:
        ctx = ssl.create_default_context(cafile=cafile)
        c = imaplib.IMAP4_SSL(host, int(port), ssl_context=ctx, timeout=2)
    else:
        c = imaplib.IMAP4(host, int(port), timeout=2)
    try:
        c.login(user, password)
        c.logout()
    finally:
        try:
            c.shutdown()
        except Exception:
            pass


def smtp_ehlo(host, port):
    s = smtplib.SMTP(host, int(port), timeout=2)
    try:
        code, _ = s.ehlo("probe.test")
        if code != 250:
            raise RuntimeError(f"EHLO answered {code}")
        s.quit()
    finally:
        s.close()


def main(argv):
    cmd = argv[1]
    if cmd == "ports":
        free_ports(int(argv[2]))
        return 0
    if cmd == "wait-imap":  # host port user password-file timeout [cafile]
        host, port, user, pwfile, timeout = argv[2:7]
        cafile = argv[7] if len(argv) > 7 else None
        with open(pwfile, encoding="utf-8") as f:
            password = f.read().rstrip("\n")
        return retry(f"IMAP {host}:{port}",
                     lambda: imap_login(host, port, user, password, cafile),
                     float(timeout))
    if cmd == "wait-smtp":  # host port timeout
        host, port, timeout = argv[2:5]
        return retry(f"SMTP {host}:{port}", lambda: smtp_ehlo(host, port),
                     float(timeout))
    print(f"hutil: unknown command {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
