/* A unit test program's tests, each registered where it is defined; one
 * main() (tests/unit/unit.c) runs them all with cmocka, so its output
 * ("[  PASSED  ] N test(s).", what tests/run.sh counts) and exit status
 * (the number of failed tests) are cmocka's. */
#ifndef WINNOW_TEST_UNIT_H
#define WINNOW_TEST_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* UNIT_TEST(test_name) { body } : defines the test and registers it (a
 * constructor runs before main). The tests of a program run in the order
 * of their lines in the file. */
#define UNIT_TEST(name) \
	static void name(void); \
	static void unit_run_##name(void **state) \
	{ \
		(void)state; \
		name(); \
	} \
	__attribute__((constructor)) static void unit_add_##name(void) \
	{ \
		unit_register(#name, unit_run_##name, __LINE__); \
	} \
	static void name(void)

/* UNIT_GROUP(setup, teardown) : the cmocka group fixtures run once before
 * the first test and after the last (either may be NULL). At most one a
 * program; without it there are none. */
#define UNIT_GROUP(setup, teardown) \
	__attribute__((constructor)) static void unit_add_group(void) \
	{ \
		unit_register_group(setup, teardown); \
	}

/* What the macros call; aborts on a full table or a second group. */
void unit_register(const char *name, CMUnitTestFunction run, int line);
void unit_register_group(CMFixtureFunction setup, CMFixtureFunction teardown);

/* unit_sql_int() : the first column of the first row of sql on the
 * SQLite file at path, or -1 without a row. A failing open or prepare
 * fails the test. */
int64_t unit_sql_int(const char *path, const char *sql);
/* unit_sql_exec() : runs sql (one or more statements) on the SQLite file
 * at path; any error fails the test. */
void unit_sql_exec(const char *path, const char *sql);

#endif
