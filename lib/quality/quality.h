/* quality: what an image's own pixels say about it, for `db issues`.
 * Pure functions on decoded pixels (no I/O, no state): the signals are
 * measured once, where an image is decoded for its fingerprint, and kept
 * in the catalog; the issues are judged later from the stored signals,
 * against the whole set where that is what works.
 *
 * The signals, on the decode the fingerprint already makes (a JPEG at the
 * smallest DCT scale keeping both sides >= 32 px, other formats full
 * size; see hash/dhash.h), first box-averaged by the whole factor
 * f = max(1, short side / 64) for grey and max(1, short side / 16) for
 * colour, so every image is measured at about the same size (a short side
 * of 64..127 px for grey and 16..31 for colour; smaller images as they
 * are) whatever its own:
 *  - sharpness: sum of the squared 4-neighbour Laplacian over the sum of
 *    the squared central-difference gradient (|dx|^2 + |dy|^2), interior
 *    pixels. A ratio of two high-pass energies: it does not change with
 *    contrast or brightness (a dim sharp photo stays sharp) and blur
 *    lowers it (a step blurred by sigma gives about 1/sigma^2), where a
 *    plain Laplacian variance calls every low-contrast or flat image
 *    blurry (cleanvision#120). 0 for a flat image (no gradient at all);
 *    white noise gives 5.
 *    A grey or YCbCr JPEG decoded at 1/8 scale (img.h,
 *    img_decode_grey_colour_dct(); not a progressive file cut short) is
 *    measured on its luma DCT blocks instead, where a blur of 2 to 6 px, which the 1/8 decode
 *    erases, still shows: quality_sharpness_dct().
 *  - luma_p5, luma_p99: the 5th and 99th percentiles of luma, 0..255
 *    (the smallest value with at least that share at or below it). Dark:
 *    even the brightest 1% is dark; light: even the darkest 5% is light.
 *  - entropy: Shannon entropy of the 256-bin luma histogram, bits, 0..8.
 *    Flat fields, blank frames and placeholder cards are low.
 *  - chroma: the 99th percentile over pixels of max(R,G,B) - min(R,G,B),
 *    0..255. 0 for grey pixels, however stored (grey JPEG, or R = G = B).
 *  - colourfulness: Hasler and Suesstrunk (2003) M = sqrt(sd(rg)^2 +
 *    sd(yb)^2) + 0.3 sqrt(mean(rg)^2 + mean(yb)^2), rg = R - G,
 *    yb = (R + G) / 2 - B. 0 for grey.
 *  - skin: the share of pixels of skin colour, 0..1, by Fleck, Forsyth
 *    and Bregler (1996) in log-opponent space: L(x) = 105 log10(x + 1.5)
 *    (their +1 and a noise term taken at its mean 0.5), Rg = L(R) - L(G),
 *    By = L(B) - (L(G) + L(R)) / 2, hue = atan2(Rg, By) in degrees,
 *    saturation = hypot(Rg, By); skin is 110 <= hue <= 150 with
 *    20 <= saturation <= 60, or 130 <= hue <= 170 with 30 <= saturation
 *    <= 130. Their texture test needs full resolution and is left out.
 *    Seed 001 calls an image skin-heavy at QUALITY_SKIN_HEAVY (0.3).
 * Colour comes from an RGB image of the same picture that may be smaller
 * than the grey one (a JPEG's chroma planes are subsampled); NULL means
 * the file holds no colour at all (chroma, colourfulness and skin 0).
 *
 * Threads: everything is thread-safe. Errors: -1 with struct wn_err
 * (WN_ENOMEM only).
 * Depends on: img. */
#ifndef WINNOW_QUALITY_H
#define WINNOW_QUALITY_H

#include <stddef.h>
#include <stdint.h>

#include "img/img.h"

#define QUALITY_SKIN_HEAVY 0.3

struct quality {
	double sharpness;
	double luma_p5, luma_p99;
	double entropy;
	double chroma;
	double colourfulness;
	double skin;
};

/* quality_reduce() : grey or RGB im box-averaged by f = max(1, short side
 * / 64) for grey, / 16 for RGB (each output pixel the rounded mean of an
 * f x f block; the last partial row and column of blocks dropped), into
 * out, which the caller releases. @return 0, or -1 with err set (WN_ENOMEM). */
int quality_reduce(const struct img *im, struct img *out, struct wn_err *err);

/* The signals of one grey image (channels 1) as defined above, on the
 * pixels given (no reduction). */
double quality_sharpness(const struct img *grey);
/*
 * quality_sharpness_dct() : sharpness from a JPEG's luma DCT statistics
 * (dct->blocks > 0) and the pixel measure of its 1/8 decode, pixel:
 * QUALITY_DCT_SCALE x the energy (dequantised coefficients squared,
 * summed over the blocks) at frequencies u + v >= 3 over the energy at
 * u + v = 1 or 2, times min(1, pixel / QUALITY_DCT_SOFT_PIXELS); 0 when
 * the low energy is 0 (flat). Like the pixel measure a ratio of high-pass
 * energies (contrast and brightness do not change it; flat blocks add
 * nothing to either sum), in the spirit of Marichal, Ma and Zhang's
 * DCT-domain blur measure (ICIP 1999): a Gaussian blur of sigma 2 px
 * keeps about 0.3% of the energy at u + v = 4 and 30% at 1. The ratio
 * has a floor (about 0.011, a smooth ramp's odd harmonics within a
 * block), which every blur past a few pixels reaches; the pixel measure,
 * which sees such blurs at 1/8, then ranks the stronger ones lower.
 * Zeroed coefficients (quantisation) count as 0, so a very coarse JPEG
 * reads a little blurrier. The scale puts the blurry threshold where the
 * pixel measure has it (sharpness 1/3, blurry's default 0.25): on
 * bench/make-issues.py's photos the ratio is 0.03 to 3 for clean ones
 * and under 0.023 for blurs of 0.4% of the long side and more.
 */
#define QUALITY_DCT_SCALE 12.0
#define QUALITY_DCT_SOFT_PIXELS 0.5
double quality_sharpness_dct(const struct img_dct_stats *dct, double pixel);

/* quality_luma_stats() : p5, p99 and entropy from one histogram. */
void quality_luma_stats(const struct img *grey, double *p5, double *p99, double *entropy);

/* quality_percentile() : the smallest value v of a 256-bin histogram of
 * total samples with at least share x total samples <= v (255 for none). */
double quality_percentile(const uint64_t hist[256], uint64_t total, double share);

/* The colour signals of one RGB image (channels 3), no reduction. */
void quality_colour_stats(const struct img *rgb, double *chroma, double *colourfulness,
			  double *skin);
/* quality_is_skin() : whether one RGB pixel is of skin colour. */
int quality_is_skin(unsigned r, unsigned g, unsigned b);

/*
 * quality_measure() : every signal of an image, from its grey decode and
 * its colour (NULL: none), each reduced first as quality_reduce() says.
 * @return 0 with q filled, or -1 with err set.
 */
int quality_measure(const struct img *grey, const struct img *colour, struct quality *q,
		    struct wn_err *err);

/*
 * Issues: what `db issues` reports, judged from the signals and the
 * displayed width and height. Each has a score in 0..1, lower is worse,
 * and is found when its score is below its threshold:
 *  - blurry: sharpness / (sharpness + 1); never for an image that is
 *    low_information, nor one too small to judge (odd_size and smaller
 *    than the set's median, or a side under QUALITY_MIN_SIDE).
 *  - dark: luma_p99 / 255.          - light: 1 - luma_p5 / 255.
 *  - low_information: entropy / 8.
 *  - grayscale: chroma / 255.
 *  - odd_aspect_ratio: against the set: with e = long side / short side
 *    and m the median e of the set, min(e / m, m / e).
 *  - odd_size: against the set: with s = sqrt(width x height) and m the
 *    median s, min(s / m, m / s); a side under QUALITY_MIN_SIDE is
 *    odd_size whatever the threshold.
 *  - outlier: unlike the rest of its class, from the classifier's
 *    embeddings, not the signals (learn/outlier.h scores it; the caller
 *    fills it in: quality_judge() leaves it 1, never found).
 * The order of the enum is the order of the report.
 */
enum quality_issue {
	QI_BLURRY,
	QI_DARK,
	QI_LIGHT,
	QI_LOW_INFORMATION,
	QI_GRAYSCALE,
	QI_ODD_ASPECT_RATIO,
	QI_ODD_SIZE,
	QI_OUTLIER,
	QI_COUNT,
};

/* An image with fewer pixels than this on a side is odd_size and never
 * blurry: the fingerprint's own minimum, below which there is too little
 * to judge sharpness on. */
#define QUALITY_MIN_SIDE 32

/* quality_issue_name() : "blurry", ..., "odd_size", "outlier"; NULL past the end. */
const char *quality_issue_name(enum quality_issue i);
/* quality_issue_parse() : the issue named s, or -1. */
int quality_issue_parse(const char *s);
/* quality_issues_parse() : the bits (1 << issue) of a comma-separated
 * list of issue names, s. @return 0, or -1 with err saying which name is
 * not an issue (WN_EINVAL), or that the list names none. */
int quality_issues_parse(const char *s, unsigned *bits, struct wn_err *err);
/* quality_default_threshold() : the threshold used unless the user gives one. */
double quality_default_threshold(enum quality_issue i);

/* The set an image is judged against: medians of the images given. */
struct quality_set {
	double median_side;        /* median sqrt(width x height) */
	double median_elongation;  /* median long side / short side */
};

/* quality_set_medians() : the medians over n images' displayed sizes
 * (w[i] x h[i], all > 0). @return 0, or -1 with err set (WN_ENOMEM). */
int quality_set_medians(const int *w, const int *h, size_t n, struct quality_set *set,
			struct wn_err *err);

/*
 * quality_judge() : the issues of one image: scores[i] for every issue,
 * and the bit (1 << i) set in the return for each one found with the
 * thresholds given (QI_COUNT values).
 */
unsigned quality_judge(const struct quality *q, int width, int height,
		       const struct quality_set *set, const double thresholds[QI_COUNT],
		       double scores[QI_COUNT]);

#endif
