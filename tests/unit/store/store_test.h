/*
 * store_test.h: helpers shared by the cmocka tests of src/store: a
 * private temporary directory per test, removed with everything in it.
 * Include it first, after defining _GNU_SOURCE (for nftw and mkdtemp).
 */
#ifndef RB_STORE_TEST_H
#define RB_STORE_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Creates a fresh directory under $TMPDIR (or /tmp) into dir. */
static inline void
test_mkdtemp(char *dir, size_t len)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	snprintf(dir, len, "%s/robinet-test-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
}

static inline int
test_rm_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything below it. */
static inline void
test_rmtree(const char *dir)
{
	nftw(dir, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes "sqlite:DIR/NAME" into url. */
static inline void
test_db_url(char *url, size_t len, const char *dir, const char *name)
{
	snprintf(url, len, "sqlite:%s/%s", dir, name);
}

#endif
