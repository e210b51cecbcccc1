/* base: what every other part of winnow stands on. Errors, growable
 * strings, file I/O that never leaves a partial file, walking a dataset
 * folder, the confined path resolver that keeps every action inside the
 * dataset, the worker pool, the progress line, shell quoting, the row
 * writer for text, CSV and JSON lines, CPU feature detection, sharding,
 * growing arrays, folders swapped in whole and ustar archives.
 *
 * Conventions of the whole library, stated once here:
 * - Errors: a function that can fail returns 0 (or a pointer) on success
 *   and -1 (or NULL) on failure after filling a caller-owned struct
 *   wn_err (err.h); err may be NULL. Library code never prints and never
 *   exits: commands decide.
 * - Ownership: a struct that holds memory has a *_release() (its storage;
 *   the struct is empty and reusable after) or a *_free() (the object
 *   itself, accepting NULL). Each header says who frees what it returns.
 * - Threads: an object belongs to one thread at a time unless its header
 *   says otherwise (struct pool is shared by design; progress counters
 *   are atomic). Functions without objects are thread-safe.
 * Depends on: libc and pthreads only. */
#ifndef WINNOW_BASE_H
#define WINNOW_BASE_H

#include "base/err.h"
#include "base/strbuf.h"
#include "base/fileio.h"
#include "base/dspath.h"
#include "base/walk.h"
#include "base/pool.h"
#include "base/progress.h"
#include "base/quote.h"
#include "base/table.h"
#include "base/encode.h"
#include "base/cpu.h"
#include "base/shard.h"
#include "base/stage.h"
#include "base/tar.h"
#include "base/grow.h"

#endif
