/* Hash partitioning for --shard K/N. */
#include <stdlib.h>
#include <xxhash.h>

#include "base/shard.h"

int shard_parse(const char *s, struct shard *out, struct wn_err *err)
{
	char *end;
	unsigned long k, n;

	k = strtoul(s, &end, 10);
	if (end == s || *end != '/')
		return wn_fail(err, WN_EINVAL, "--shard takes K/N (this machine's share K of N), "
			       "not '%s'", s);
	n = strtoul(end + 1, &end, 10);
	if (*end || n < 1 || n > 100000 || k < 1 || k > n)
		return wn_fail(err, WN_EINVAL, "--shard takes K/N with 1 <= K <= N, not '%s'", s);
	out->k = (unsigned)k;
	out->n = (unsigned)n;
	return 0;
}

int shard_mine(const struct shard *sh, const void *key, size_t len)
{
	if (!sh || sh->n <= 1)
		return 1;
	return XXH3_64bits(key, len) % sh->n == sh->k - 1;
}
