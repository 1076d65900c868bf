/*
 * NAME
 *	tmpdir.h - a private temporary directory for a unit test
 * DESCRIPTION
 *	tmpdir_make(dir, size, name) creates $TMPDIR/NAME.XXXXXX (or under
 *	/tmp) into dir and returns 0, or prints a TAP "Bail out!" and returns
 *	-1. tmpdir_remove(path) removes path and everything below it,
 *	without following symbolic links.
 */
#ifndef MXTLS_TEST_TMPDIR_H
#define MXTLS_TEST_TMPDIR_H

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tmpdir_make(char *dir, size_t size, const char *name)
    __attribute__((unused));
static int
tmpdir_make(char *dir, size_t size, const char *name)
{
	const char *t = getenv("TMPDIR");
	int n;

	n = snprintf(dir, size, "%s/%s.XXXXXX",
	    t != NULL && t[0] != '\0' ? t : "/tmp", name);
	if (n < 0 || (size_t)n >= size) {
		printf("Bail out! TMPDIR is too long\n");
		return -1;
	}
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void tmpdir_remove(const char *path) __attribute__((unused));
static void
tmpdir_remove(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			(void)snprintf(sub, sizeof(sub), "%s/%s", path,
			    de->d_name);
			tmpdir_remove(sub);
		}
		closedir(d);
		(void)rmdir(path);
	} else
		(void)unlink(path);
}

#endif /* MXTLS_TEST_TMPDIR_H */
