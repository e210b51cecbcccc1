/* catalog: the SQLite file that remembers a dataset. Images with their
 * hashes and thumbnails, runs, URLs, predictions, local features, review
 * decisions, and the journal of planned and done file actions that makes a killed run
 * recoverable; scanning a folder into it; the batch runner commands
 * share (walk, pool, one transaction a batch); merging shard catalogs.
 *
 * Ownership: struct catalog is opened with catalog_open() and closed with
 * catalog_close(); rows handed to a callback are valid during the call
 * only. Threads: one handle belongs to one thread; two processes may use
 * one catalog at once (WAL, busy timeout, the journal's sidecar lock).
 * Errors: -1 with struct wn_err, WN_EDB for SQLite's failures.
 * Depends on: base, img, hash; SQLite. */
#ifndef WINNOW_CATALOG_H
#define WINNOW_CATALOG_H

#include "catalog/db.h"
#include "catalog/images.h"
#include "catalog/runs.h"
#include "catalog/journal.h"
#include "catalog/scan.h"
#include "catalog/batch.h"
#include "catalog/urls.h"
#include "catalog/predictions.h"
#include "catalog/features.h"
#include "catalog/reviews.h"
#include "catalog/merge.h"

#endif
