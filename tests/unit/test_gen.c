/* Unit suite for the traffic generator (contrib/tools/rc-gen): runs the built
 * binary ($RC_GEN_BIN, default ../rc-gen beside this test binary, else
 * build/rc-gen) and checks determinism, the truth file against the Maildir and
 * mbox output, header parsing and RFC 2047 decoding with libetpan. */
#include <CUnit/Basic.h>
#include "tests/lib/testgen.h"
#include "tests/lib/testlib.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libetpan/libetpan.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char work[1024];

enum {
	T_SEQ,
	T_MID,
	T_KIND,
	T_CUST,
	T_CONV,
	T_FOLDERS,
	T_TIME,
	T_SENT,
	T_INBOX,
	T_DATE,
	T_FROM,
	T_TO,
	T_CC,
	T_PARENT,
	T_REFS,
	T_OPENS,
	T_ANSWERS,
	T_FIRST,
	T_SUBJ,
	T_NCOL
};

struct row {
	char *f[T_NCOL];
	int seen_inbox, seen_sent;
};

struct truth {
	struct row *r;
	size_t n;
};

static int load_truth(const char *path, struct truth *t)
{
	char *s = testfile_read(path, NULL);
	if (!s)
		return -1;
	t->n = 0;
	t->r = NULL;
	size_t cap = 0;
	char *save = NULL;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (t->n == cap)
			t->r = realloc(t->r, (cap = cap ? cap * 2 : 1024) * sizeof *t->r);
		struct row *r = &t->r[t->n];
		memset(r, 0, sizeof *r);
		char *p = line;
		for (int i = 0; i < T_NCOL; i++) {
			char *tab = strchr(p, '\t');
			if (!tab && i < T_NCOL - 1) {
				free(s);
				return -2;
			}
			if (tab)
				*tab = '\0';
			r->f[i] = strdup(p);
			p = tab ? tab + 1 : p + strlen(p);
		}
		t->n++;
	}
	free(s);
	return 0;
}

static void free_truth(struct truth *t)
{
	for (size_t i = 0; i < t->n; i++)
		for (int j = 0; j < T_NCOL; j++)
			free(t->r[i].f[j]);
	free(t->r);
	t->r = NULL;
	t->n = 0;
}

static struct row *find_mid(struct truth *t, const char *mid)
{
	for (size_t i = 0; i < t->n; i++) /* linear: ~2000 rows, fine for a test */
		if (!strcmp(t->r[i].f[T_MID], mid))
			return &t->r[i];
	return NULL;
}

/* Sorted file names of a Maildir leaf. */
static int list_dir(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0, cap = 0;
	*names = NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap)
			*names =
			    realloc(*names, (size_t)(cap = cap ? cap * 2 : 256) * sizeof **names);
		(*names)[n++] = strdup(e->d_name);
	}
	closedir(d);
	for (int i = 1; i < n; i++) /* insertion sort keeps the test dependency-free */
		for (int j = i; j > 0 && strcmp((*names)[j - 1], (*names)[j]) > 0; j--) {
			char *x = (*names)[j];
			(*names)[j] = (*names)[j - 1];
			(*names)[j - 1] = x;
		}
	return n;
}

static void free_names(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static const char *const base_args[] = {"--seed", "11", "--customers", "10", "--weeks", "6", NULL};

/* Generates into work/NAME with base_args + seed. */
static int gen_into(const char *name, const char *seed)
{
	char dir[2048], md[PATH_MAX], in[PATH_MAX], sent[PATH_MAX], tr[PATH_MAX], cf[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/%s", work, name);
	mkdir(dir, 0755);
	snprintf(md, sizeof md, "%s/md", dir);
	snprintf(in, sizeof in, "%s/in.mbox", dir);
	snprintf(sent, sizeof sent, "%s/sent.mbox", dir);
	snprintf(tr, sizeof tr, "%s/truth.tsv", dir);
	snprintf(cf, sizeof cf, "%s/snippet.conf", dir);
	const char *args[] = {"--seed",	   seed, "--customers",	     "10", "--weeks",	  "6",
			      "--maildir", md,	 "--mbox-inbound",   in,   "--mbox-sent", sent,
			      "--truth",   tr,	 "--config-snippet", cf,   NULL};
	return testgen_run(NULL, args);
}

static int files_equal(const char *a, const char *b)
{
	size_t la, lb;
	char *x = testfile_read(a, &la), *y = testfile_read(b, &lb);
	int eq = x && y && la == lb && !memcmp(x, y, la);
	free(x);
	free(y);
	return eq;
}

static void path2(char *out, size_t n, const char *run, const char *rel)
{
	snprintf(out, n, "%s/%s/%s", work, run, rel);
}

static void gen__same_seed_same_bytes(void)
{
	CU_ASSERT_EQUAL_FATAL(gen_into("a", "11"), 0);
	CU_ASSERT_EQUAL_FATAL(gen_into("b", "11"), 0);
	const char *files[] = {"in.mbox", "sent.mbox", "truth.tsv", "snippet.conf"};
	for (size_t i = 0; i < 4; i++) {
		char a[PATH_MAX], b[PATH_MAX];
		path2(a, sizeof a, "a", files[i]);
		path2(b, sizeof b, "b", files[i]);
		CU_ASSERT(files_equal(a, b));
	}
	const char *leaves[] = {"md/cur", "md/.Sent/cur"};
	for (int l = 0; l < 2; l++) {
		char da[PATH_MAX], db[PATH_MAX];
		char **na, **nb;
		path2(da, sizeof da, "a", leaves[l]);
		path2(db, sizeof db, "b", leaves[l]);
		int ca = list_dir(da, &na), cb = list_dir(db, &nb);
		CU_ASSERT(ca > 100);
		CU_ASSERT_EQUAL(ca, cb);
		for (int i = 0; i < ca && i < cb; i++) {
			char fa[PATH_MAX * 2], fb[PATH_MAX * 2];
			struct stat sa, sb;
			CU_ASSERT_STRING_EQUAL(na[i], nb[i]);
			snprintf(fa, sizeof fa, "%s/%s", da, na[i]);
			snprintf(fb, sizeof fb, "%s/%s", db, nb[i]);
			CU_ASSERT(files_equal(fa, fb));
			CU_ASSERT(stat(fa, &sa) == 0 && stat(fb, &sb) == 0 &&
				  sa.st_mtime == sb.st_mtime);
		}
		free_names(na, ca);
		free_names(nb, cb);
	}
}

static void gen__different_seed_differs(void)
{
	CU_ASSERT_EQUAL_FATAL(gen_into("c", "12"), 0);
	char a[PATH_MAX], c[PATH_MAX];
	path2(a, sizeof a, "a", "truth.tsv");
	path2(c, sizeof c, "c", "truth.tsv");
	CU_ASSERT_FALSE(files_equal(a, c));
	path2(a, sizeof a, "a", "in.mbox");
	path2(c, sizeof c, "c", "in.mbox");
	CU_ASSERT_FALSE(files_equal(a, c));
}

/* The traffic does not depend on where it goes: truth only = truth with outputs. */
static void gen__output_mode_keeps_traffic(void)
{
	char tr[2048], a[PATH_MAX];
	snprintf(tr, sizeof tr, "%s/truth-only.tsv", work);
	const char *args[] = {"--seed",	 "11", "--customers", "10", "--weeks", "6",
			      "--truth", tr,   NULL};
	CU_ASSERT_EQUAL_FATAL(testgen_run(NULL, args), 0);
	path2(a, sizeof a, "a", "truth.tsv");
	CU_ASSERT(files_equal(a, tr));
}

/* Parsed facts of one message file. */
struct parsed {
	char mid[512], from[512], subject[1024];
	time_t date;
	int has_from, has_date, has_mid, encoded;
};

static time_t imf_epoch(const struct mailimf_date_time *d)
{
	return (time_t)testgen_wall_epoch(d->dt_year, d->dt_month, d->dt_day, d->dt_hour, d->dt_min,
				  d->dt_sec, d->dt_zone);
}

static int parse_msg(const char *text, size_t len, struct parsed *p)
{
	size_t idx = 0;
	struct mailimf_fields *f = NULL;
	memset(p, 0, sizeof *p);
	if (mailimf_fields_parse(text, len, &idx, &f) != MAILIMF_NO_ERROR)
		return -1;
	for (clistiter *it = clist_begin(f->fld_list); it; it = clist_next(it)) {
		struct mailimf_field *fld = clist_content(it);
		switch (fld->fld_type) {
		case MAILIMF_FIELD_MESSAGE_ID:
			snprintf(p->mid, sizeof p->mid, "%s",
				 fld->fld_data.fld_message_id->mid_value);
			p->has_mid = 1;
			break;
		case MAILIMF_FIELD_FROM: {
			clist *l = fld->fld_data.fld_from->frm_mb_list->mb_list;
			if (clist_begin(l)) {
				struct mailimf_mailbox *mb = clist_content(clist_begin(l));
				snprintf(p->from, sizeof p->from, "%s", mb->mb_addr_spec);
				p->has_from = 1;
			}
			break;
		}
		case MAILIMF_FIELD_ORIG_DATE:
			p->date = imf_epoch(fld->fld_data.fld_orig_date->dt_date_time);
			p->has_date = 1;
			break;
		case MAILIMF_FIELD_SUBJECT: {
			const char *s = fld->fld_data.fld_subject->sbj_value;
			size_t i = 0;
			char *out = NULL;
			p->encoded = strstr(s, "=?") != NULL;
			if (mailmime_encoded_phrase_parse("us-ascii", s, strlen(s), &i, "utf-8",
							  &out) == MAILIMF_NO_ERROR) {
				snprintf(p->subject, sizeof p->subject, "%s", out);
				free(out);
			}
			break;
		}
		default:
			break;
		}
	}
	mailimf_fields_free(f);
	return 0;
}

/* Walks one Maildir leaf: every file parses, matches its truth row. */
static int check_leaf(struct truth *t, const char *run, const char *leaf, int sent, int *encodings)
{
	char dir[PATH_MAX];
	char **names;
	path2(dir, sizeof dir, run, leaf);
	int n = list_dir(dir, &names);
	CU_ASSERT_FATAL(n >= 0);
	for (int i = 0; i < n; i++) {
		char fp[PATH_MAX * 2];
		size_t len;
		struct parsed p;
		struct stat st;
		snprintf(fp, sizeof fp, "%s/%s", dir, names[i]);
		char *text = testfile_read(fp, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		CU_ASSERT(strstr(text, "\r\n\r\n") != NULL); /* CRLF header/body split */
		CU_ASSERT_EQUAL(parse_msg(text, len, &p), 0);
		CU_ASSERT(p.has_from && p.has_date && p.has_mid);
		struct row *r = find_mid(t, p.mid);
		CU_ASSERT_PTR_NOT_NULL(r);
		CU_ASSERT(stat(fp, &st) == 0);
		if (r) {
			const char *want_t = r->f[sent ? T_SENT : T_INBOX];
			CU_ASSERT_NOT_EQUAL(strcmp(want_t, "-"), 0);
			CU_ASSERT_EQUAL((long long)st.st_mtime, atoll(want_t));
			CU_ASSERT_STRING_EQUAL(p.from, r->f[T_FROM]);
			CU_ASSERT_EQUAL((long long)p.date, atoll(r->f[T_DATE]));
			CU_ASSERT_STRING_EQUAL(p.subject, r->f[T_SUBJ]);
			if (sent)
				r->seen_sent++;
			else
				r->seen_inbox++;
		}
		if (p.encoded) {
			const char *forms[] = {"?iso-8859-1?Q?", "?iso-8859-1?B?", "?utf-8?Q?",
					       "?UTF-8?B?"};
			for (int k = 0; k < 4; k++)
				if (strcasestr(text, forms[k]) &&
				    (strstr(p.subject, "ø") || strstr(p.subject, "å") ||
				     strstr(p.subject, "æ") || strstr(p.subject, "Ø") ||
				     strstr(p.subject, "Å")))
					encodings[k]++;
		}
		free(text);
	}
	free_names(names, n);
	return n;
}

static void gen__truth_matches_maildir(void)
{
	struct truth t;
	char tp[PATH_MAX];
	int enc[4] = {0};
	path2(tp, sizeof tp, "a", "truth.tsv");
	CU_ASSERT_EQUAL_FATAL(load_truth(tp, &t), 0);
	CU_ASSERT_FATAL(t.n > 500);
	/* every message_id present once */
	for (size_t i = 1; i < t.n; i++)
		CU_ASSERT(atoll(t.r[i].f[T_SEQ]) == atoll(t.r[i - 1].f[T_SEQ]) + 1);
	for (size_t i = 0; i < t.n; i += 7)
		CU_ASSERT_PTR_EQUAL(find_mid(&t, t.r[i].f[T_MID]), &t.r[i]);
	int ni = check_leaf(&t, "a", "md/cur", 0, enc);
	int ns = check_leaf(&t, "a", "md/.Sent/cur", 1, enc);
	int want_i = 0, want_s = 0;
	for (size_t i = 0; i < t.n; i++) {
		struct row *r = &t.r[i];
		int in = strstr(r->f[T_FOLDERS], "INBOX") != NULL,
		    se = strstr(r->f[T_FOLDERS], "Sent") != NULL;
		want_i += in, want_s += se;
		CU_ASSERT_EQUAL(r->seen_inbox, in);
		CU_ASSERT_EQUAL(r->seen_sent, se);
	}
	CU_ASSERT_EQUAL(ni, want_i);
	CU_ASSERT_EQUAL(ns, want_s);
	for (int k = 0; k < 4; k++) /* Q and B, UTF-8 and ISO-8859-1, all with æøå */
		CU_ASSERT(enc[k] > 0);
	free_truth(&t);
}

/* mboxrd output = the Maildir files in order, LF, with From_ quoting undone. */
static void check_mbox(const char *mbox, const char *leaf)
{
	char mp[PATH_MAX], dir[PATH_MAX];
	char **names;
	size_t len;
	path2(mp, sizeof mp, "a", mbox);
	path2(dir, sizeof dir, "a", leaf);
	char *m = testfile_read(mp, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	int n = list_dir(dir, &names), k = 0, quoted = 0;
	char *p = m;
	while (p < m + len && k < n) {
		CU_ASSERT_FATAL(!strncmp(p, "From ", 5));
		char *nl = strchr(p, '\n');
		char *next = strstr(nl, "\n\nFrom ");
		char *end = next ? next + 2 : m + len; /* message + its separating blank line */
		char fp[PATH_MAX * 2];
		struct stat st;
		snprintf(fp, sizeof fp, "%s/%s", dir, names[k]);
		size_t flen;
		char *file = testfile_read(fp, &flen);
		/* expected = file with CRLF → LF, plus the separating blank line */
		char *exp = malloc(flen * 2 + 2), *o = exp;
		for (size_t i = 0; i < flen; i++) {
			if (file[i] == '\r' && i + 1 < flen && file[i + 1] == '\n')
				continue;
			*o++ = file[i];
		}
		*o++ = '\n';
		/* undo mboxrd quoting of the stored body */
		char *got = malloc((size_t)(end - nl) + 1), *g = got;
		for (char *q = nl + 1; q < end;) {
			char *e = memchr(q, '\n', (size_t)(end - q));
			char *le = e ? e + 1 : end, *z = q;
			while (z < le && *z == '>')
				z++;
			if (z > q && le - z >= 5 && !strncmp(z, "From ", 5))
				q++, quoted++;
			memcpy(g, q, (size_t)(le - q));
			g += le - q;
			q = le;
		}
		CU_ASSERT_EQUAL((size_t)(g - got), (size_t)(o - exp));
		CU_ASSERT(g - got == o - exp && !memcmp(got, exp, (size_t)(o - exp)));
		/* From_ line carries the INTERNALDATE (UTC) */
		CU_ASSERT(stat(fp, &st) == 0);
		char when[64];
		struct tm tm;
		gmtime_r(&st.st_mtime, &tm);
		strftime(when, sizeof when, " %a %b %e %H:%M:%S %Y\n", &tm);
		CU_ASSERT(nl - p > 0 && !strncmp(nl - strlen(when) + 1, when, strlen(when)));
		free(file), free(exp), free(got);
		p = end;
		k++;
	}
	CU_ASSERT_EQUAL(k, n);
	CU_ASSERT(p >= m + len);
	CU_ASSERT(quoted > 0);
	free_names(names, n);
	free(m);
}

static void gen__mbox_matches_maildir(void)
{
	check_mbox("in.mbox", "md/cur");
	check_mbox("sent.mbox", "md/.Sent/cur");
}

static int kind_is_customer(const char *k)
{
	return !strcmp(k, "customer") || !strcmp(k, "followup") || !strcmp(k, "customer_again");
}

/* The request semantics recorded in the truth are consistent with SPEC 4.4. */
static void gen__truth_request_semantics(void)
{
	static const char *const kinds[] = {"customer", "followup",	      "customer_again",
					    "team",	"autoreply_customer", "autoreply_team",
					    "bounce",	"internal_forward"};
	struct truth t;
	char tp[PATH_MAX];
	path2(tp, sizeof tp, "a", "truth.tsv");
	CU_ASSERT_EQUAL_FATAL(load_truth(tp, &t), 0);
	int per_kind[8] = {0}, inside = 0, cust_msgs = 0, weekend = 0, unassigned = 0;
	int answered = 0, late_opened = 0, norefs = 0, cc_inbox_team = 0;
	for (size_t i = 0; i < t.n; i++) {
		struct row *r = &t.r[i];
		for (int k = 0; k < 8; k++)
			per_kind[k] += !strcmp(r->f[T_KIND], kinds[k]);
		unassigned += !strcmp(r->f[T_CUST], "unassigned");
		norefs += !strcmp(r->f[T_REFS], "none");
		if (!strcmp(r->f[T_KIND], "team") && strstr(r->f[T_FOLDERS], "INBOX"))
			cc_inbox_team++;
		if (kind_is_customer(r->f[T_KIND])) {
			time_t tt = (time_t)atoll(r->f[T_TIME]);
			struct tm tm;
			localtime_r(&tt, &tm);
			cust_msgs++;
			inside += tm.tm_wday >= 1 && tm.tm_wday <= 5 && tm.tm_hour >= 8 &&
				  tm.tm_hour < 16;
			weekend += tm.tm_wday == 0 || tm.tm_wday == 6;
		} else {
			CU_ASSERT_STRING_EQUAL(r->f[T_OPENS], "-"); /* noise/team never opens */
		}
		if (strcmp(r->f[T_ANSWERS], "-") != 0) {
			struct row *o = find_mid(&t, r->f[T_ANSWERS]);
			CU_ASSERT_STRING_EQUAL(r->f[T_KIND], "team");
			CU_ASSERT_STRING_EQUAL(r->f[T_FIRST], "1");
			CU_ASSERT_PTR_NOT_NULL_FATAL(o);
			CU_ASSERT(kind_is_customer(o->f[T_KIND]));
			CU_ASSERT_STRING_EQUAL(o->f[T_CONV], r->f[T_CONV]);
			CU_ASSERT_NOT_EQUAL(strcmp(o->f[T_OPENS], "-"), 0);
			CU_ASSERT(atoll(o->f[T_TIME]) < atoll(r->f[T_TIME]));
			answered++;
			if (atoll(r->f[T_TIME]) - atoll(o->f[T_TIME]) > 2 * 86400)
				late_opened++;
		}
		if (!strcmp(r->f[T_OPENS], "first_response"))
			CU_ASSERT(kind_is_customer(r->f[T_KIND]));
	}
	for (int k = 0; k < 8; k++)
		CU_ASSERT(per_kind[k] > 0);
	CU_ASSERT(answered > 0 && late_opened > 0 && norefs > 0 && cc_inbox_team > 0 &&
		  unassigned > 0);
	/* mostly inside working hours, but not all; some on weekends */
	CU_ASSERT(inside > cust_msgs * 6 / 10 && inside < cust_msgs * 95 / 100);
	CU_ASSERT(weekend > 0);
	free_truth(&t);
}

/* Every customer in the truth has a [customer NAME] section whose match
 * covers its senders; unassigned senders match no section. */
static void gen__config_snippet_covers_senders(void)
{
	struct truth t;
	char tp[PATH_MAX], cp[PATH_MAX];
	path2(tp, sizeof tp, "a", "truth.tsv");
	path2(cp, sizeof cp, "a", "snippet.conf");
	CU_ASSERT_EQUAL_FATAL(load_truth(tp, &t), 0);
	char *conf = testfile_read(cp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	CU_ASSERT(strstr(conf, "[team]\naddresses = support@example.com, @example.com\n") != NULL);
	CU_ASSERT(strstr(conf, "@gmail.com") != NULL);
	for (size_t i = 0; i < t.n; i++) {
		struct row *r = &t.r[i];
		if (!kind_is_customer(r->f[T_KIND]))
			continue;
		const char *at = strchr(r->f[T_FROM], '@');
		char dom[300], exact[600];
		snprintf(dom, sizeof dom, "@%s", at + 1);
		snprintf(exact, sizeof exact, "%s", r->f[T_FROM]);
		if (!strcmp(r->f[T_CUST], "unassigned")) {
			char needle[320];
			snprintf(needle, sizeof needle, "%s\n", dom);
			CU_ASSERT(strstr(conf, exact) == NULL);
			CU_ASSERT(!strcmp(at + 1, "gmail.com") || strstr(conf, needle) == NULL);
			continue;
		}
		char sect[300];
		snprintf(sect, sizeof sect, "[customer %s]\n", r->f[T_CUST]);
		char *s = strstr(conf, sect);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		char *m = strstr(s, "match = "), *e = strchr(m, '\n');
		char line[1024];
		snprintf(line, sizeof line, "%.*s,", (int)(e - m), m);
		char d2[310], x2[610];
		snprintf(d2, sizeof d2, "%s,", dom);
		snprintf(x2, sizeof x2, " %s,", exact);
		CU_ASSERT(strstr(line, d2) != NULL || strstr(line, x2) != NULL);
	}
	free(conf);
	free_truth(&t);
}

static void gen__bad_usage_exit_64(void)
{
	char ef[PATH_MAX];
	snprintf(ef, sizeof ef, "%s/err.txt", work);
	const char *a1[] = {"--no-such-option", NULL};
	CU_ASSERT_EQUAL(testgen_run(ef, a1), 64);
	char *e = testfile_read(ef, NULL);
	CU_ASSERT(e && strstr(e, "--no-such-option"));
	free(e);
	const char *a2[] = {"--start", "2026-13-01", NULL};
	CU_ASSERT_EQUAL(testgen_run(ef, a2), 64);
	e = testfile_read(ef, NULL);
	CU_ASSERT(e && strstr(e, "--start"));
	free(e);
	const char *a3[] = {"--timezone", "Nowhere/City", NULL};
	CU_ASSERT_EQUAL(testgen_run(ef, a3), 64);
	const char *a4[] = {"--maildir", "/proc/forbidden/x", NULL};
	CU_ASSERT_EQUAL(testgen_run(ef, a4), 74);
}

/* Streaming: memory is bounded by conversations in flight, not by the total. */
static void gen__streaming_keeps_heap_small(void)
{
	char ef[PATH_MAX];
	snprintf(ef, sizeof ef, "%s/stats.txt", work);
	const char *a[] = {"--seed", "5",	   "--customers", "50",	     "--weeks",
			   "20",     "--messages", "40000",	  "--stats", NULL};
	CU_ASSERT_EQUAL_FATAL(testgen_run(ef, a), 0);
	char *s = testfile_read(ef, NULL);
	unsigned long msgs = 0, peak = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(sscanf(s, "rc-gen: %lu messages", &msgs), 1);
	char *ph = strstr(s, "peak heap ");
	CU_ASSERT(ph && sscanf(ph, "peak heap %lu", &peak) == 1);
	CU_ASSERT(msgs > 30000 && msgs < 50000); /* --messages is approximate */
	CU_ASSERT(peak > 0 && peak < msgs / 20);
	free(s);
}

static int rm_rf(const char *path)
{
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	return system(cmd);
}

int main(int argc, char **argv)
{
	(void)argc;
	signal(SIGPIPE, SIG_IGN);
	setenv("TZ", "Europe/Oslo", 1); /* the generator's default working-hours zone */
	tzset();
	if (!testgen_locate(argv[0]))
		return 1;
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(work, sizeof work, "%s/test_gen.XXXXXX", tmp);
	if (!mkdtemp(work)) {
		perror("mkdtemp");
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("gen", NULL, NULL);
	CU_add_test(s, "gen__same_seed_same_bytes", gen__same_seed_same_bytes);
	CU_add_test(s, "gen__different_seed_differs", gen__different_seed_differs);
	CU_add_test(s, "gen__output_mode_keeps_traffic", gen__output_mode_keeps_traffic);
	CU_add_test(s, "gen__truth_matches_maildir", gen__truth_matches_maildir);
	CU_add_test(s, "gen__mbox_matches_maildir", gen__mbox_matches_maildir);
	CU_add_test(s, "gen__truth_request_semantics", gen__truth_request_semantics);
	CU_add_test(s, "gen__config_snippet_covers_senders", gen__config_snippet_covers_senders);
	CU_add_test(s, "gen__bad_usage_exit_64", gen__bad_usage_exit_64);
	CU_add_test(s, "gen__streaming_keeps_heap_small", gen__streaming_keeps_heap_small);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	rm_rf(work);
	(void)base_args;
	return failed ? 1 : 0;
}
