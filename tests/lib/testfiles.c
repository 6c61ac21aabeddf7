/* Temp directories and files for tests, seeding the test user's Maildir,
 * and reading what the SMTP sink received. */
#include "tests/lib/testlib.h"
#include "tracker/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

static void die(const char *what, const char *path)
{
	fprintf(stderr, "testlib: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

char *testdir_new(const char *name)
{
	const char *base = testenv_opt("RC_TEST_DIR");
	if (!base)
		base = testenv_opt("TMPDIR") ? testenv_opt("TMPDIR") : "/tmp";
	char *tmpl = xasprintf("%s/%s.XXXXXX", base, name && *name ? name : "test");
	if (!mkdtemp(tmpl))
		die("cannot create directory", tmpl);
	return tmpl;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

void testdir_remove(const char *dir)
{
	if (dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_all(int fd, const char *s, size_t n, const char *path)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die("cannot write", path);
		s += w;
		n -= (size_t)w;
	}
}

char *testfile_write(const char *dir, const char *name, const char *content, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		die("cannot create", path);
	write_all(fd, content, strlen(content), path);
	if (fchmod(fd, mode) || close(fd))
		die("cannot finish", path);
	return path;
}

char *testfile_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct strbuf b;
	strbuf_init(&b, 64u << 20);
	char buf[65536];
	size_t n;
	int ok = 1;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (strbuf_append(&b, buf, n)) {
			ok = 0;
			break;
		}
	ok = ok && !ferror(f);
	fclose(f);
	if (!ok) {
		strbuf_free(&b);
		return NULL;
	}
	if (len)
		*len = b.len;
	return strbuf_steal(&b);
}

/* As root the servers run as the harness's server user: hand it the file. */
static void give_to_server(const char *path)
{
	if (geteuid() != 0 || !testenv_opt("RC_TEST_SRV_UID"))
		return;
	uid_t uid = (uid_t)atol(testenv_get("RC_TEST_SRV_UID"));
	gid_t gid = (gid_t)atol(testenv_get("RC_TEST_SRV_GID"));
	if (chown(path, uid, gid))
		die("cannot chown", path);
}

static void mkdir_srv(const char *path)
{
	if (mkdir(path, 0755) == 0)
		give_to_server(path);
	else if (errno != EEXIST)
		die("cannot create", path);
}

static char *folder_dir(const char *folder)
{
	const char *root = testenv_get("RC_TEST_MAILDIR");
	if (!folder || !*folder || !strcmp(folder, "INBOX"))
		return xstrdup(root);
	char *dir = xasprintf("%s/.%s", root, folder);
	mkdir_srv(dir);
	static const char *const subs[] = { "tmp", "new", "cur" };
	for (int i = 0; i < 3; i++) {
		char *s = xasprintf("%s/%s", dir, subs[i]);
		mkdir_srv(s);
		free(s);
	}
	return dir;
}

char *testmaildir_drop(const char *folder, const char *msg, size_t len, time_t mtime,
		       const char *flags)
{
	static unsigned seq;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char *dir = folder_dir(folder);
	/* The leading number orders UIDs: a microsecond clock, made strictly
	 * increasing within this process. */
	static long long last;
	long long us = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (us <= last)
		us = last + 1;
	last = us;
	char *name = xasprintf("%lld.P%ldQ%u.rctest", us, (long)getpid(), ++seq);
	char *tmp = xasprintf("%s/tmp/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		die("cannot create", tmp);
	write_all(fd, msg, len, tmp);
	if (close(fd))
		die("cannot write", tmp);
	give_to_server(tmp);
	struct utimbuf ut = { mtime, mtime };
	if (utime(tmp, &ut))
		die("cannot set mtime of", tmp);
	char *dst = flags ? xasprintf("%s/cur/%s:2,%s", dir, name, flags)
			  : xasprintf("%s/new/%s", dir, name);
	if (rename(tmp, dst))
		die("cannot rename into", dst);
	free(tmp);
	free(name);
	free(dir);
	return dst;
}

/* Calls fn for each file in the sink's new/ until it returns non-NULL. */
static char *sink_scan(const char *needle, size_t *len, int *count)
{
	char *dirpath = xasprintf("%s/new", testenv_get("RC_TEST_SMTP_MAILDIR"));
	DIR *d = opendir(dirpath);
	char *found = NULL;
	*count = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		(*count)++;
		if (!needle || found)
			continue;
		char *p = xasprintf("%s/%s", dirpath, e->d_name);
		size_t n = 0;
		char *data = testfile_read(p, &n);
		free(p);
		if (data && memmem(data, n, needle, strlen(needle))) {
			found = data;
			if (len)
				*len = n;
		} else {
			free(data);
		}
	}
	if (d)
		closedir(d);
	free(dirpath);
	return found;
}

char *testsink_wait(const char *needle, int timeout_ms, size_t *len)
{
	for (int waited = 0;; waited += 50) {
		int count;
		char *m = sink_scan(needle, len, &count);
		if (m || waited >= timeout_ms)
			return m;
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

int testsink_count(void)
{
	int count;
	sink_scan(NULL, NULL, &count);
	return count;
}
