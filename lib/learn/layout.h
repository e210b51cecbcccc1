/* A split written as trainers read it: class folders (Keras
 * flow_from_directory, torchvision ImageFolder) of hard links, symbolic
 * links or copies, or WebDataset tar shards. The split is built beside
 * its folder and swapped in whole (base/stage.h), so the folder holds one
 * run's split or the one before, never a mix of two. */
#ifndef WINNOW_LEARN_LAYOUT_H
#define WINNOW_LEARN_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "learn/split.h"

/* The file that marks a folder as a split winnow wrote (and may replace). */
#define LAYOUT_MARKER ".winnow-split"

enum layout_kind {
	LAYOUT_FOLDERS,      /* OUT/<part>/<class>/<file> */
	LAYOUT_WEBDATASET,   /* OUT/<part>/<part>-NNNNNN.tar */
};

enum layout_link {
	LAYOUT_HARD,         /* hard links; copies where the file system refuses them */
	LAYOUT_SYM,          /* absolute symbolic links */
	LAYOUT_COPY,
};

/* One image of the split. */
struct layout_image {
	const char *path;         /* its catalog path: messages and the .json */
	const char *rel;          /* the same, relative to the root folder */
	const char *class_name;   /* one of the classes */
	int cls;                  /* its index in the classes */
	enum split_part part;
	size_t group_no;          /* as split_assign() numbers it; 0 alone */
	int width, height;
	uint8_t xxh3[16];         /* the samples' seeded order draws from it */
};

struct layout_opts {
	enum layout_kind kind;
	enum layout_link link;          /* folders */
	uint64_t shard_size;            /* webdataset: samples a shard, 1 or more */
	uint64_t seed;                  /* webdataset: the samples' order */
	const char *out;                /* the folder the split goes to; kept */
	int root;                       /* the folder rel paths are under, as
					   dspath_open_root() gives it; the caller's */
	const char *root_real;          /* root's absolute, symlink-free path:
					   symbolic links point there */
	const char *const *classes;     /* k class names, sorted by strcmp */
	int k;
	const char *note;               /* what the marker file holds: the run */
	struct progress *progress;      /* counts each image, or NULL */
	/* an image that cannot be opened or is not an image now, with the
	 * cause; the split is then not published */
	void (*unreadable)(const char *path, const char *cause, void *ctx);
	void (*after_act)(void);        /* after each image placed (tests kill the
					   process there), or NULL */
	void *ctx;
};

struct layout_result {
	size_t counts[3];         /* images of each part */
	size_t unreadable;        /* images passed to o->unreadable */
	size_t copied;            /* copied where a hard link was refused */
	int copy_why;             /* the errno of the first refusal */
	int empty_classes[3];     /* folders: classes without an image in each
				     part written (their folders are empty) */
	int refused;              /* out is not a folder to replace (err says why) */
};

/*
 * layout_write() : writes the n images of a split at o->out, replacing
 * the split written there before. Only parts that have images are
 * written. Folders: every class has its folder in each part written, so
 * the class indices agree across parts; an image keeps its file name, a
 * name taken twice in a folder becomes NAME~2.EXT, NAME~3.EXT, ... in the
 * order of images. WebDataset: the part's images in an order drawn from
 * the seed and their hashes, each sample KEY (its index in the part, nine
 * digits) as KEY.jpg (.png, .gif, .webp: the file's bytes as they are),
 * KEY.cls (the class index as text) and KEY.json ({"path", "class",
 * "group", "width", "height", "size"}). Both write OUT/classes.txt (the
 * classes, one a line) and OUT/LAYOUT_MARKER (o->note). Files are read
 * under o->root through dspath (never outside it, never through a
 * symlink). Not synced to disk, as no output of winnow is.
 * @return 0 when published; 1 when some images could not be read (each
 * given to o->unreadable): nothing is published then; -1 with err set
 * (res->refused when out is not empty and has no marker; a class name
 * that cannot be a folder's, WN_EINVAL; a write that failed), nothing
 * published. A run killed midway leaves out as it was (stage.h).
 */
int layout_write(const struct layout_opts *o, const struct layout_image *images, size_t n,
		 struct layout_result *res, struct wn_err *err);

#endif
