/* A folder built whole under a hidden name beside where it goes, then
 * swapped in (db split's OUT): a reader of OUT sees the old folder or
 * the new one, never a mix of the two, and a run killed before the swap
 * leaves OUT as it was. A folder is only ever replaced or removed when
 * it is empty or holds the marker file this writes first into every
 * folder it makes: a folder winnow did not make is never deleted. */
#ifndef WINNOW_STAGE_H
#define WINNOW_STAGE_H

#include "base/err.h"
#include "base/strbuf.h"

/* A folder being built. Fields are read-only to the caller but dir. */
struct stage {
	int dir;              /* the hidden folder, open: build in it; -1 released */
	int parent;           /* the folder holding out and the hidden one */
	struct strbuf out;    /* where it goes: absolute, symlinks followed */
	struct strbuf name;   /* out's last part */
	struct strbuf tmp;    /* the hidden folder's name in parent */
	const char *marker;   /* kept, not copied */
};

#define STAGE_INIT { -1, -1, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, NULL }

/*
 * stage_begin() : starts building the folder that will be out. out must
 * be missing, an empty folder, or a folder holding a regular file named
 * marker; anything else is refused and left as it is (WN_EINVAL: "OUT:
 * not empty and not made by winnow (no MARKER): not replaced"). A
 * symlink at out is followed (the folder it names is the one replaced).
 * Missing parents of out are made. What killed runs left beside out
 * (hidden folders ".NAME.winnow-tmp." and six random characters, holding
 * marker or nothing, that no running process holds) is removed first. Then the hidden
 * folder is made beside out, locked (flock) while this process builds it,
 * and marker written into it holding note.
 * @return 0 with st->dir open to build in, or -1 with err set (st is
 * released then).
 */
int stage_begin(struct stage *st, const char *out, const char *marker, const char *note,
		struct wn_err *err);

/*
 * stage_commit() : flushes what was written in the hidden folder to disk
 * (syncfs), then puts it at out in one step: a rename
 * when out is missing, else an exchange (renameat2 RENAME_EXCHANGE);
 * where the file system has no exchange, out is first renamed aside,
 * which leaves a moment with no out. The old folder is then removed if it
 * still is empty or holds marker; if not (something else took its place
 * meanwhile), it is put back at out and the new one removed. The parent
 * is fsync'ed after the swap. st is released either way.
 * @return 0, or -1 with err set (out as it was, as far as the file system
 * allowed).
 */
int stage_commit(struct stage *st, struct wn_err *err);

/* stage_abort() : removes the hidden folder with all in it and releases
 * st. Accepts a released st. */
void stage_abort(struct stage *st);

/* stage_holds_marker() : whether dir is a folder holding a regular file
 * named marker. @return 1 or 0. */
int stage_holds_marker(const char *dir, const char *marker);

#endif
