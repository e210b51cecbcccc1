/* label review: a review session in the browser. A web server
 * (libmicrohttpd) on 127.0.0.1 only, with a random token the printed URL
 * carries; every request without it gets 403, and requests that change
 * anything are POSTs carrying it in a header. Images are addressed by
 * catalog id and only those of the session's queues are served; no
 * request can name a file. Each decision is written to the catalog the
 * moment it is made. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "label.h"
#include "review.h"

static const char usage[] =
	"usage: label review --path DIR [--port N] [--queue Q] [options]\n"
	"\n"
	"Serves a review session to your browser: the suspects of 'label suspects'\n"
	"(most likely first), the label conflicts (images with a copy in another\n"
	"class folder), dedup's near-duplicate groups (side by side, the proposed\n"
	"keeper marked), and the images 'db issues' lists with its default\n"
	"thresholds (each naming its issues and score, worst first). Prints the\n"
	"session's address, with a random token, and serves on 127.0.0.1 only\n"
	"until interrupted (Ctrl-C).\n"
	"\n"
	"Keys: 1-9 assign class k (in a group: make member k the keeper), Enter\n"
	"or k keep, x delete, s skip, p split a group, u undo, j or arrows move,\n"
	"[ and ] switch queues, g the grid, h the heat map of the card's predicted\n"
	"class over its image and H that of its folder class (as 'label cam' draws\n"
	"them with the trained head; each again hides it); the mouse works too.\n"
	"The grid shows\n"
	"a page of 36 images of a queue (not the groups): click or Space selects,\n"
	"shift-click selects a range, a all, arrows move; 1-9 relabel, k keep, x\n"
	"delete or s skip the whole selection as one action, which one u takes\n"
	"back; the class most of the selection is predicted to be is key 1. Each\n"
	"decision is kept in the catalog the moment it is made, so a reload or a\n"
	"restart resumes where the session left off; nothing on disk changes\n"
	"until 'label apply'.\n"
	"\n"
	"It answers only requests for 127.0.0.1, localhost or [::1] at its port,\n"
	"and serves an image only while it is the file catalogued (never through\n"
	"a symbolic link); a delete that would leave a duplicate group without a\n"
	"copy is refused.\n"
	"\n"
	"Options:\n"
	"  --path DIR        the dataset root (DIR/<class>/<file>)\n"
	"  --port N          the port (default: any free one)\n"
	"  --queue Q         open on queue Q: suspects, conflicts, groups or issues\n"
	"                    (default: the first with an undecided item)\n"
	"  --top N           review the N likeliest mislabels, flagged or not\n"
	"                    (default: what confident learning flags)\n"
	"  --model NAME      whose predictions (default mobilenet_v2)\n"
	"  --nsfwjs-compat   those of 'label predict --nsfwjs-compat'\n"
	"  --pretrained      the model's own classes even when a head exists\n"
	"  --map F=C         folder F is the model's class C (repeatable)\n"
	"  --db FILE         the catalog (default: $WINNOW_DB, else ./winnow.db)\n"
	"\n"
	"Examples:\n"
	"  label review --path train\n"
	"  label review --path train --port 8080 --top 2000\n"
	"  label review --path train --queue issues\n"
	"  label apply --dry-run && label apply --trash /tmp/trash\n"
	"\n"
"Exit status: 0 stopped; 2 bad usage or nothing to review yet; 3 fatal.\n";

/* The session's token: 32 random bytes in hex. @return 0, or -1 (said). */
static int make_token(char token[65])
{
	uint8_t rnd[32];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		cli_error("no randomness for the session token: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(token + 2 * i, 3, "%02x", rnd[i]);
	return 0;
}

/* How long a failed heat map (no head yet) is answered from memory before
 * the head is looked for again: 10 s, or WINNOW_TEST_CAM_RETRY_MS (tests,
 * which train a head while the session runs). */
static int64_t review_cam_retry_ms(void)
{
	const char *v = getenv("WINNOW_TEST_CAM_RETRY_MS");
	char *end;
	long long ms = v ? strtoll(v, &end, 10) : -1;

	return v && *v && !*end && ms >= 0 ? ms : 10000;
}

int cmd_review(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTION_PATH,
		{ "port", required_argument, NULL, 'o' },
		{ "queue", required_argument, NULL, 'Q' },
		CLI_OPTIONS_SUSPECTS,
		CLI_OPTION_DB,
		CLI_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct suspects_opts o = { 0 };
	struct session s;
	struct wn_err err = { 0 };
	struct cli_options co;
	const char *root;
	struct MHD_Daemon *d = NULL;
	uint64_t port = 0;
	sigset_t sigs;
	int rc = EXIT_FATAL, c, sig;

	memset(&s, 0, sizeof(s));
	s.root = -1;
	strbuf_init(&s.prefix);
	cli_options_init(&co, usage);
	while ((c = cli_getopt(&co, argc, argv, "p:h", opts)) == 'o' || c == 'Q') {
		if (c == 'o' && cli_parse_uint("--port", optarg, 65535, &port))
			return EXIT_USAGE;
		if (c == 'Q' && review_queue_parse(optarg) < 0)
			return cli_usage_error("--queue: suspects, conflicts, groups or issues, "
					       "not '%s'", optarg);
		if (c == 'Q')
			s.open_queue = optarg;
	}
	if (c == CLI_OPTIONS_STOP || cli_operands(&co, argc, argv, CLI_PATH_NEEDED))
		return co.status;
	root = co.path;
	o = label_suspects_opts(&co);
	s.model = co.model;
	s.prep = co.prep;
	s.cam_retry_ms = review_cam_retry_ms();
	pthread_mutex_init(&s.lock, NULL);
	img_decode_opts_init(&(struct img_decode_opts){ 0 });
	s.limits.max_bytes = IMG_DEFAULT_MAX_BYTES;
	s.limits.max_pixels = IMG_DEFAULT_MAX_PIXELS;
	if (make_token(s.token))
		return EXIT_FATAL;
	if (catalog_open(cli_db_path(co.db), CATALOG_EXISTING, &s.cat, &err) ||
	    catalog_rel_prefix(s.cat, root, &s.prefix, &err) ||
	    (s.root = dspath_open_root(root, 0, &err)) < 0)
		goto fail;
	if (review_session_load(&s, &o, &err))
		goto fail;
	if (!s.q[RQ_SUSPECTS].n && !s.q[RQ_CONFLICTS].n && !s.q[RQ_GROUPS].ngroups &&
	    !s.q[RQ_ISSUES].n) {
		cli_error("%s: nothing to review: run 'label predict' and 'label train' (and "
			  "'dedup' for duplicate groups) on it first", root);
		rc = EXIT_USAGE;
		goto done;
	}
	d = review_serve(&s, (uint16_t)port, &err);
	if (!d)
		goto fail;
	printf("http://127.0.0.1:%u/?token=%s\n", s.port, s.token);
	fflush(stdout);
	fprintf(stderr, "label review: %zu suspects, %zu conflicts, %zu near-duplicate groups, "
		"%zu images with issues; serving on 127.0.0.1 until interrupted\n",
		s.q[RQ_SUSPECTS].n, s.q[RQ_CONFLICTS].n, s.q[RQ_GROUPS].ngroups, s.q[RQ_ISSUES].n);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sigwait(&sigs, &sig);
	MHD_stop_daemon(d);
	rc = EXIT_DONE;
	goto done;
fail:
	rc = cli_fatal(&err);
done:
	review_session_release(&s);
	strbuf_release(&s.prefix);
	if (s.root >= 0)
		close(s.root);
	catalog_close(s.cat);
	pthread_mutex_destroy(&s.lock);
	return rc;
}
