/* A one-line progress display: done/total, rate, ETA, errors. Commands
 * hand it a stream (stderr when it is a terminal, NULL to stay quiet);
 * the library draws nothing on its own. Counters may be bumped from any
 * thread; the line is redrawn at most 10 times a second. */
#ifndef WINNOW_PROGRESS_H
#define WINNOW_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

struct progress;

/* progress_stream_for() : stderr when it is a terminal (and TERM is not
 * "dumb"), else NULL. Commands pass the result to progress_start(). */
FILE *progress_stream_for(void);

/*
 * progress_start() : label is shown before the counts ("scan"); total 0
 * means unknown (no percentage or ETA). out NULL gives a progress that
 * counts but never draws.
 * @return the progress, or NULL when memory ran out (calls accept NULL).
 */
struct progress *progress_start(FILE *out, const char *label, uint64_t total);

/* progress_set_total() : the total, once it is known. */
void progress_set_total(struct progress *p, uint64_t total);

/* progress_add() : counts `done` finished items, `errors` of them failed. */
void progress_add(struct progress *p, uint64_t done, uint64_t errors);

/* progress_add_bytes() : counts bytes moved; the line then shows MB/s. */
void progress_add_bytes(struct progress *p, uint64_t bytes);

/* progress_format() : the line as it would be drawn, into buf. */
void progress_format(struct progress *p, char *buf, size_t len);

/* progress_finish() : draws the final line, ends it, frees p. */
void progress_finish(struct progress *p);

#endif
