/*-------------------------------------------------------------------------
 *
 * fuzz_common.h
 *	  What the fuzzing harnesses share: property checks that name the
 *	  property they found broken, and the replay driver.
 *
 * Each harness defines LLVMFuzzerTestOneInput and includes this file once.
 * Built with -DFUZZING and -fsanitize=fuzzer, libFuzzer supplies main().
 * Built without FUZZING (plain gcc or clang, ASan and UBSan), the main()
 * below replays files instead: every regular file named on the command line
 * and every regular file in each directory named (sorted; names starting
 * with "." or "README" are skipped, missing paths are ignored).  Each input
 * runs in a child process, so one crashing input is reported as "not ok"
 * and the others still run.  The output is TAP (a plan, then the comment
 * "# N passed, N failed"); the exit status is non-zero if any input failed.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLARKY_FUZZ_COMMON_H
#define CLARKY_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The harness's description of the current input, printed on a failure */
static void FuzzDescribeInput(FILE *out);

/* A property does not hold: say which, describe the input, and abort */
static void
FuzzFail(const char *file, int line, const char *property, const char *expr)
{
	fflush(stdout);
	fprintf(stderr, "\n*** PROPERTY VIOLATED: %s\n*** check: %s\n*** at %s:%d\n",
			property, expr, file, line);
	FuzzDescribeInput(stderr);
	fflush(stderr);
	abort();
}

#define CHECK(cond, property) \
	do { \
		if (!(cond)) \
			FuzzFail(__FILE__, __LINE__, (property), #cond); \
	} while (0)

/* Print len bytes as a C string literal, cut after max bytes */
static void
FuzzPrintBytes(FILE *out, const char *s, size_t len, size_t max)
{
	fputc('"', out);
	for (size_t i = 0; i < len && i < max; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
	fputc('"', out);
	if (len > max)
		fprintf(out, "... (%zu bytes)", len);
}

/*
 * A harness whose input is plain bytes defines FUZZ_BYTES_INPUT before
 * including this file, keeps the input with FuzzKeepInput, and gets this
 * description of it
 */
#ifdef FUZZ_BYTES_INPUT
static const uint8_t *cur_data;
static size_t cur_size;

static void
FuzzKeepInput(const uint8_t *data, size_t size)
{
	cur_data = data;
	cur_size = size;
}

static void
FuzzDescribeInput(FILE *out)
{
	fprintf(out, "*** input (%zu bytes): ", cur_size);
	FuzzPrintBytes(out, (const char *) cur_data, cur_size, 200);
	fputc('\n', out);
}
#endif

/* A copy of n bytes in a block of exactly n bytes (ASan sees any overread) */
static char *
FuzzCopy(const void *data, size_t n)
{
	char	   *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	if (n)
		memcpy(p, data, n);
	return p;
}

#ifndef FUZZING

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int	fuzz_tests;
static int	fuzz_failures;

static int
FuzzCompareNames(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Run one file in a child process and print its TAP line */
static void
FuzzReplayFile(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *data = NULL;
	size_t		size = 0;
	size_t		cap = 0;
	size_t		got;
	pid_t		pid;
	int			status = 0;
	int			passed;

	if (f == NULL)
	{
		printf("not ok %d - %s: cannot be read\n", ++fuzz_tests, path);
		fuzz_failures++;
		return;
	}
	do
	{
		if (size == cap)
		{
			cap = cap ? 2 * cap : 4096;
			data = realloc(data, cap);
			if (data == NULL)
				abort();
		}
		got = fread(data + size, 1, cap - size, f);
		size += got;
	} while (got > 0);
	fclose(f);

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
	{
		perror("fork");
		exit(2);
	}
	if (pid == 0)
	{
		/* an exact-size copy, as libFuzzer passes it */
		uint8_t    *exact = (uint8_t *) FuzzCopy(data, size);

		LLVMFuzzerTestOneInput(exact, size);
		free(exact);
		free(data);
		/* exit, not _exit: LeakSanitizer and coverage tools run at exit */
		exit(0);
	}
	free(data);
	while (waitpid(pid, &status, 0) < 0)
		;
	passed = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	fuzz_tests++;
	if (!passed)
		fuzz_failures++;
	printf("%sok %d - %s (%zu bytes)\n", passed ? "" : "not ", fuzz_tests, path, size);
	if (!passed)
	{
		if (WIFSIGNALED(status))
			printf("# killed by signal %d\n", WTERMSIG(status));
		else
			printf("# exit status %d\n", WEXITSTATUS(status));
	}
}

static void
FuzzReplayPath(const char *path)
{
	struct stat st;
	DIR		   *dir;
	struct dirent *e;
	char	  **names = NULL;
	size_t		n = 0;
	size_t		cap = 0;

	if (stat(path, &st) != 0)
		return;					/* e.g. no regressions yet */
	if (!S_ISDIR(st.st_mode))
	{
		FuzzReplayFile(path);
		return;
	}
	dir = opendir(path);
	if (dir == NULL)
		return;
	while ((e = readdir(dir)) != NULL)
	{
		if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
			continue;
		if (n == cap)
		{
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(char *));
			if (names == NULL)
				abort();
		}
		names[n] = malloc(strlen(path) + strlen(e->d_name) + 2);
		if (names[n] == NULL)
			abort();
		sprintf(names[n], "%s/%s", path, e->d_name);
		n++;
	}
	closedir(dir);
	if (n > 0)
		qsort(names, n, sizeof(char *), FuzzCompareNames);
	for (size_t i = 0; i < n; i++)
	{
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			FuzzReplayFile(names[i]);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	if (argc < 2)
	{
		fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n"
				"replays each input (each file of each directory) through the harness\n",
				argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		FuzzReplayPath(argv[i]);
	printf("1..%d\n", fuzz_tests);
	printf("# %d passed, %d failed\n", fuzz_tests - fuzz_failures, fuzz_failures);
	return fuzz_failures != 0;
}

#endif							/* !FUZZING */

#endif							/* CLARKY_FUZZ_COMMON_H */
