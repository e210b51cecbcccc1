/* Merging catalogs: the shards of a job spread over machines into one. */
#ifndef WINNOW_MERGE_H
#define WINNOW_MERGE_H

#include "catalog/db.h"

/*
 * catalog_merge() : copies everything the catalog at src_path knows into
 * cat, in one transaction: images by path (the newer row wins), what was
 * derived, predicted, reviewed and grouped (by image, remapped to cat's
 * ids), URLs by URL (the latest attempt wins), and runs and events
 * appended. Paths are kept as stored: relative to the folder each catalog
 * sat in, which must be the same dataset root. src must be at cat's
 * schema version (db init upgrades it).
 * @return 0, or -1 with err set (WN_EDB).
 */
int catalog_merge(struct catalog *cat, const char *src_path, struct wn_err *err);

#endif
