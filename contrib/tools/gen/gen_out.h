/* rc-gen, header-only part 4: output sinks. Maildir++ (INBOX = DIR, sent =
 * DIR/.Sent, mtime = INTERNALDATE set before the rename, increasing leading
 * numbers so Dovecot assigns UIDs in generation order), mboxrd files, and
 * IMAP APPEND with an explicit INTERNALDATE (libetpan, TLS verified with
 * GnuTLS because libetpan's GnuTLS build verifies nothing). */
#ifndef RC_GEN_OUT_H
#define RC_GEN_OUT_H

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "tracker/tls_verify.h"
#include "tracker/util.h"
#include <libetpan/libetpan.h>

#include "gen_text.h"

struct sinks {
	const char *maildir;
	uint64_t fileno;
	FILE *mbox[2]; /* [0] inbound, [1] sent */
	const char *mbox_path[2];
	int mbox_crlf;
	mailimap *imap;
	const char *imap_host;
	struct mailimap_flag_list *flags;
	const char *imap_folder[2];
	struct buf tmp;
};

__attribute__((noreturn, format(printf, 2, 3))) static void die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("rc-gen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

static void mkdir_p1(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(74, "cannot create directory %s: %s", path, strerror(errno));
}

static void maildir_create(const char *root)
{
	char p[4096];
	mkdir_p1(root);
	const char *sub[] = {"", "/.Sent"};
	const char *leaf[] = {"cur", "new", "tmp"};
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "%s%s", root, sub[i]);
		mkdir_p1(p);
		for (int j = 0; j < 3; j++) {
			snprintf(p, sizeof p, "%s%s/%s", root, sub[i], leaf[j]);
			mkdir_p1(p);
		}
	}
	snprintf(p, sizeof p, "%s/.Sent/maildirfolder", root);
	int fd = open(p, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		die(74, "cannot create %s: %s", p, strerror(errno));
	close(fd);
}

static void maildir_put(struct sinks *s, int sent, int64_t idate, const char *msg, size_t len)
{
	char tmp[4096], dst[4096];
	const char *sub = sent ? "/.Sent" : "";
	s->fileno++;
	snprintf(tmp, sizeof tmp, "%s%s/tmp/%010llu.rcgen", s->maildir, sub,
		 (unsigned long long)s->fileno);
	snprintf(dst, sizeof dst, "%s%s/cur/%010llu.rcgen:2,S", s->maildir, sub,
		 (unsigned long long)s->fileno);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(74, "cannot create %s: %s", tmp, strerror(errno));
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, msg + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(74, "cannot write %s: %s", tmp, strerror(errno));
		off += (size_t)n;
	}
	if (close(fd) < 0)
		die(74, "cannot write %s: %s", tmp, strerror(errno));
	/* Dovecot takes INTERNALDATE from the mtime on first sight: set it first. */
	struct timeval tv[2] = {{(time_t)idate, 0}, {(time_t)idate, 0}};
	if (utimes(tmp, tv) < 0)
		die(74, "cannot set the time of %s: %s", tmp, strerror(errno));
	if (rename(tmp, dst) < 0)
		die(74, "cannot rename %s to %s: %s", tmp, dst, strerror(errno));
}

/* mboxrd: From_ line with the INTERNALDATE (UTC, asctime layout), lines
 * matching ^>*From  get one more '>', a blank line after each message. */
static void mbox_put(struct sinks *s, int sent, int64_t idate, const char *envfrom, const char *msg,
		     size_t len)
{
	struct buf *b = &s->tmp;
	struct tm tm;
	time_t tt = (time_t)idate;
	char when[64];
	const char *nl = s->mbox_crlf ? "\r\n" : "\n";
	gmtime_r(&tt, &tm);
	strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
	buf_reset(b);
	buf_printf(b, "From %s %s%s", envfrom, when, nl);
	size_t i = 0;
	while (i < len) {
		const char *e = memchr(msg + i, '\n', len - i);
		size_t end = e ? (size_t)(e - msg) : len;
		size_t lend = end > i && msg[end - 1] == '\r' ? end - 1 : end;
		size_t q = i;
		while (q < lend && msg[q] == '>')
			q++;
		if (lend - q >= 5 && !memcmp(msg + q, "From ", 5))
			buf_add(b, ">", 1);
		buf_add(b, msg + i, lend - i);
		buf_puts(b, nl);
		i = end + 1;
	}
	buf_puts(b, nl);
	FILE *f = s->mbox[sent];
	if (fwrite(b->s, 1, b->len, f) != b->len)
		die(74, "cannot write %s: %s", s->mbox_path[sent], strerror(errno));
}

/* ---- IMAP. */
/* The peer chain goes to the project's one GnuTLS verifier (tracker/tls_verify). */
static int verify_peer(mailstream *st, const char *cafile, const char *host, char *err,
		       size_t errsz)
{
	carray *chain = mailstream_get_certificate_chain(st);
	size_t n = chain ? carray_count(chain) : 0;
	struct tls_der *der = xcalloc(n ? n : 1, sizeof *der);
	for (size_t i = 0; i < n; i++) {
		MMAPString *m = carray_get(chain, (unsigned)i);
		der[i].data = (const unsigned char *)m->str;
		der[i].len = m->len;
	}
	char *why = NULL;
	int r = tls_verify_chain(der, n, host, cafile, &why);
	free(der);
	if (chain)
		mailstream_certificate_chain_free(chain);
	if (r < 0) {
		snprintf(err, errsz, "%s", why);
		free(why);
		return -1;
	}
	return 0;
}

struct imap_opts {
	const char *host;
	int port;
	const char *user, *password_env, *ca_file;
	int tls, starttls;
};

static void imap_open(struct sinks *s, const struct imap_opts *o)
{
	const char *pw = o->password_env ? getenv(o->password_env) : NULL;
	if (!pw)
		die(64, "--imap needs --password-env naming a set environment variable");
	mailimap *im = mailimap_new(0, NULL);
	mailimap_set_timeout(im, 30);
	int r = o->tls ? mailimap_ssl_connect(im, o->host, (uint16_t)o->port)
		       : mailimap_socket_connect(im, o->host, (uint16_t)o->port);
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED)
		die(69, "IMAP %s:%d: cannot connect (libetpan error %d)", o->host, o->port, r);
	if (o->starttls && mailimap_socket_starttls(im) != MAILIMAP_NO_ERROR)
		die(69, "IMAP %s:%d: STARTTLS failed", o->host, o->port);
	if (o->tls || o->starttls) {
		char err[512] = "";
		if (verify_peer(im->imap_stream, o->ca_file, o->host, err, sizeof err) < 0)
			die(69, "IMAP %s:%d: %s", o->host, o->port, err);
	}
	if (mailimap_login(im, o->user, pw) != MAILIMAP_NO_ERROR)
		die(69, "IMAP %s:%d: login as %s refused", o->host, o->port, o->user);
	for (int i = 0; i < 2; i++) /* exists already → NO, which is fine */
		if (strcmp(s->imap_folder[i], "INBOX") != 0)
			mailimap_create(im, s->imap_folder[i]);
	s->imap = im;
	s->imap_host = o->host;
	s->flags = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(s->flags, mailimap_flag_new_seen());
}

static void imap_put(struct sinks *s, int sent, int64_t idate, const char *msg, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)idate;
	gmtime_r(&tt, &tm);
	struct mailimap_date_time *dt = mailimap_date_time_new(
	    tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, 0);
	int r = mailimap_append(s->imap, s->imap_folder[sent], s->flags, dt, msg, len);
	mailimap_date_time_free(dt);
	if (r != MAILIMAP_NO_ERROR)
		die(69, "IMAP %s: APPEND to %s failed (libetpan error %d: %s)", s->imap_host,
		    s->imap_folder[sent], r, s->imap->imap_response ? s->imap->imap_response : "");
}

static void imap_close(struct sinks *s)
{
	if (!s->imap)
		return;
	mailimap_logout(s->imap);
	mailimap_free(s->imap);
	mailimap_flag_list_free(s->flags);
	s->imap = NULL;
}

/* One copy of a message into a folder (sent = 0 INBOX, 1 Sent) of every sink. */
static void sinks_put(struct sinks *s, int sent, int64_t idate, const char *envfrom,
		      const char *msg, size_t len)
{
	if (s->maildir)
		maildir_put(s, sent, idate, msg, len);
	if (s->mbox[sent])
		mbox_put(s, sent, idate, envfrom, msg, len);
	if (s->imap)
		imap_put(s, sent, idate, msg, len);
}

#endif
