/* One IMAP connection to a configured mailbox: connect, TLS and certificate
 * check, login, folder discovery, EXAMINE and IDLE, on top of libetpan.
 * libetpan return codes are turned into failure classes in imap_classify()
 * and nowhere else. The session never SELECTs, STOREs or EXPUNGEs. */
#include "intake/intake_p.h"
#include "tracker/log.h"
#include "tracker/tls_verify.h"
#include "tracker/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libetpan/libetpan.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

volatile sig_atomic_t intake_stop;
int intake_stop_pipe[2] = { -1, -1 };

#define RESPONSE_MAX 200   /* server text quoted in an error message */

struct imap_session {
	const struct config *cfg;
	const struct cfg_mailbox *mb;
	mailimap *imap;
	bool logged_in;
	char *examined;     /* the folder currently open read-only, or NULL */
};

struct imap_session *imap_session_new(const struct config *cfg, const struct cfg_mailbox *mb)
{
	struct imap_session *s = xcalloc(1, sizeof *s);
	s->cfg = cfg;
	s->mb = mb;
	return s;
}

static void drop_connection(struct imap_session *s)
{
	if (s->imap) {
		if (s->logged_in)
			mailimap_logout(s->imap);
		mailimap_free(s->imap);
	}
	s->imap = NULL;
	s->logged_in = false;
	xfree(&s->examined);
}

void imap_session_free(struct imap_session **sp)
{
	if (!sp || !*sp)
		return;
	drop_connection(*sp);
	free(*sp);
	*sp = NULL;
}

int imap_exit_code(int cls)
{
	switch (cls) {
	case IMAP_OK:
	case IMAP_STOPPED:
		return RC_EX_OK;
	case IMAP_FOLDER:
	case IMAP_CONFIG:
		return RC_EX_CONFIG;
	default:
		return RC_EX_UNAVAILABLE;
	}
}

bool imap_session_connected(const struct imap_session *s)
{
	return s->imap && s->logged_in;
}

mailimap *imap_session_imap(struct imap_session *s)
{
	return s->imap;
}

const struct cfg_mailbox *imap_session_mailbox(const struct imap_session *s)
{
	return s->mb;
}

/* The server's last answer, cleaned for a log line (bounded, one line). */
static char *server_answer(struct imap_session *s)
{
	if (!s->imap || !s->imap->imap_response || !*s->imap->imap_response)
		return NULL;
	char *a = hdr_clean_utf8(s->imap->imap_response, strlen(s->imap->imap_response),
				RESPONSE_MAX, NULL);
	for (char *p = a; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	return a;
}

int imap_classify(struct imap_session *s, int r, const char *what, char **err)
{
	int cls;
	const char *why;
	bool quote_server = true;
	switch (r) {
	case MAILIMAP_NO_ERROR:
	case MAILIMAP_NO_ERROR_AUTHENTICATED:
	case MAILIMAP_NO_ERROR_NON_AUTHENTICATED:
		return IMAP_OK;   /* connect answers 1 or 2 on success, not 0 */
	case MAILIMAP_ERROR_LOGIN:
	case MAILIMAP_ERROR_SASL:
		cls = IMAP_AUTH, why = "login refused";
		break;
	case MAILIMAP_ERROR_EXAMINE:
		cls = IMAP_FOLDER, why = "cannot open the folder read-only";
		break;
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		cls = IMAP_TEMP, why = "connection refused or host not found", quote_server = false;
		break;
	case MAILIMAP_ERROR_STREAM:
		cls = IMAP_TEMP, why = "connection lost or timed out", quote_server = false;
		break;
	case MAILIMAP_ERROR_SSL:
		cls = IMAP_TEMP, why = "TLS handshake failed or timed out", quote_server = false;
		break;
	case MAILIMAP_ERROR_FATAL:
		cls = IMAP_TEMP, why = "server closed the session";
		break;
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		cls = IMAP_TEMP, why = "server does not accept connections now";
		break;
	case MAILIMAP_ERROR_STARTTLS:
		cls = IMAP_CERT, why = "STARTTLS refused";
		break;
	default:
		cls = IMAP_TEMP, why = "unexpected answer";
		break;
	}
	char *ans = quote_server ? server_answer(s) : NULL;
	*err = xasprintf("mailbox %s (%s:%d): %s: %s%s%s%s", s->mb->name, s->mb->host, s->mb->port,
			 what, why, ans ? " (server said: " : "", ans ? ans : "", ans ? ")" : "");
	free(ans);
	return cls;
}

static bool is_ip_literal(const char *host)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static bool is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* SNI for the handshake; an IP literal must not be sent as a server name. */
static void tls_callback(struct mailstream_ssl_context *ctx, void *data)
{
	char *host = data;
	if (!is_ip_literal(host))
		mailstream_ssl_set_server_name(ctx, host);
}

/* libetpan's GnuTLS build checks nothing: verify the peer chain here,
 * before any credential is sent. */
static int verify_peer(struct imap_session *s, char **err)
{
	carray *chain = mailstream_get_certificate_chain(s->imap->imap_stream);
	size_t n = chain ? carray_count(chain) : 0;
	struct tls_der *der = xcalloc(n ? n : 1, sizeof *der);
	for (size_t i = 0; i < n; i++) {
		MMAPString *m = carray_get(chain, (unsigned)i);
		der[i].data = (const unsigned char *)m->str;
		der[i].len = m->len;
	}
	char *why = NULL;
	int r = tls_verify_chain(der, n, s->mb->host, s->mb->ca_file, &why);
	free(der);
	if (chain)
		mailstream_certificate_chain_free(chain);
	if (r < 0) {
		*err = xasprintf("mailbox %s (%s:%d): %s (set ca_file to the CA that signed it, or "
				 "fix host)", s->mb->name, s->mb->host, s->mb->port, why);
		free(why);
		return IMAP_CERT;
	}
	return IMAP_OK;
}

static int connect_transport(struct imap_session *s, char **err)
{
	const struct cfg_mailbox *mb = s->mb;
	int r;
	if (mb->security == SEC_NONE && !is_loopback(mb->host)) {
		*err = xasprintf("mailbox %s: security = none is allowed only for a loopback host, "
				 "not %s (use tls or starttls)", mb->name, mb->host);
		return IMAP_CONFIG;
	}
	s->imap = mailimap_new(0, NULL);
	mailimap_set_timeout(s->imap, IMAP_TIMEOUT_SECONDS);
	if (mb->security == SEC_TLS)
		r = mailimap_ssl_connect_with_callback(s->imap, mb->host, (uint16_t)mb->port,
						       tls_callback, mb->host);
	else
		r = mailimap_socket_connect(s->imap, mb->host, (uint16_t)mb->port);
	int cls = imap_classify(s, r, "connect", err);
	if (cls != IMAP_OK)
		return cls;
	if (mb->security == SEC_STARTTLS) {
		if (!mailimap_has_extension(s->imap, "STARTTLS")) {
			struct mailimap_capability_data *caps = NULL;
			if (mailimap_capability(s->imap, &caps) == MAILIMAP_NO_ERROR)
				mailimap_capability_data_free(caps);
		}
		if (!mailimap_has_extension(s->imap, "STARTTLS")) {
			*err = xasprintf("mailbox %s (%s:%d): server does not offer STARTTLS "
					 "(use security = tls and port 993)", mb->name, mb->host, mb->port);
			return IMAP_CERT;
		}
		r = mailimap_socket_starttls_with_callback(s->imap, tls_callback, mb->host);
		if ((cls = imap_classify(s, r, "STARTTLS", err)) != IMAP_OK)
			return cls;
	}
	if (mb->security != SEC_NONE && (cls = verify_peer(s, err)) != IMAP_OK)
		return cls;
	return IMAP_OK;
}

static int authenticate(struct imap_session *s, char **err)
{
	const struct cfg_mailbox *mb = s->mb;
	bool oauth = mb->oauth2_token.kind != SECRET_NONE;
	char *secret = NULL, *why = NULL;
	if (secret_resolve(s->cfg, oauth ? &mb->oauth2_token : &mb->password, &secret, &why) < 0) {
		*err = xasprintf("mailbox %s: %s", mb->name, why ? why : "cannot read the secret");
		free(why);
		return IMAP_CONFIG;
	}
	/* Post-STARTTLS capabilities are not known yet: ask once. */
	struct mailimap_capability_data *caps = NULL;
	if (mailimap_capability(s->imap, &caps) == MAILIMAP_NO_ERROR)
		mailimap_capability_data_free(caps);
	int r;
	const char *what;
	if (oauth) {
		what = "AUTHENTICATE XOAUTH2";
		r = mailimap_oauth2_authenticate(s->imap, mb->username, secret);
	} else if (mailimap_has_extension(s->imap, "LOGINDISABLED") &&
		   mailimap_has_authentication(s->imap, "PLAIN")) {
		what = "AUTHENTICATE PLAIN";
		r = mailimap_authenticate(s->imap, "PLAIN", mb->host, NULL, NULL, mb->username,
					  mb->username, secret, NULL);
	} else {
		what = "LOGIN";
		r = mailimap_login(s->imap, mb->username, secret);
	}
	explicit_bzero(secret, strlen(secret));
	free(secret);
	int cls = imap_classify(s, r, what, err);
	if (cls == IMAP_TEMP && r != MAILIMAP_ERROR_STREAM && r != MAILIMAP_ERROR_FATAL)
		cls = IMAP_AUTH;   /* any other refusal of credentials is not transient */
	if (cls == IMAP_AUTH) {
		free(*err);
		char *ans = server_answer(s);
		*err = xasprintf("mailbox %s (%s:%d): %s as %s refused: %s", mb->name, mb->host,
				 mb->port, what, mb->username, ans ? ans : "no reason given");
		free(ans);
	}
	return cls;
}

int imap_session_open(struct imap_session *s, char **err)
{
	drop_connection(s);
	int cls = connect_transport(s, err);
	if (cls == IMAP_OK)
		cls = authenticate(s, err);
	if (cls != IMAP_OK) {
		drop_connection(s);
		return cls;
	}
	s->logged_in = true;
	log_debug("mailbox %s: logged in to %s:%d as %s", s->mb->name, s->mb->host, s->mb->port,
		  s->mb->username);
	return IMAP_OK;
}

bool imap_session_has_idle(const struct imap_session *s)
{
	return s->imap && mailimap_has_idle(s->imap);
}

void strlist_free_items(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void strlist_push(struct strlist *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
}

static bool has_sent_flag(const struct mailimap_mailbox_list *ml)
{
	if (!ml->mb_flag || !ml->mb_flag->mbf_oflags)
		return false;
	for (clistiter *it = clist_begin(ml->mb_flag->mbf_oflags); it; it = clist_next(it)) {
		struct mailimap_mbx_list_oflag *of = clist_content(it);
		if (of->of_type == MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT && of->of_flag_ext &&
		    strcasecmp(of->of_flag_ext, "Sent") == 0)
			return true;
	}
	return false;
}

/* RFC 6154: the server marks its Sent folder with \Sent in LIST. */
static int find_sent_folders(struct imap_session *s, struct strlist *sent, char **err)
{
	clist *res = NULL;
	int r = mailimap_list(s->imap, "", "*", &res);
	int cls = imap_classify(s, r, "LIST", err);
	if (cls != IMAP_OK)
		return cls;
	for (clistiter *it = res ? clist_begin(res) : NULL; it; it = clist_next(it)) {
		struct mailimap_mailbox_list *ml = clist_content(it);
		if (has_sent_flag(ml))
			strlist_push(sent, ml->mb_name);
	}
	if (res)
		mailimap_list_result_free(res);
	if (!sent->n)
		log_warn("mailbox %s: the server marks no folder \\Sent (RFC 6154); set sent_folders "
			 "to track replies", s->mb->name);
	return IMAP_OK;
}

int imap_session_folders(struct imap_session *s, struct strlist *inbound, struct strlist *sent,
			 char **err)
{
	for (size_t i = 0; i < s->mb->inbound_folders.n; i++)
		strlist_push(inbound, s->mb->inbound_folders.v[i]);
	if (s->mb->sent_folders_set || s->mb->sent_folders.n) {
		for (size_t i = 0; i < s->mb->sent_folders.n; i++)
			strlist_push(sent, s->mb->sent_folders.v[i]);
		return IMAP_OK;
	}
	return find_sent_folders(s, sent, err);
}

int imap_session_examine(struct imap_session *s, const char *folder, uint32_t *uidvalidity,
			 uint32_t *uidnext, uint32_t *exists, char **err)
{
	xfree(&s->examined);
	/* EXAMINE, never SELECT: the shared mailbox stays read-only to us. */
	int r = mailimap_examine(s->imap, folder);
	char *what = xasprintf("EXAMINE %s", folder);
	int cls = imap_classify(s, r, what, err);
	free(what);
	if (cls != IMAP_OK)
		return cls;
	struct mailimap_selection_info *si = s->imap->imap_selection_info;
	*uidvalidity = si ? si->sel_uidvalidity : 0;
	*uidnext = si ? si->sel_uidnext : 0;
	*exists = si ? si->sel_exists : 0;
	s->examined = xstrdup(folder);
	return IMAP_OK;
}

/* Waits for the IDLE socket, the stop pipe or the time-out. Data already
 * in libetpan's read buffer ("* 3 EXISTS" that arrived with "+ idling")
 * would never wake poll(), so it counts as ready. */
static int idle_wait(struct imap_session *s, int timeout_ms)
{
	if (s->imap->imap_stream->read_buffer_len > 0)
		return 1;
	struct pollfd p[2] = { { mailimap_idle_get_fd(s->imap), POLLIN, 0 },
			       { intake_stop_pipe[0], POLLIN, 0 } };
	int r;
	do
		r = poll(p, intake_stop_pipe[0] >= 0 ? 2 : 1, timeout_ms);
	while (r < 0 && errno == EINTR && !intake_stop);
	return r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR));
}

int imap_session_idle(struct imap_session *s, const char *folder, int timeout_ms, char **err)
{
	if (!s->examined || strcmp(s->examined, folder) != 0) {
		uint32_t v, n, e;
		int cls = imap_session_examine(s, folder, &v, &n, &e, err);
		if (cls != IMAP_OK)
			return cls;
	}
	int cls = imap_classify(s, mailimap_idle(s->imap), "IDLE", err);
	if (cls != IMAP_OK)
		return cls;
	int ready = idle_wait(s, timeout_ms);
	cls = imap_classify(s, mailimap_idle_done(s->imap), "IDLE DONE", err);
	if (cls != IMAP_OK)
		return cls;
	if (intake_stop)
		return IMAP_STOPPED;
	struct mailimap_selection_info *si = s->imap->imap_selection_info;
	return ready || (si && si->sel_has_exists) ? 1 : 0;
}
