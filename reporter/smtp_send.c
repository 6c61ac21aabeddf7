/* Sends report mail over SMTP with libetpan's mailsmtp: STARTTLS or implicit
 * TLS with the peer verified (tracker/tls_verify) before any credential is
 * sent, AUTH PLAIN or LOGIN, and every failure classified once, here, by
 * what the caller should do about it. */
#include "reporter/mail.h"
#include "reporter/reporter.h"
#include "tracker/log.h"
#include "tracker/tls_verify.h"
#include "tracker/util.h"

#include <arpa/inet.h>
#include <libetpan/libetpan.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Seconds for connect, TLS handshake and every read. */
#define SMTP_TIMEOUT 30

struct smtp_ctx {
	const struct config *cfg;
	mailsmtp *smtp;
	char *where; /* "SMTP server HOST:PORT" for every message */
};

static bool ip_literal(const char *host)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static void sni_callback(struct mailstream_ssl_context *ctx, void *data)
{
	const char *host = data;
	if (!ip_literal(host))
		mailstream_ssl_set_server_name(ctx, (char *)host);
}

/* One place turns libetpan's codes into a class and a sentence. */
static enum rc_smtp_fail classify(struct smtp_ctx *c, int r, const char *step, char **err)
{
	enum rc_smtp_fail f;
	char said[201] = "";
	const char *hint = "";

	/* the server's last reply, on one line and bounded */
	if (c->smtp && c->smtp->response) {
		snprintf(said, sizeof said, "%s", c->smtp->response);
		for (char *p = said; *p; p++)
			if (*p == '\r' || *p == '\n' || (unsigned char)*p < 0x20)
				*p = ' ';
		str_trim(said);
	}

	switch (r) {
	case MAILSMTP_ERROR_CONNECTION_REFUSED:
	case MAILSMTP_ERROR_STREAM:
	case MAILSMTP_ERROR_HOSTNAME:
	case MAILSMTP_ERROR_SERVICE_NOT_AVAILABLE:
	case MAILSMTP_ERROR_IN_PROCESSING:
	case MAILSMTP_ERROR_INSUFFICIENT_SYSTEM_STORAGE:
	case MAILSMTP_ERROR_AUTH_TEMPORARY_FAILTURE:
	case MAILSMTP_ERROR_STARTTLS_TEMPORARY_FAILURE:
		f = RC_SMTP_UNAVAILABLE;
		hint = " (is it running and reachable? the report will be mailed by the next "
		       "`replyclock report --mail`)";
		break;
	case MAILSMTP_ERROR_SSL:
	case MAILSMTP_ERROR_STARTTLS_NOT_SUPPORTED:
		f = RC_SMTP_TLS;
		hint = " (check smtp_url and smtp_security: smtps:// with tls, smtp:// with starttls)";
		break;
	case MAILSMTP_ERROR_AUTH_LOGIN:
	case MAILSMTP_ERROR_AUTH_AUTHENTICATION_FAILED:
	case MAILSMTP_ERROR_AUTH_NOT_SUPPORTED:
	case MAILSMTP_ERROR_AUTH_REQUIRED:
	case MAILSMTP_ERROR_AUTH_TOO_WEAK:
	case MAILSMTP_ERROR_AUTH_TRANSITION_NEEDED:
	case MAILSMTP_ERROR_AUTH_ENCRYPTION_REQUIRED:
		f = RC_SMTP_AUTH;
		hint = " (check smtp_username and the smtp_password_* setting of [report])";
		break;
	default:
		f = RC_SMTP_REJECTED;
	}
	*err = xasprintf("%s: %s failed: %s%s%s%s", c->where, step, mailsmtp_strerror(r),
			 *said ? " (server said: " : "", said, *said ? ")" : "");
	if (*hint) {
		char *e = xasprintf("%s%s", *err, hint);
		free(*err);
		*err = e;
	}
	return f;
}

static enum rc_smtp_fail verify_peer(struct smtp_ctx *c, char **err)
{
	carray *chain = mailstream_get_certificate_chain(c->smtp->stream);
	size_t n = chain ? carray_count(chain) : 0;
	struct tls_der *der = xcalloc(n ? n : 1, sizeof *der);
	char *why = NULL;
	int r;

	for (size_t i = 0; i < n; i++) {
		MMAPString *m = carray_get(chain, (unsigned)i);
		der[i].data = (const unsigned char *)m->str;
		der[i].len = m->len;
	}
	r = tls_verify_chain(der, n, c->cfg->report.smtp_host, c->cfg->report.smtp_ca_file, &why);
	free(der);
	if (chain)
		mailstream_certificate_chain_free(chain);
	if (r < 0) {
		*err = xasprintf("%s: %s (set [report] smtp_ca_file to the CA that signed it, or fix "
				 "the host in smtp_url)", c->where, why);
		free(why);
		return RC_SMTP_TLS;
	}
	return RC_SMTP_OK;
}

static int ehlo(struct smtp_ctx *c)
{
	int r = mailesmtp_ehlo(c->smtp);
	if (r == MAILSMTP_ERROR_NOT_IMPLEMENTED)
		r = mailsmtp_helo(c->smtp);
	return r;
}

/* TCP (or TLS) connect, greeting, EHLO, STARTTLS and verification. */
static enum rc_smtp_fail open_session(struct smtp_ctx *c, char **err)
{
	const struct config *cfg = c->cfg;
	const char *host = cfg->report.smtp_host;
	uint16_t port = (uint16_t)cfg->report.smtp_port;
	int r;

	c->smtp = mailsmtp_new(0, NULL);
	mailsmtp_set_timeout(c->smtp, SMTP_TIMEOUT);
	if (cfg->report.smtp_security == SEC_TLS)
		r = mailsmtp_ssl_connect_with_callback(c->smtp, host, port, sni_callback, (void *)host);
	else
		r = mailsmtp_socket_connect(c->smtp, host, port);
	if (r != MAILSMTP_NO_ERROR)
		return classify(c, r, "connect", err);
	/* mailsmtp_socket_connect opens the stream without the session timeout
	 * (TESTING.md §4.2): set it on the low-level stream ourselves. */
	mailstream_low_set_timeout(mailstream_get_low(c->smtp->stream), SMTP_TIMEOUT);
	if (cfg->report.smtp_security == SEC_TLS && verify_peer(c, err) != RC_SMTP_OK)
		return RC_SMTP_TLS;
	if ((r = ehlo(c)) != MAILSMTP_NO_ERROR)
		return classify(c, r, "EHLO", err);
	if (cfg->report.smtp_security != SEC_STARTTLS)
		return RC_SMTP_OK;
	if (!(c->smtp->esmtp & MAILSMTP_ESMTP_STARTTLS)) {
		*err = xasprintf("%s: does not offer STARTTLS, and smtp_security = starttls "
				 "(refusing to send in clear text)", c->where);
		return RC_SMTP_TLS;
	}
	r = mailsmtp_socket_starttls_with_callback(c->smtp, sni_callback, (void *)host);
	if (r != MAILSMTP_NO_ERROR)
		return classify(c, r, "STARTTLS", err);
	mailstream_low_set_timeout(mailstream_get_low(c->smtp->stream), SMTP_TIMEOUT);
	if (verify_peer(c, err) != RC_SMTP_OK)
		return RC_SMTP_TLS;
	/* the AUTH mechanisms are only announced after STARTTLS */
	if ((r = ehlo(c)) != MAILSMTP_NO_ERROR)
		return classify(c, r, "EHLO after STARTTLS", err);
	return RC_SMTP_OK;
}

static enum rc_smtp_fail login(struct smtp_ctx *c, char **err)
{
	const struct config *cfg = c->cfg;
	const char *user = cfg->report.smtp_username, *mech;
	char *pass = NULL, *why = NULL;
	int r;

	if (!user || !*user)
		return RC_SMTP_OK;
	if (cfg->report.smtp_password.kind == SECRET_NONE) {
		*err = xasprintf("%s:%d: [report] smtp_username is set but no smtp_password_file, "
				 "smtp_password_env or smtp_password_command", cfg->path ? cfg->path : "config",
				 cfg->report.smtp_url_line);
		return RC_SMTP_CONFIG;
	}
	if (secret_resolve(cfg, &cfg->report.smtp_password, &pass, &why) < 0) {
		*err = why;
		return RC_SMTP_CONFIG;
	}
	if (c->smtp->auth & MAILSMTP_AUTH_PLAIN)
		mech = "PLAIN";
	else if (c->smtp->auth & MAILSMTP_AUTH_LOGIN)
		mech = "LOGIN";
	else {
		explicit_bzero(pass, strlen(pass));
		free(pass);
		*err = xasprintf("%s: offers neither AUTH PLAIN nor AUTH LOGIN (over TLS); cannot log in "
				 "as %s", c->where, user);
		return RC_SMTP_AUTH;
	}
	r = mailesmtp_auth_sasl(c->smtp, mech, cfg->report.smtp_host, NULL, NULL, user, user, pass,
				NULL);
	explicit_bzero(pass, strlen(pass));
	free(pass);
	if (r != MAILSMTP_NO_ERROR) {
		enum rc_smtp_fail f = classify(c, r, "login", err);
		/* a refused password is final, whatever code the server chose */
		return f == RC_SMTP_REJECTED ? RC_SMTP_AUTH : f;
	}
	return RC_SMTP_OK;
}

static enum rc_smtp_fail transfer(struct smtp_ctx *c, const struct rc_mail_out *m, char **err)
{
	size_t len = m->len;
	int r;

	if ((r = mailsmtp_mail(c->smtp, m->envelope_from)) != MAILSMTP_NO_ERROR)
		return classify(c, r, "MAIL FROM", err);
	for (size_t i = 0; i < m->n_rcpt; i++)
		if ((r = mailsmtp_rcpt(c->smtp, m->rcpt[i])) != MAILSMTP_NO_ERROR) {
			char step[300];
			snprintf(step, sizeof step, "RCPT TO <%.200s>", m->rcpt[i]);
			return classify(c, r, step, err);
		}
	if ((r = mailsmtp_data(c->smtp)) != MAILSMTP_NO_ERROR)
		return classify(c, r, "DATA", err);
	/* mailsmtp_data_message appends CRLF.CRLF itself: drop our final CRLF
	 * so the message arrives byte for byte (TESTING.md §4.2) */
	if (len >= 2 && m->data[len - 2] == '\r' && m->data[len - 1] == '\n')
		len -= 2;
	if ((r = mailsmtp_data_message(c->smtp, m->data, len)) != MAILSMTP_NO_ERROR)
		return classify(c, r, "sending the message", err);
	return RC_SMTP_OK;
}

enum rc_smtp_fail rc_smtp_send(const struct config *cfg, const struct rc_mail_out *message,
			       char **err)
{
	struct smtp_ctx c = {.cfg = cfg};
	enum rc_smtp_fail f;

	if (!cfg->report.smtp_host || !*cfg->report.smtp_host || cfg->report.smtp_port <= 0) {
		*err = xasprintf("%s: [report] smtp_url is not set (e.g. smtp://mail.example.com:587)",
				 cfg->path ? cfg->path : "config");
		return RC_SMTP_CONFIG;
	}
	c.where = xasprintf("SMTP server %s:%d", cfg->report.smtp_host, cfg->report.smtp_port);
	f = open_session(&c, err);
	if (f == RC_SMTP_OK)
		f = login(&c, err);
	if (f == RC_SMTP_OK && message)
		f = transfer(&c, message, err);
	if (c.smtp) {
		if (f == RC_SMTP_OK)
			mailsmtp_quit(c.smtp);
		mailsmtp_free(c.smtp);
	}
	if (f == RC_SMTP_OK && message)
		log_info("report mail <%s> accepted by %s for %zu recipient(s)", message->message_id,
			 c.where, message->n_rcpt);
	free(c.where);
	return f;
}

int rc_smtp_exit_code(enum rc_smtp_fail f)
{
	switch (f) {
	case RC_SMTP_OK: return RC_EX_OK;
	case RC_SMTP_UNAVAILABLE: return RC_EX_UNAVAILABLE;
	case RC_SMTP_REJECTED: return RC_EX_UNAVAILABLE;
	case RC_SMTP_TLS:
	case RC_SMTP_AUTH:
	case RC_SMTP_CONFIG: return RC_EX_CONFIG;
	}
	return RC_EX_SOFTWARE;
}

int reporter_check_smtp(const struct config *cfg, char **err)
{
	return rc_smtp_exit_code(rc_smtp_send(cfg, NULL, err));
}
