/* net: the web side. URL lists as scrapers keep them (urls_<class>.txt,
 * plain lists, CSV and TSV), and the scraper's engine: downloading them
 * into class folders, recorded in the catalog (scrape.h), connecting to
 * public addresses only (address.h).
 *
 * Ownership: a list has urllist_release(), a run scrape_free(); a run
 * uses the caller's catalog and list, which must outlive it. Threads: one
 * caller per list and per run (a run's own pool writes the bodies); the
 * stop flag in its options may be set by a signal handler. Never prints:
 * what a run did is counted and handed back (scrape_counts(),
 * scrape_each_failed()) for the command to print.
 * Errors: -1 with struct wn_err naming the file (and line) and the cause.
 * Depends on: base, img, hash, catalog; libcurl. */
#ifndef WINNOW_NET_H
#define WINNOW_NET_H

#include "net/urllist.h"
#include "net/scrape.h"
#include "net/address.h"

#endif
