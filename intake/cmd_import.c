/* `replyclock import [--mailbox NAME] [--role inbound|sent] PATH...`: reads
 * mbox files (mboxo/mboxrd) and Maildir folders with the same header parser
 * and store as the IMAP sync. Key convention (sql/001_facts.sql): folder =
 * the absolute path, uidvalidity = a stable hash of it, uid = 1-based
 * position, so importing the same path again stores nothing new. After
 * each stored batch the derived layer is updated (deriver.c); a large
 * import is settled by one recompute at the end instead. */
#include "intake/intake.h"
#include "intake/intake_p.h"
#include "tracker/derive.h"
#include "tracker/log.h"
#include "tracker/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IMPORT_BATCH 500
#define MAILDIR_HEADER_READ (2 * 1024 * 1024)   /* bytes read to find a header's end */

struct importer {
	struct store *st;
	struct deriver *dv;
	const char *mailbox;
	enum folder_role role;
	const char *path;        /* absolute */
	long folder_id;
	uint32_t uidvalidity;
	struct message batch[IMPORT_BATCH];
	size_t n;
	size_t total, inserted;
	char *err;
	int status;              /* STORE_* of a failure */
};

/* FNV-1a: stable across runs and machines; 0 is reserved for "never synced". */
static uint32_t path_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h ? h : 1;
}

static int flush(struct importer *im)
{
	if (im->n == 0)
		return 0;
	size_t ins = 0;
	int r = store_sightings(im->st, im->folder_id, im->uidvalidity, im->batch, im->n,
				im->batch[im->n - 1].uid, &ins, &im->err);
	if (r == STORE_OK)
		deriver_batch(im->dv, im->st, im->batch, im->n);
	for (size_t i = 0; i < im->n; i++)
		message_clear(&im->batch[i]);
	im->n = 0;
	if (r != STORE_OK) {
		im->status = r;
		return -1;
	}
	im->inserted += ins;
	return 0;
}

/* Adds one message: headers parsed, internaldate from the container, else
 * the Date header. */
static int add_message(struct importer *im, const char *hdr, size_t hlen, time_t when,
		       uint32_t size, char **flags, size_t n_flags)
{
	struct message *m = &im->batch[im->n];
	memset(m, 0, sizeof *m);
	headers_parse(hdr, hlen, m);
	m->uid = (uint32_t)++im->total;
	m->size = size;
	m->internaldate = when ? when : (m->has_date ? m->date : 0);
	m->flags = flags;
	m->n_flags = n_flags;
	if (++im->n == IMPORT_BATCH)
		return flush(im);
	return 0;
}

/* ------------------------------------------------------------------ mbox */

static bool is_from_line(const char *p, size_t left)
{
	return left >= 5 && memcmp(p, "From ", 5) == 0;
}

/* "From sender Mon Mar  2 09:00:00 2026" (asctime, taken as UTC; some
 * writers append a zone, which is ignored). 0 when unreadable. */
static time_t from_line_time(const char *line, size_t n)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%.*s", (int)(n < 255 ? n : 255), line);
	char *p = buf + 5;
	while (*p == ' ')
		p++;
	p = strchr(p, ' ');   /* skip the envelope sender */
	if (!p)
		return 0;
	while (*p == ' ')
		p++;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	char *e = strptime(p, "%a %b %d %H:%M:%S %Y", &tm);
	if (!e)
		return 0;
	return timegm(&tm);
}

/* The header part of one message with mboxo/mboxrd quoting undone:
 * ">From " and ">>From " lose one '>'. */
static char *unquote_header(const char *p, size_t n, size_t *out_len)
{
	char *out = xmalloc(n + 1);
	size_t o = 0;
	bool bol = true;
	for (size_t i = 0; i < n; i++) {
		if (bol && p[i] == '>') {
			size_t j = i;
			while (j < n && p[j] == '>')
				j++;
			if (n - j >= 5 && memcmp(p + j, "From ", 5) == 0)
				i++;   /* drop one '>' */
		}
		out[o++] = p[i];
		bol = p[i] == '\n';
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

static size_t header_end(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\n' && (i + 1 >= n || p[i + 1] == '\n' ||
				     (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n')))
			return i + 1;
	return n;
}

static size_t line_len(const char *p, size_t left)
{
	const char *nl = memchr(p, '\n', left);
	return nl ? (size_t)(nl - p) : left;
}

static int import_mbox_data(struct importer *im, const char *d, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(d + pos, '\n', len - pos);
		size_t body = nl ? (size_t)(nl - d) + 1 : len;
		time_t when = from_line_time(d + pos, body - pos);
		/* The message runs to the next From_ line after an empty line. */
		size_t end = body;
		while (end < len) {
			const char *q = memchr(d + end, '\n', len - end);
			size_t next = q ? (size_t)(q - d) + 1 : len;
			bool blank = next - end == 1 || (next - end == 2 && d[end] == '\r');
			/* A body line "From ..." that a writer forgot to quote is
			 * not taken as a separator unless it carries a date. */
			if (blank && next < len && is_from_line(d + next, len - next) &&
			    from_line_time(d + next, line_len(d + next, len - next)) != 0) {
				end = next;
				break;
			}
			end = next;
		}
		size_t hlen = header_end(d + body, end - body), ulen;
		char *hdr = unquote_header(d + body, hlen, &ulen);
		int r = add_message(im, hdr, ulen, when, (uint32_t)(end - body), NULL, 0);
		free(hdr);
		if (r < 0)
			return -1;
		pos = end;
	}
	return 0;
}

static int import_mbox(struct importer *im, int fd, size_t len, char **err)
{
	if (len == 0)
		return 0;
	char *d = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (d == MAP_FAILED) {
		*err = xasprintf("%s: cannot read: %s", im->path, strerror(errno));
		return RC_EX_IOERR;
	}
	int code = 0;
	if (!is_from_line(d, len)) {
		*err = xasprintf("%s:1: not an mbox file (the first line is not a \"From \" line)",
				 im->path);
		code = RC_EX_DATAERR;
	} else if (import_mbox_data(im, d, len) < 0) {
		code = RC_EX_UNAVAILABLE;
	}
	munmap(d, len);
	return code;
}

/* --------------------------------------------------------------- Maildir */

struct mdfile {
	char *sub;    /* "cur" or "new" */
	char *name;
};

static int cmp_mdfile(const void *a, const void *b)
{
	const struct mdfile *x = a, *y = b;
	/* Sort by the unique part before ":2,": marking a message seen renames
	 * it (new/ -> cur/, flags appended) but must not move its position. */
	size_t lx = strcspn(x->name, ":"), ly = strcspn(y->name, ":");
	int c = memcmp(x->name, y->name, lx < ly ? lx : ly);
	return c ? c : (lx > ly) - (lx < ly);
}

static void maildir_flags(const char *name, char ***flags, size_t *n)
{
	const char *info = strstr(name, ":2,");
	*flags = NULL;
	*n = 0;
	if (!info)
		return;
	static const struct {
		char c;
		const char *flag;
	} map[] = { { 'D', "\\Draft" }, { 'F', "\\Flagged" }, { 'R', "\\Answered" },
		    { 'S', "\\Seen" }, { 'T', "\\Deleted" } };
	for (const char *p = info + 3; *p; p++)
		for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
			if (*p == map[i].c) {
				*flags = xrealloc(*flags, (*n + 1) * sizeof **flags);
				(*flags)[(*n)++] = xstrdup(map[i].flag);
			}
}

/* Reads up to the end of the header block (bounded). */
static char *read_header(int fd, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *b = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			if (cap >= MAILDIR_HEADER_READ)
				break;
			cap *= 2;
			b = xrealloc(b, cap + 1);
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r <= 0)
			break;
		size_t from = n > 3 ? n - 3 : 0;
		n += (size_t)r;
		if (header_end(b + from, n - from) < n - from)
			break;
	}
	*len = header_end(b, n);
	b[*len] = '\0';
	return b;
}

static int import_maildir_file(struct importer *im, const struct mdfile *f, char **err)
{
	char *p = xasprintf("%s/%s/%s", im->path, f->sub, f->name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		*err = xasprintf("%s: cannot read: %s", p, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(p);
		return RC_EX_IOERR;
	}
	size_t hlen;
	char *hdr = read_header(fd, &hlen);
	close(fd);
	/* Delivery time: the mtime (what Dovecot reports as INTERNALDATE), else
	 * the leading number of the name (the delivery's epoch seconds). */
	time_t when = sb.st_mtime > 0 ? sb.st_mtime : (time_t)strtoll(f->name, NULL, 10);
	char **flags;
	size_t nf;
	maildir_flags(f->name, &flags, &nf);
	int r = add_message(im, hdr, hlen, when, (uint32_t)sb.st_size, flags, nf);
	free(hdr);
	free(p);
	return r < 0 ? RC_EX_UNAVAILABLE : 0;
}

static void list_sub(const char *root, const char *sub, struct mdfile **v, size_t *n)
{
	char *p = xasprintf("%s/%s", root, sub);
	DIR *d = opendir(p);
	free(p);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[*n].sub = xstrdup(sub);
		(*v)[(*n)++].name = xstrdup(de->d_name);
	}
	closedir(d);
}

static int import_maildir(struct importer *im, char **err)
{
	struct mdfile *v = NULL;
	size_t n = 0;
	list_sub(im->path, "cur", &v, &n);
	list_sub(im->path, "new", &v, &n);
	qsort(v, n, sizeof *v, cmp_mdfile);
	int code = 0;
	for (size_t i = 0; i < n && !code && !intake_stop; i++)
		code = import_maildir_file(im, &v[i], err);
	for (size_t i = 0; i < n; i++) {
		free(v[i].sub);
		free(v[i].name);
	}
	free(v);
	return code;
}

/* ------------------------------------------------------------ the command */

static bool is_maildir(const char *path)
{
	struct stat sb;
	char *c = xasprintf("%s/cur", path), *n = xasprintf("%s/new", path);
	bool yes = (stat(c, &sb) == 0 && S_ISDIR(sb.st_mode)) ||
		   (stat(n, &sb) == 0 && S_ISDIR(sb.st_mode));
	free(c);
	free(n);
	return yes;
}

static int import_path(struct importer *im, const char *arg)
{
	char abs[PATH_MAX];
	char *err = NULL;
	if (!realpath(arg, abs)) {
		log_error("%s: %s", arg, strerror(errno));
		return RC_EX_IOERR;
	}
	im->path = abs;
	im->uidvalidity = path_hash(abs);
	im->n = im->total = im->inserted = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct stat sb;
	int code = 0;
	struct folder_state fs;
	int fd = -1;
	if (stat(abs, &sb) < 0 || (!S_ISREG(sb.st_mode) && !is_maildir(abs))) {
		err = xasprintf("%s: neither an mbox file nor a Maildir folder (with cur/ or new/)", abs);
		code = RC_EX_DATAERR;
	} else if (S_ISREG(sb.st_mode) && (fd = open(abs, O_RDONLY | O_CLOEXEC)) < 0) {
		err = xasprintf("%s: cannot open: %s", abs, strerror(errno));
		code = RC_EX_IOERR;
	} else if (store_folder_state(im->st, im->mailbox, abs, im->role, &fs, &err) != STORE_OK) {
		code = RC_EX_UNAVAILABLE;
	} else {
		im->folder_id = fs.folder_id;
		code = S_ISREG(sb.st_mode) ? import_mbox(im, fd, (size_t)sb.st_size, &err)
					   : import_maildir(im, &err);
		if ((code == 0 || code == RC_EX_DATAERR) && flush(im) < 0)
			code = RC_EX_UNAVAILABLE;
		if (im->err) {
			free(err);
			err = im->err;
			im->err = NULL;
		}
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < im->n; i++)
		message_clear(&im->batch[i]);
	im->n = 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err)
		log_error("%s", err);
	else
		log_info("import %s: %zu messages, %zu new, in %.2f s", abs, im->total, im->inserted,
			 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(err);
	return code;
}

static int usage(void)
{
	fprintf(stderr, "usage: replyclock import [--mailbox NAME] [--role inbound|sent] PATH...\n");
	return RC_EX_USAGE;
}

/* The mailbox the messages belong to: --mailbox, else the only configured one. */
static const char *pick_mailbox(const struct config *cfg, const char *given)
{
	if (given)
		return given;
	if (cfg->n_mailboxes == 1)
		return cfg->mailboxes[0].name;
	if (cfg->n_mailboxes == 0)
		return "import";
	log_error("import: the configuration has %zu mailboxes; say which with --mailbox NAME",
		  cfg->n_mailboxes);
	return NULL;
}

int cmd_import(const struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "mailbox", required_argument, NULL, 'm' },
					       { "role", required_argument, NULL, 'r' },
					       { "help", no_argument, NULL, 'h' },
					       { NULL, 0, NULL, 0 } };
	const char *mailbox = NULL;
	enum folder_role role = ROLE_INBOUND;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'm')
			mailbox = optarg;
		else if (c == 'r' && strcmp(optarg, "inbound") == 0)
			role = ROLE_INBOUND;
		else if (c == 'r' && strcmp(optarg, "sent") == 0)
			role = ROLE_SENT;
		else
			return usage();
	}
	if (optind == argc)
		return usage();
	int code = RC_EX_OK;
	struct config *cfg = cli_load_config(cli, &code);
	if (!cfg)
		return code;
	const char *mb = pick_mailbox(cfg, mailbox);
	struct calendar_set cals;
	char *err = NULL;
	bool have_cals = false;
	if (mb && calendar_set_build(cfg, &cals, &err) < 0) {
		log_error("%s", err);
		free(err);
		code = RC_EX_CONFIG;
	} else if (mb)
		have_cals = true;
	struct store *st = have_cals ? cli_open_store(cfg, &code) : NULL;
	if (!mb)
		code = RC_EX_USAGE;
	if (st) {
		struct importer *im = xcalloc(1, sizeof *im);
		im->st = st;
		im->dv = deriver_new(cfg, &cals, mb);
		im->mailbox = mb;
		im->role = role;
		for (int i = optind; i < argc && !intake_stop; i++) {
			int r = import_path(im, argv[i]);
			if (r && !code)
				code = r;
		}
		if (deriver_flush(im->dv, st) != STORE_OK && !code)
			code = RC_EX_UNAVAILABLE;   /* facts stored; the next poll catches up */
		deriver_free(&im->dv);
		free(im);
		store_close(&st);
	}
	if (have_cals)
		calendar_set_free(&cals);
	config_free(&cfg);
	return code;
}
