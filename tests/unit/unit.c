/* The one main() of every unit test program: runs the tests UNIT_TEST
 * registered, in the order of their lines, as one cmocka group named for
 * the program; and the SQLite helpers the catalog tests share. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sqlite3.h>

#include "tests/unit/unit.h"

#define UNIT_MAX 64  /* tests a program may register */

struct unit_entry {
	const char *name;
	CMUnitTestFunction run;
	int line;
};

static struct unit_entry entries[UNIT_MAX];
static size_t nentries;
static CMFixtureFunction group_setup, group_teardown;
static int group_set;

void unit_register(const char *name, CMUnitTestFunction run, int line)
{
	if (nentries == UNIT_MAX) {
		fprintf(stderr, "%s: more than %d tests; raise UNIT_MAX\n", name, UNIT_MAX);
		abort();
	}
	entries[nentries++] = (struct unit_entry){ name, run, line };
}

void unit_register_group(CMFixtureFunction setup, CMFixtureFunction teardown)
{
	if (group_set) {
		fputs("UNIT_GROUP given twice\n", stderr);
		abort();
	}
	group_setup = setup;
	group_teardown = teardown;
	group_set = 1;
}

static int by_line(const void *a, const void *b)
{
	const struct unit_entry *x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

int main(void)
{
	struct CMUnitTest tests[UNIT_MAX];

	/* no test registered is a broken program, not a passing one */
	if (nentries == 0) {
		fprintf(stderr, "%s: no UNIT_TEST registered\n", program_invocation_short_name);
		return 1;
	}
	/* constructors run in an order the toolchain chooses; lines do not */
	qsort(entries, nentries, sizeof(entries[0]), by_line);
	for (size_t i = 0; i < nentries; i++)
		tests[i] = (struct CMUnitTest){ .name = entries[i].name, .test_func = entries[i].run };
	return _cmocka_run_group_tests(program_invocation_short_name, tests, nentries,
				       group_setup, group_teardown);
}

int64_t unit_sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

void unit_sql_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}
