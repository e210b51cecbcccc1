/* net: the web side. URL lists as scrapers keep them (urls_<class>.txt,
 * plain lists, CSV and TSV).
 *
 * Ownership: a list has urllist_release(). Threads: one caller per list.
 * Errors: -1 with struct wn_err naming the file and line.
 * Depends on: base. */
#ifndef WINNOW_NET_H
#define WINNOW_NET_H

#include "net/urllist.h"

#endif
