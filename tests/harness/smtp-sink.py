"""SMTP sink for the test harness: STARTTLS + AUTH (PLAIN/LOGIN) required,
stores each message byte-exact (envelope.original_content) into a Maildir via
tmp/ -> new/ rename and appends the envelope as one JSON line to
<maildir>/../smtp-envelopes.jsonl.

Test hooks: a recipient whose local part starts with "reject" gets
550 5.1.1; a sender whose local part starts with "tempfail" gets 451 4.3.0.

Run with /usr/bin/python3. The asyncio loop runs in the main thread so
SIGTERM stops the process even while a client session is stuck.

usage: smtp-sink.py HOST PORT MAILDIR CERT KEY USER PASSWORD_FILE PIDFILE
"""
import asyncio
import json
import os
import signal
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class MaildirHandler:
    def __init__(self, maildir):
        self.maildir = maildir
        self.journal = os.path.join(os.path.dirname(maildir.rstrip("/")),
                                    "smtp-envelopes.jsonl")
        self.seq = 0
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address.split("@")[0].lower().startswith("tempfail"):
            return "451 4.3.0 Temporary failure (test sink)"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].lower().startswith("reject"):
            return "550 5.1.1 Recipient rejected (test sink)"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.seq += 1
        name = f"{time.time_ns()}.P{os.getpid()}Q{self.seq}.rcsink"
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(envelope.original_content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.maildir, "new", name))
        auth = session.auth_data
        login = auth.login.decode("utf-8", "replace") \
            if isinstance(auth, LoginPassword) else None
        rec = {
            "file": name,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "auth": login,
            "tls": session.ssl is not None,
            "size": len(envelope.original_content),
        }
        with open(self.journal, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
        return f"250 2.0.0 OK queued as {name}"


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        # handled=False: aiosmtpd then sends the 235/535 reply itself; with
        # the default handled=True a failure gets no reply and clients hang.
        return AuthResult(success=ok, handled=False, auth_data=auth_data)
    return authenticator


def main(argv):
    host, port, maildir, cert, key, user, pwfile, pidfile = argv[1:9]
    with open(pwfile, encoding="utf-8") as f:
        password = f.read().rstrip("\n")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    handler = MaildirHandler(maildir)
    authenticator = make_authenticator(user, password)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        return SMTP(handler, hostname="sink.test", tls_context=ctx,
                    require_starttls=True, auth_required=True,
                    auth_require_tls=True, authenticator=authenticator, loop=loop)

    server = loop.run_until_complete(
        loop.create_server(factory, host=host, port=int(port)))
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, lambda: os._exit(0))
    tmp = pidfile + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(tmp, pidfile)  # written only once listening: a readiness mark
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main(sys.argv)
