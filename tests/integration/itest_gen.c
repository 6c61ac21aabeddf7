/* Integration suite for the traffic generator against the harness Dovecot:
 * IMAP APPEND (implicit TLS and STARTTLS, certificate verified) lands every
 * message in the right folder with the INTERNALDATE of the truth file, bad
 * credentials and an untrusted certificate are refused, and a Maildir seeded
 * by rc-gen gets its UIDs in generation order. */
#include <CUnit/Basic.h>
#include "tests/lib/testgen.h"
#include "tests/lib/testlib.h"
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
static const char *host, *user, *password, *ca_file, *port_plain, *port_tls, *maildir_root;

enum { T_SEQ, T_MID, T_KIND, T_CUST, T_CONV, T_FOLDERS, T_TIME, T_SENT, T_INBOX, T_NCOL = 19 };

struct row {
	char *mid;
	long long sent, inbox; /* -1 = not in that folder */
	int found;
};

struct truth {
	struct row *r;
	size_t n;
};

struct seen {
	uint32_t uid;
	long long idate;
	char mid[512];
};

static const char *need(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		fprintf(stderr, "itest_gen: %s is not set: run inside tests/harness/with-servers\n",
			name);
		exit(1);
	}
	return v;
}

static long long col_num(const char *s)
{
	return strcmp(s, "-") ? atoll(s) : -1;
}

static int load_truth(const char *path, struct truth *t)
{
	char *s = testfile_read(path, NULL), *save = NULL;
	size_t cap = 0;
	if (!s)
		return -1;
	memset(t, 0, sizeof *t);
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		char *f[T_NCOL] = {0}, *p = line;
		for (int i = 0; i < T_NCOL && p; i++) {
			f[i] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (!f[T_INBOX])
			continue;
		if (t->n == cap)
			t->r = realloc(t->r, (cap = cap ? cap * 2 : 256) * sizeof *t->r);
		t->r[t->n].mid = strdup(f[T_MID]);
		t->r[t->n].sent = col_num(f[T_SENT]);
		t->r[t->n].inbox = col_num(f[T_INBOX]);
		t->r[t->n].found = 0;
		t->n++;
	}
	free(s);
	return 0;
}

static void free_truth(struct truth *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->r[i].mid);
	free(t->r);
	memset(t, 0, sizeof *t);
}

static long long imap_epoch(const struct mailimap_date_time *d)
{
	return testgen_wall_epoch(d->dt_year, d->dt_month, d->dt_day, d->dt_hour, d->dt_min,
				  d->dt_sec, d->dt_zone);
}

static mailimap *imap_login(void)
{
	mailimap *im = mailimap_new(0, NULL);
	mailimap_set_timeout(im, 10);
	int r = mailimap_socket_connect(im, host, (uint16_t)atoi(port_plain));
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR) {
		mailimap_free(im);
		return NULL;
	}
	if (mailimap_login(im, user, password) != MAILIMAP_NO_ERROR) {
		mailimap_logout(im);
		mailimap_free(im);
		return NULL;
	}
	return im;
}

static const char *header_mid(const char *hdr, size_t len, char *out, size_t outsz)
{
	size_t idx = 0;
	struct mailimf_fields *f = NULL;
	out[0] = '\0';
	if (mailimf_fields_parse(hdr, len, &idx, &f) != MAILIMF_NO_ERROR)
		return out;
	for (clistiter *it = clist_begin(f->fld_list); it; it = clist_next(it)) {
		struct mailimf_field *fld = clist_content(it);
		if (fld->fld_type == MAILIMF_FIELD_MESSAGE_ID)
			snprintf(out, outsz, "%s", fld->fld_data.fld_message_id->mid_value);
	}
	mailimf_fields_free(f);
	return out;
}

/* UID, INTERNALDATE and Message-ID of every message in folder, UID order. */
static int fetch_folder(mailimap *im, const char *folder, struct seen **out)
{
	*out = NULL;
	if (mailimap_examine(im, folder) != MAILIMAP_NO_ERROR)
		return -1;
	clist *hl = clist_new();
	clist_append(hl, strdup("MESSAGE-ID"));
	struct mailimap_section *sec =
	    mailimap_section_new_header_fields(mailimap_header_list_new(hl));
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_internaldate());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
						   mailimap_fetch_att_new_body_peek_section(sec));
	struct mailimap_set *set = mailimap_set_new_interval(1, 0);
	clist *res = NULL;
	int r = mailimap_uid_fetch(im, set, ft, &res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return -1;
	int n = 0;
	*out = calloc((size_t)clist_count(res) + 1, sizeof **out);
	for (clistiter *i = clist_begin(res); i; i = clist_next(i)) {
		struct mailimap_msg_att *ma = clist_content(i);
		struct seen *s = &(*out)[n++];
		for (clistiter *j = clist_begin(ma->att_list); j; j = clist_next(j)) {
			struct mailimap_msg_att_item *it = clist_content(j);
			if (it->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			struct mailimap_msg_att_static *st = it->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				s->uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_INTERNALDATE)
				s->idate = imap_epoch(st->att_data.att_internal_date);
			else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION)
				header_mid(st->att_data.att_body_section->sec_body_part,
					   st->att_data.att_body_section->sec_length, s->mid,
					   sizeof s->mid);
		}
	}
	mailimap_fetch_list_free(res);
	return n;
}

/* Folder content == truth rows in that folder: count, INTERNALDATE, and the
 * UIDs in generation (truth) order. */
static void check_folder(mailimap *im, const char *folder, struct truth *t, int sent)
{
	struct seen *s;
	int n = fetch_folder(im, folder, &s);
	CU_ASSERT_FATAL(n >= 0);
	int want = 0;
	for (size_t i = 0; i < t->n; i++) {
		t->r[i].found = 0;
		want += (sent ? t->r[i].sent : t->r[i].inbox) >= 0;
	}
	CU_ASSERT(want > 0);
	CU_ASSERT_EQUAL(n, want);
	size_t last_row = 0;
	int in_order = 1;
	for (int k = 0; k < n; k++) {
		size_t i;
		for (i = 0; i < t->n && strcmp(t->r[i].mid, s[k].mid) != 0; i++)
			;
		CU_ASSERT(i < t->n);
		if (i == t->n)
			continue;
		t->r[i].found++;
		CU_ASSERT_EQUAL(s[k].idate, sent ? t->r[i].sent : t->r[i].inbox);
		if (k > 0 && (i <= last_row || s[k].uid <= s[k - 1].uid))
			in_order = 0;
		last_row = i;
	}
	CU_ASSERT(in_order);
	for (size_t i = 0; i < t->n; i++)
		CU_ASSERT_EQUAL(t->r[i].found, (sent ? t->r[i].sent : t->r[i].inbox) >= 0);
	free(s);
}

static void append_and_check(const char *mode, const char *port, const char *tag, const char *msgs)
{
	char in[64], sent[64], tp[1200], hp[300];
	snprintf(in, sizeof in, "Gen%s-%d", tag, (int)getpid());
	snprintf(sent, sizeof sent, "Gen%sSent-%d", tag, (int)getpid());
	snprintf(tp, sizeof tp, "%s/truth-%s.tsv", work, tag);
	snprintf(hp, sizeof hp, "%s:%s", host, port);
	const char *args[] = {"--seed",
			      "21",
			      "--customers",
			      "4",
			      "--weeks",
			      "2",
			      "--messages",
			      msgs,
			      "--imap",
			      hp,
			      "--user",
			      user,
			      "--password-env",
			      "RC_TEST_IMAP_PASSWORD",
			      mode,
			      "--ca-file",
			      ca_file,
			      "--imap-inbox",
			      in,
			      "--imap-sent",
			      sent,
			      "--truth",
			      tp,
			      NULL};
	CU_ASSERT_EQUAL_FATAL(testgen_run(NULL, args), 0);
	struct truth t;
	CU_ASSERT_EQUAL_FATAL(load_truth(tp, &t), 0);
	mailimap *im = imap_login();
	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	check_folder(im, in, &t, 0);
	check_folder(im, sent, &t, 1);
	mailimap_logout(im);
	mailimap_free(im);
	free_truth(&t);
}

static void gen__imap_append_tls(void)
{
	append_and_check("--tls", port_tls, "Tls", "200");
}

static void gen__imap_append_starttls(void)
{
	append_and_check("--starttls", port_plain, "Stls", "40");
}

static void expect_refusal(const char *ca, const char *pw_env, const char *needle)
{
	char ef[1200], hp[300];
	snprintf(ef, sizeof ef, "%s/err.txt", work);
	snprintf(hp, sizeof hp, "%s:%s", host, port_tls);
	const char *args[] = {"--messages",	"5",	"--imap", hp,	       "--user", user,
			      "--password-env", pw_env, "--tls",  "--ca-file", ca,	 NULL};
	CU_ASSERT_EQUAL(testgen_run(ef, args), 69);
	char *e = testfile_read(ef, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT(strstr(e, needle) != NULL);
	CU_ASSERT(strstr(e, hp) != NULL);	/* names the server */
	CU_ASSERT(strstr(e, password) == NULL); /* never shows the secret */
	free(e);
}

static void gen__imap_untrusted_certificate_refused(void)
{
	/* The system store does not know the harness CA. */
	expect_refusal("/etc/ssl/certs/ca-certificates.crt", "RC_TEST_IMAP_PASSWORD",
		       "not trusted");
}

static void gen__imap_wrong_password_refused(void)
{
	setenv("ITEST_GEN_BAD_PW", "definitely-wrong", 1);
	expect_refusal(ca_file, "ITEST_GEN_BAD_PW", "refused");
}

/* A Maildir++ folder seeded by rc-gen: Dovecot assigns UIDs in file order
 * and takes INTERNALDATE from the mtimes. */
static void gen__maildir_seeded_uids_in_order(void)
{
	char dir[1200], tp[1200], folder[64], cmd[2600];
	struct stat st;
	snprintf(folder, sizeof folder, "GenMd-%d", (int)getpid());
	snprintf(dir, sizeof dir, "%s/.%s", maildir_root, folder);
	snprintf(tp, sizeof tp, "%s/truth-md.tsv", work);
	const char *args[] = {"--seed",	 "22",	       "--customers", "4",	   "--weeks",
			      "2",	 "--messages", "120",	      "--maildir", dir,
			      "--truth", tp,	       NULL};
	CU_ASSERT_EQUAL_FATAL(testgen_run(NULL, args), 0);
	/* as root, hand the files to the mail user like a delivery agent would */
	if (getuid() == 0 && stat(maildir_root, &st) == 0) {
		snprintf(cmd, sizeof cmd, "chown -R %u:%u '%s'", (unsigned)st.st_uid,
			 (unsigned)st.st_gid, dir);
		CU_ASSERT_EQUAL(system(cmd), 0);
	}
	struct truth t;
	CU_ASSERT_EQUAL_FATAL(load_truth(tp, &t), 0);
	mailimap *im = imap_login();
	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	check_folder(im, folder, &t, 0);
	mailimap_logout(im);
	mailimap_free(im);
	free_truth(&t);
}

int main(int argc, char **argv)
{
	(void)argc;
	signal(SIGPIPE, SIG_IGN);
	host = need("RC_TEST_IMAP_HOST");
	port_plain = need("RC_TEST_IMAP_PORT");
	port_tls = need("RC_TEST_IMAPS_PORT");
	user = need("RC_TEST_IMAP_USER");
	password = need("RC_TEST_IMAP_PASSWORD");
	ca_file = need("RC_TEST_CA_FILE");
	maildir_root = need("RC_TEST_MAILDIR");
	if (!testgen_locate(argv[0]))
		return 1;
	snprintf(work, sizeof work, "%s/itest_gen.XXXXXX", need("RC_TEST_DIR"));
	if (!mkdtemp(work)) {
		perror("mkdtemp");
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("gen", NULL, NULL);
	CU_add_test(s, "gen__imap_append_tls", gen__imap_append_tls);
	CU_add_test(s, "gen__imap_append_starttls", gen__imap_append_starttls);
	CU_add_test(s, "gen__imap_untrusted_certificate_refused",
		    gen__imap_untrusted_certificate_refused);
	CU_add_test(s, "gen__imap_wrong_password_refused", gen__imap_wrong_password_refused);
	CU_add_test(s, "gen__maildir_seeded_uids_in_order", gen__maildir_seeded_uids_in_order);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
