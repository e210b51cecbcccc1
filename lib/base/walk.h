/* Walking a dataset laid out as ROOT/<class>/<file> (Keras
 * flow_from_directory, torchvision ImageFolder). The class of a file is
 * the name of its first-level folder under ROOT; files directly in ROOT
 * have none. Deeper folders keep the first-level class. */
#ifndef WINNOW_WALK_H
#define WINNOW_WALK_H

#include <sys/stat.h>
#include <sys/types.h>

#include "base/err.h"

struct walk_entry {
	const char *path;   /* ROOT joined with the relative path, as given
			     * ("." as ROOT adds no prefix) */
	const char *rel;    /* path relative to ROOT */
	const char *class_name; /* first-level folder, or NULL for files in ROOT */
	struct stat st;     /* lstat() of the file */
};

/* Return 0 to go on, anything else to stop the walk with that value. */
typedef int (*walk_fn)(const struct walk_entry *e, void *data);
/* Called for an entry that cannot be read (a folder we may not open or
 * list to the end); the walk goes on. path is as walked, cause one line. */
typedef void (*walk_error_fn)(const char *path, const char *cause, void *data);

struct walk_opts {
	/* The catalog, skipped wherever met: the file itself by device and
	 * inode (however the root is spelled), its -wal, -shm and -journal
	 * companions by name. skip_ino 0 and skip_base NULL skip nothing. */
	dev_t skip_dev;
	ino_t skip_ino;
	const char *skip_base;
	/* Folders never entered (an output folder inside the input), by
	 * device and inode; nskip_dirs of them. */
	struct { dev_t dev; ino_t ino; } skip_dirs[4];
	int nskip_dirs;
	walk_error_fn on_error;
	int max_depth;       /* 0: the default of 64 */
};

/* walk_skip_dir() : adds dir to opts' folders never entered (when it
 * exists and there is room for it). @return 0, or -1 when it was not added. */
int walk_skip_dir(struct walk_opts *opts, const char *dir);

/*
 * walk_tree() : calls fn for every regular file under root, in byte order
 * of names within each folder, so runs are repeatable. Skips names that
 * start with '.', never follows symbolic links (to folders or files), and
 * passes names through byte for byte (spaces, quotes, newlines, invalid
 * UTF-8). Folders are opened relative to their parent (openat), so deep
 * trees are not limited by PATH_MAX.
 * @return 0 when the walk completed, fn's non-zero value when it stopped,
 * or -1 with err set when root itself cannot be opened.
 */
int walk_tree(const char *root, const struct walk_opts *opts, walk_fn fn, void *data,
	      struct wn_err *err);

#endif
