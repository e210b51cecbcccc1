/* Quoting file names and other bytes for output formats. Names are bytes,
 * not text: each quoting keeps every byte recoverable.
 *  - JSON: a string literal; bytes that are not valid UTF-8 become \udcXX
 *    lone surrogates, the convention of Python's "surrogateescape", so
 *    os.fsencode(json.loads(s)) gives back the exact bytes.
 *  - CSV: RFC 4180; quoted when it holds a comma, quote, CR, LF, or
 *    leading/trailing space, with quotes doubled.
 *  - C: as git prints paths: unchanged when plain, else in double quotes
 *    with \n \t \" \\ and \ooo octal for control bytes and invalid UTF-8.
 * Each appends to out and returns 0, or -1 when memory ran out. */
#ifndef WINNOW_QUOTE_H
#define WINNOW_QUOTE_H

#include "base/strbuf.h"

int quote_json(struct strbuf *out, const char *s);
int quote_csv(struct strbuf *out, const char *s);
int quote_c(struct strbuf *out, const char *s);

/* utf8_valid_len() : length of the valid UTF-8 sequence at s (1..4), or 0
 * when the byte at s does not start one. Rejects overlongs, surrogates and
 * code points past U+10FFFF. */
int utf8_valid_len(const unsigned char *s);

#endif
