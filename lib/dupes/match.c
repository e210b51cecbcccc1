/* The kinds of copy: their names, and the list --match takes. */
#include <string.h>

#include "internal.h"

static const struct {
	const char *name;
	enum dupes_match kind;
	unsigned bit;
} kinds[] = {
	{ "exact", DUPES_EXACT, DUPES_MATCH_EXACT },
	{ "near", DUPES_NEAR, DUPES_MATCH_NEAR },
	{ "mirror", DUPES_MIRROR, DUPES_MATCH_MIRROR },
	{ "rotate", DUPES_ROTATE, DUPES_MATCH_ROTATE },
	{ "crop", DUPES_CROP, DUPES_MATCH_CROP },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

const char *dupes_match_name(enum dupes_match m)
{
	for (size_t k = 0; k < NKINDS; k++)
		if (kinds[k].kind == m)
			return kinds[k].name;
	return "near";
}

int dupes_parse_match(const char *s, unsigned *out, const char **bad)
{
	unsigned bits = 0;

	*bad = s;
	while (*s) {
		size_t len = strcspn(s, ","), k;

		for (k = 0; k < NKINDS; k++)
			if (strlen(kinds[k].name) == len && !strncmp(s, kinds[k].name, len))
				break;
		if (k == NKINDS) {
			*bad = s;
			return -1;
		}
		bits |= kinds[k].bit;
		s += len + (s[len] == ',');
	}
	if (!bits)
		return -1;
	*out = bits;
	return 0;
}
