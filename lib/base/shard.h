/* --shard K/N: which share of the work one machine of N takes. Items are
 * hash-partitioned by a key (a URL, a path relative to the dataset root)
 * so the N shards never overlap and together cover everything, whatever
 * machine computes them. */
#ifndef WINNOW_SHARD_H
#define WINNOW_SHARD_H

#include <stddef.h>

#include "base/err.h"

struct shard {
	unsigned k, n;   /* this is shard k of n, 1 <= k <= n; n 0: no sharding */
};

/* shard_parse() : "K/N" with 1 <= K <= N <= 100000. @return 0, or -1
 * with err set (WN_EINVAL, saying what is wrong). */
int shard_parse(const char *s, struct shard *out, struct wn_err *err);

/* shard_mine() : whether the item with this key (len bytes) is this
 * shard's: XXH3-64 of the key, modulo n, is k - 1. Always 1 unsharded. */
int shard_mine(const struct shard *sh, const void *key, size_t len);

#endif
