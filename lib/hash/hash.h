/* hash: what tells two files or two images apart. XXH3-128 of a file's
 * bytes, the 64-bit dHash fingerprint of its pixels, and multi-index
 * hashing to find every pair of fingerprints within a Hamming radius.
 *
 * Ownership: an index from mih_build() is freed with mih_free().
 * Threads: hashing functions are thread-safe; a built index is read-only
 * and its search runs on several threads. Errors: -1 with struct wn_err.
 * Depends on: base, img. */
#ifndef WINNOW_HASH_H
#define WINNOW_HASH_H

#include "hash/filehash.h"
#include "hash/dhash.h"
#include "hash/mih.h"

#endif
