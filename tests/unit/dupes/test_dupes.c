/* dupes (dedup's engine) as a library: it prints nothing itself, hands
 * every per-file problem to the callback, calls the test hooks around
 * each act, and writes its report where it is told. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dupes/dupes.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"

UNIT_GROUP(fx_dir_setup, fx_dir_teardown)

static int problems, before, after;
static char problem_text[4096];

static void note_problem(const char *path, const char *cause, void *data)
{
	size_t len = strlen(problem_text);

	(void)data;
	problems++;
	snprintf(problem_text + len, sizeof(problem_text) - len, "%s: %s\n", path, cause);
}

static void note_before(void)
{
	before++;
}

static void note_after(void)
{
	after++;
}

/* Under root/a: two exact copies (x.jpg, x-copy.jpg), a picture of its
 * own and a JPEG cut in half, which does not decode. */
static void make_set(const char *root)
{
	struct img im = fx_pattern(64, 48, 3, 7), other = fx_pattern(64, 48, 3, 8);
	struct fx_buf jpeg = fx_jpeg(&im, 90, 0), jpeg2 = fx_jpeg(&other, 90, 0);
	char path[300];

	snprintf(path, sizeof(path), "%s/a", root);
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/a/x.jpg", root);
	fx_write(path, jpeg.data, jpeg.len);
	snprintf(path, sizeof(path), "%s/a/x-copy.jpg", root);
	fx_write(path, jpeg.data, jpeg.len);
	snprintf(path, sizeof(path), "%s/a/other.jpg", root);
	fx_write(path, jpeg2.data, jpeg2.len);
	snprintf(path, sizeof(path), "%s/a/broken.jpg", root);
	fx_write(path, jpeg.data, jpeg.len / 2);
	fx_buf_free(&jpeg);
	fx_buf_free(&jpeg2);
	img_release(&im);
	img_release(&other);
}

/* The set under fx_dir/name, into root; the counts start from nothing. */
static void fresh_set(const char *name, char *root, size_t len)
{
	problems = before = after = 0;
	problem_text[0] = 0;
	snprintf(root, len, "%s/%s", fx_dir, name);
	make_set(root);
}

/* Runs dupes on root with action, stdout and stderr sent to a file that
 * must stay empty; the report goes to *report (malloc'd). */
static int run_silent(const char *root, enum dupes_action action, char **report)
{
	struct dupes_opts o;
	struct dupes *d;
	struct catalog *cat;
	struct wn_err err;
	char db[300], quiet[300], *argv[] = { "test", NULL };
	int64_t run_id;
	int saved_out = dup(1), saved_err = dup(2), fd, failed;
	size_t len;
	FILE *out;
	struct stat st;

	snprintf(db, sizeof(db), "%s.db", root);
	snprintf(quiet, sizeof(quiet), "%s.printed", root);
	dupes_opts_init(&o);
	o.roots[0] = root;
	o.nroots = 1;
	o.action = action;
	o.threads = 2;
	o.on_problem = note_problem;
	o.before_act = note_before;
	o.after_act = note_after;
	d = dupes_new(&o);
	assert_non_null(d);
	assert_int_equal(catalog_open(db, CATALOG_CREATE, &cat, &err), 0);
	assert_int_equal(run_begin(cat, "test", 1, argv, &run_id, &err), 0);

	fflush(stdout);
	fflush(stderr);
	fd = open(quiet, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	dup2(fd, 1);
	dup2(fd, 2);
	assert_int_equal(dupes_run(d, cat, run_id, &err), 0);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	assert_int_equal(st.st_size, 0);

	out = open_memstream(report, &len);
	assert_int_equal(dupes_report(d, FMT_CSV, out), 0);
	fclose(out);
	failed = dupes_some_failed(d);
	catalog_close(cat);
	dupes_free(d);
	return failed;
}

UNIT_TEST(test_report_prints_nothing)
{
	char root[200], *report;

	fresh_set("report", root, sizeof(root));
	assert_int_equal(run_silent(root, DUPES_ACT_REPORT, &report), 1);
	assert_int_equal(problems, 1);
	assert_non_null(strstr(problem_text, "broken.jpg: "));
	assert_int_equal(before + after, 0);
	assert_non_null(strstr(report, "group,match,distance,class,path,action\n"));
	assert_non_null(strstr(report, "x-copy.jpg,report\n"));
	free(report);
}

UNIT_TEST(test_delete_calls_the_hooks)
{
	char root[200], path[300], *report;

	fresh_set("delete", root, sizeof(root));
	assert_int_equal(run_silent(root, DUPES_ACT_DELETE, &report), 1);
	assert_int_equal(before, 1);
	assert_int_equal(after, 1);
	assert_non_null(strstr(report, "x-copy.jpg,delete\n"));
	snprintf(path, sizeof(path), "%s/a/x-copy.jpg", root);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/a/x.jpg", root);
	assert_int_equal(access(path, F_OK), 0);
	free(report);
}
