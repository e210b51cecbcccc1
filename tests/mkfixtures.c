/* Writes test data for the end-to-end tests:
 *   mkfixtures bad DIR                 the crafted bad and unusual files
 *   mkfixtures dataset DIR SEED N DUPS CLASS...   ROOT/<class>/ images
 *   mkfixtures near DIR SEED N         N pictures with near copies
 *   mkfixtures turned DIR SEED N       N pictures with mirrored and rotated copies */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fixtures.h"

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "bad")) {
		mkdir(argv[2], 0755);
		fx_write_bad_set(argv[2]);
		return 0;
	}
	if (argc >= 7 && !strcmp(argv[1], "dataset")) {
		fx_write_dataset(argv[2], (const char *const *)argv + 6, argc - 6,
				 atoi(argv[4]), atoi(argv[5]), strtoull(argv[3], NULL, 10));
		return 0;
	}
	if (argc == 7 && !strcmp(argv[1], "big")) {
		fx_write_big(argv[2], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]),
			     strtoull(argv[3], NULL, 10));
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "near")) {
		fx_write_near_set(argv[2], atoi(argv[4]), strtoull(argv[3], NULL, 10));
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "turned")) {
		fx_write_turned_set(argv[2], atoi(argv[4]), strtoull(argv[3], NULL, 10));
		return 0;
	}
	fprintf(stderr, "usage: mkfixtures bad DIR\n"
			"       mkfixtures near DIR SEED N\n"
			"       mkfixtures turned DIR SEED N\n"
			"       mkfixtures big DIR SEED N W H\n"
			"       mkfixtures dataset DIR SEED N DUPS CLASS...\n");
	return 2;
}
