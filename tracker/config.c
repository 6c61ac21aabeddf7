/* The configuration file reader: reads the file, splits it into lines,
 * sections and key = value pairs (quotes, comments, lists), and hands each
 * value to the key table in config_keys.c. */
#include "tracker/config_p.h"
#include "tracker/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cfg_error(struct cfg_parser *p, int line, const char *fmt, ...)
{
	if (p->err)
		return; /* the first error is the one to fix */
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	p->err = line > 0 ? xasprintf("%s:%d: %s", p->name, line, msg) : xasprintf("%s: %s", p->name, msg);
	free(msg);
}

/* Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t len;
		unsigned min, cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, min = 0x80, cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, min = 0x800, cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, min = 0x10000, cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* A comment starts at '#' or ';' at the start of the value or after white space. */
static int comment_at(const char *start, const char *s)
{
	return (*s == '#' || *s == ';') && (s == start || isspace((unsigned char)s[-1]));
}

static void value_push(struct cfg_value *val, char *item)
{
	val->v = xrealloc(val->v, (val->n + 1) * sizeof *val->v);
	val->v[val->n++] = item;
}

static void value_free(struct cfg_value *val)
{
	for (size_t i = 0; i < val->n; i++)
		free(val->v[i]);
	free(val->v);
	val->v = NULL;
	val->n = 0;
}

/* A double-quoted item starting at *s (on the quote): \" and \\ are escapes. */
static char *scan_quoted(struct cfg_parser *p, const char **s)
{
	const char *q = *s + 1;
	struct strbuf b;
	strbuf_init(&b, 0);
	strbuf_append(&b, "", 0);
	for (; *q && *q != '"'; q++) {
		if (*q == '\\' && (q[1] == '"' || q[1] == '\\'))
			q++;
		strbuf_append(&b, q, 1);
	}
	if (!*q) {
		cfg_error(p, p->line, "missing closing quote '\"'");
		strbuf_free(&b);
		return NULL;
	}
	*s = q + 1;
	return strbuf_steal(&b);
}

/* Splits the text after '=' into items (one for a scalar key), dropping the comment. */
static int scan_value(struct cfg_parser *p, const char *start, bool list, struct cfg_value *val)
{
	const char *s = start;
	bool after_comma = false;
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || comment_at(start, s)) {
			if (after_comma)
				goto empty_item;
			return 0;
		}
		char *item;
		if (*s == '"') {
			item = scan_quoted(p, &s);
			if (!item)
				return -1;
			val->quoted_any = true;
			while (isspace((unsigned char)*s))
				s++;
			if (*s && !(list && *s == ',') && *s != '#' && *s != ';') {
				free(item);
				cfg_error(p, p->line, "text after the closing quote; quote the whole value");
				return -1;
			}
			if (list && !*item)
				goto empty_item_free;
		} else {
			const char *b = s;
			while (*s && !(list && *s == ',') && !comment_at(start, s))
				s++;
			const char *e = s;
			while (e > b && isspace((unsigned char)e[-1]))
				e--;
			if (list && e == b)
				goto empty_item;
			item = xstrndup(b, (size_t)(e - b));
		}
		value_push(val, item);
		if (list && *s == ',') {
			s++;
			after_comma = true;
			continue;
		}
		if (*s == '#' || *s == ';')
			return 0;
		return 0;
	empty_item_free:
		free(item);
		goto empty_item;
	}
empty_item:
	cfg_error(p, p->line, "empty item in a comma-separated list; remove the extra comma");
	return -1;
}

/* "[kind]" or "[kind name]". */
static int parse_header(struct cfg_parser *p, char *s)
{
	char *close = strchr(s, ']');
	if (!close) {
		cfg_error(p, p->line, "section header without ']'; write [section] or [kind name]");
		return -1;
	}
	char *rest = close + 1;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest && *rest != '#' && *rest != ';') {
		cfg_error(p, p->line, "text after the section header; put keys on their own lines");
		return -1;
	}
	*close = '\0';
	char *kind = str_trim(s + 1), *name = NULL;
	char *sp = kind + strcspn(kind, " \t");
	if (*sp) {
		*sp++ = '\0';
		name = str_trim(sp);
		if (strpbrk(name, " \t")) {
			cfg_error(p, p->line, "section name '%.64s' contains a space; names are one word", name);
			return -1;
		}
	}
	const struct cfg_section *sec = cfg_find_section(kind);
	if (!sec) {
		const char *hint = cfg_suggest_section(kind);
		if (hint)
			cfg_error(p, p->line, "unknown section [%.64s]; did you mean '%s'?", kind, hint);
		else
			cfg_error(p, p->line, "unknown section [%.64s]; see replyclock.conf.example for the "
				  "sections", kind);
		return -1;
	}
	if (cfg_end_section(p) < 0)
		return -1;
	return cfg_begin_section(p, sec, name);
}

static int unknown_key(struct cfg_parser *p, const char *key)
{
	/* A key that exists verbatim elsewhere is more likely misplaced than misspelt. */
	char *elsewhere = cfg_sections_with_key(key);
	const char *hint = elsewhere ? NULL : cfg_suggest_key(p->sec, key);
	if (elsewhere)
		cfg_error(p, p->line, "key '%s' does not belong in [%s]; it goes in %s", key, p->sec->name,
			  elsewhere);
	else if (hint)
		cfg_error(p, p->line, "unknown key '%s' in [%s]; did you mean '%s'?", key, p->sec->name, hint);
	else
		cfg_error(p, p->line, "unknown key '%s' in [%s]", key, p->sec->name);
	free(elsewhere);
	return -1;
}

static int parse_assignment(struct cfg_parser *p, char *s)
{
	char *eq = strchr(s, '=');
	/* Never echo the line: a stray line may be a pasted password. */
	for (char *c = s; c < (eq ? eq : s + strlen(s)); c++)
		if (comment_at(s, c))
			eq = NULL;
	if (!eq) {
		cfg_error(p, p->line, "line without '='; write key = value (or [section], or a # comment)");
		return -1;
	}
	*eq = '\0';
	char *key = str_trim(s);
	if (!*key || strlen(key) > 64 || strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(key)) {
		cfg_error(p, p->line, "bad key name before '='; keys are words like poll_interval");
		return -1;
	}
	if (!p->sec) {
		cfg_error(p, p->line, "key '%s' outside any section; put it under a [section] header", key);
		return -1;
	}
	const struct cfg_key *k = cfg_find_key(p->sec, key);
	if (!k)
		return unknown_key(p, key);
	const char *value = eq + 1;
	size_t vlen = strlen(value);
	for (const char *c = value; *c; c++)
		if (comment_at(value, c) && !memchr(value, '"', (size_t)(c - value))) {
			vlen = (size_t)(c - value);
			break;
		}
	size_t lead = strspn(value, " \t");
	while (vlen > lead && isspace((unsigned char)value[vlen - 1]))
		vlen--;
	if (vlen - lead > CFG_MAX_VALUE) {
		cfg_error(p, p->line, "value of '%s' is too long (more than %d bytes)", k->name, CFG_MAX_VALUE);
		return -1;
	}
	struct cfg_value val = { 0 };
	int r = scan_value(p, value, cfg_key_is_list(k), &val);
	if (r == 0)
		r = cfg_set_key(p, k, &val);
	value_free(&val);
	return r;
}

static int parse_line(struct cfg_parser *p, char *s, size_t len)
{
	if (len && s[len - 1] == '\r')
		s[--len] = '\0';
	if (!valid_utf8((const unsigned char *)s, len)) {
		cfg_error(p, p->line, "bytes that are not UTF-8; save the file as UTF-8");
		return -1;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return parse_header(p, s);
	return parse_assignment(p, s);
}

static void digest_hex(const void *data, size_t len, char out[65])
{
	unsigned char bin[32];
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, bin) < 0) {
		memset(out, '0', 64);
	} else {
		for (int i = 0; i < 32; i++)
			snprintf(out + 2 * i, 3, "%02x", bin[i]);
	}
	out[64] = '\0';
}

static struct config *parse_buffer(const char *text, size_t len, const char *name, char **err)
{
	struct config *cfg = xcalloc(1, sizeof *cfg);
	cfg->path = xstrdup(name);
	digest_hex(text, len, cfg->digest);
	cfg->defaults.thread_window = 14L * 86400;
	cfg->alerts.warn_before = 30L * 60;

	struct cfg_parser p = { .cfg = cfg, .name = name };
	const char *slash = strrchr(name, '/');
	if (slash)
		p.dir = slash == name ? xstrdup("") : xstrndup(name, (size_t)(slash - name));

	const char *s = text, *end = text + len;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3; /* a byte-order mark some editors add */
	int r = 0;
	while (r == 0 && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		p.line++;
		char *copy = xstrndup(s, n);
		if (memchr(s, '\0', n)) {
			cfg_error(&p, p.line, "NUL byte in the file; this is not a text file");
			r = -1;
		} else {
			r = parse_line(&p, copy, n);
		}
		free(copy);
		s += n + (nl ? 1 : 0);
	}
	if (r == 0)
		r = cfg_end_section(&p);
	if (r == 0)
		r = cfg_finish(&p);
	free(p.dir);
	if (r < 0) {
		if (!p.err)
			cfg_error(&p, 0, "invalid configuration");
		*err = p.err;
		config_free(&cfg);
		return NULL;
	}
	return cfg;
}

struct config *config_parse(const char *text, const char *name, char **err)
{
	return parse_buffer(text, strlen(text), name, err);
}

struct config *config_load(const char *path, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = xasprintf("%s: cannot open the configuration file: %s (give another with -c FILE or "
				 "$REPLYCLOCK_CONFIG)", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*err = xasprintf("%s: not a regular file; give the configuration file with -c FILE", path);
		close(fd);
		return NULL;
	}
	if (st.st_size > CFG_MAX_FILE) {
		*err = xasprintf("%s: the file is larger than %d bytes; is it really the configuration?", path,
				 CFG_MAX_FILE);
		close(fd);
		return NULL;
	}
	char *buf = xmalloc((size_t)st.st_size + 1);
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = xasprintf("%s: cannot read the configuration file: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0 || got + (size_t)n > (size_t)st.st_size)
			break; /* grown while we read: use what fits */
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	struct config *cfg = parse_buffer(buf, got, path, err);
	free(buf);
	return cfg;
}

void cfg_strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void free_mailbox(struct cfg_mailbox *m)
{
	free(m->name);
	free(m->host);
	free(m->ca_file);
	free(m->username);
	free(m->password.value);
	free(m->oauth2_token.value);
	cfg_strlist_free(&m->inbound_folders);
	cfg_strlist_free(&m->sent_folders);
}

void config_free(struct config **pcfg)
{
	struct config *cfg = pcfg ? *pcfg : NULL;
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_mailboxes; i++)
		free_mailbox(&cfg->mailboxes[i]);
	free(cfg->mailboxes);
	for (size_t i = 0; i < cfg->n_calendars; i++) {
		struct cfg_calendar *c = &cfg->calendars[i];
		free(c->name);
		free(c->timezone);
		free(c->hours);
		cfg_strlist_free(&c->holidays);
		cfg_strlist_free(&c->ignore_events);
	}
	free(cfg->calendars);
	for (size_t i = 0; i < cfg->n_policies; i++) {
		free(cfg->policies[i].name);
		free(cfg->policies[i].calendar);
		free(cfg->policies[i].breach_remedy);
	}
	free(cfg->policies);
	for (size_t i = 0; i < cfg->n_customers; i++) {
		struct cfg_customer *c = &cfg->customers[i];
		free(c->name);
		free(c->display_name);
		free(c->policy);
		cfg_strlist_free(&c->match);
		cfg_strlist_free(&c->report_to);
	}
	free(cfg->customers);
	cfg_strlist_free(&cfg->team_addresses);
	free(cfg->path);
	free(cfg->db_conninfo);
	free(cfg->defaults.policy);
	free(cfg->resolution.resolved_keyword);
	cfg_strlist_free(&cfg->resolution.resolved_folders);
	cfg_strlist_free(&cfg->alerts.to);
	free(cfg->alerts.command);
	free(cfg->report.timezone);
	free(cfg->report.smtp_url);
	free(cfg->report.smtp_host);
	free(cfg->report.smtp_username);
	free(cfg->report.smtp_password.value);
	free(cfg->report.from);
	cfg_strlist_free(&cfg->report.to);
	free(cfg);
	*pcfg = NULL;
}

const struct cfg_mailbox *config_mailbox(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_mailboxes; i++)
		if (strcmp(cfg->mailboxes[i].name, name) == 0)
			return &cfg->mailboxes[i];
	return NULL;
}

const struct cfg_calendar *config_calendar(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_calendars; i++)
		if (strcmp(cfg->calendars[i].name, name) == 0)
			return &cfg->calendars[i];
	return NULL;
}

const struct cfg_policy *config_policy(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_policies; i++)
		if (strcmp(cfg->policies[i].name, name) == 0)
			return &cfg->policies[i];
	return NULL;
}

const struct cfg_customer *config_customer(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_customers; i++)
		if (strcmp(cfg->customers[i].name, name) == 0)
			return &cfg->customers[i];
	return NULL;
}
