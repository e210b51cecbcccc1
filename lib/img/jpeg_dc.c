/* A sequential Huffman JPEG at 1/8 scale, read by an entropy decoder of
 * our own. At 1/8 a block is its DC: the AC values only have to be read
 * past, which is most of the work and which libjpeg does too, a symbol a
 * lookup; here, several symbols a lookup (multi_table()), which makes up
 * for the sharpness statistics. Asked for luma's AC values, libjpeg
 * stores them for every luma block, where the statistics need one block
 * column in up to 64: here only the sampled blocks' values are read.
 *
 * The pixels are libjpeg's to the bit (its 1x1 inverse DCT: the DC
 * times its quantisation factor as shorts, descaled by 3 with rounding,
 * through its range-limit table), and a file is taken only when libjpeg
 * would decode it without a warning (which stops TurboJPEG's decode and
 * ours): everything else goes back to the caller, who hands it to
 * libjpeg. The rules below follow libjpeg-turbo's jdmarker.c, jdhuff.c
 * and jdmaster.c. */
#include <string.h>
#include <turbojpeg.h>

#include "img/jpeg_coef.h"
#include "img/jpeg_dc.h"

#define MULTI_BITS 12        /* multi_table() */
#define MULTI_SLOTS 4
#define LOOKAHEAD 9          /* bits a Huffman code is looked up by at once */
#define SAMPLE_BLOCKS 512    /* jpeg_sample_step() */
#define MAX_STEP 64

enum { TAKEN = 0, LEAVE = 1 };

#define SKIP_EOB 0x8000
#define VALUE_EOB 32

struct huff {
	uint16_t fast[1 << LOOKAHEAD];  /* length << 8 | symbol; 0: longer or bad */
	/* for reading an AC value past: the bits of its code and value, the
	 * coefficients it moves on (<< 8), or SKIP_EOB; 0 as in fast */
	uint16_t skip[1 << LOOKAHEAD];
	/* a code and its value within LOOKAHEAD bits: the value << 16, the
	 * coefficients an AC value moves on << 8, VALUE_EOB, the bits; 0 as
	 * in fast */
	int32_t value[1 << LOOKAHEAD];
	int32_t maxcode[18];            /* largest code of each length; -1 none */
	int32_t offset[17];             /* symbol index = offset[l] + code */
	uint8_t val[256];
	int defined;
	uint8_t counts[16];
	int total;                      /* symbols */
	const uint16_t *multi;          /* an AC table a scan uses: multi_table() */
};

struct comp {
	int id, h, v, tq;       /* from the frame header */
	int td, ta;             /* tables of the scan */
	unsigned wb, hb;        /* blocks inside the picture */
	int last_dc;
	int16_t q0;             /* the DC's quantisation factor, as libjpeg's short */
};

struct frame {
	unsigned width, height;
	int ncomp, hmax, vmax;
	struct comp c[3];
	uint16_t quant[4][64];  /* natural order */
	int quant_defined[4];
	struct huff dc[4], ac[4];
	unsigned restart;       /* MCUs an interval; 0 none */
};

/* The entropy-coded data, most significant bit first. A marker stops the
 * filling; zero bits are then fed, counted in pad: a decode that eats
 * into them has run past the data, where libjpeg warns. */
struct bits {
	const uint8_t *p, *end;
	uint64_t buf;
	int n;          /* bits in buf, pad included */
	int pad;
	int marker;     /* the marker that stopped the filling, or 0 */
};

/* libjpeg's natural order of the zigzag index, with 16 more entries for a
 * run that goes past the end (jutils.c: they store at 63). */
static const uint8_t natural[64 + 16] = {
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
	63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
};

unsigned jpeg_sample_step(uint64_t w, uint64_t h)
{
	unsigned step = 1;

	while (step < MAX_STEP && 2 * step <= w && w * h > (uint64_t)SAMPLE_BLOCKS * step)
		step *= 2;
	return step;
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* jdhuff.c's HUFF_EXTEND: s bits v as a signed value. */
static inline int extend(unsigned v, int s)
{
	return v < 1u << (s - 1) ? (int)v - (1 << s) + 1 : (int)v;
}

/* Reading AC values past is most of the work, and its speed is one
 * table lookup after another, each waiting on the bits the one before
 * took. A multi table takes several symbols a lookup: indexed by the
 * next MULTI_BITS bits, an entry holds the bits of the whole symbols
 * (code and value) within them, and (64 if they end with an EOB, else 0
 * | the coefficients the others move on) << 4; 0 when not one whole
 * symbol is there. Building one costs about as much as reading a small
 * file past, so each thread keeps the last MULTI_SLOTS it built: files
 * from one encoder share their tables. */
struct multi_slot {
	uint64_t stamp;  /* 0: empty; the largest: the latest used */
	uint8_t counts[16];
	uint8_t val[256];
	uint16_t multi[1 << MULTI_BITS];
};

/* About 34 KB a thread (static TLS), and multi_build() takes 8 KB of
 * stack: for threads of the default sizes, as base/pool.c makes. */
static __thread struct multi_slot multi_cache[MULTI_SLOTS];
static __thread uint64_t multi_clock;

/* The multi table of the AC table (counts, vals) into m (valid: huff_build()
 * took them). */
static void multi_build(uint16_t *m, const uint8_t counts[16], const uint8_t *vals)
{
	uint16_t one[1 << MULTI_BITS];  /* the first whole symbol: bits | advance << 4 */
	int32_t code = 0;
	int k = 0;

	memset(one, 0, sizeof(one));
	for (int l = 1; l <= MULTI_BITS; l++) {
		for (int i = 0; i < counts[l - 1]; i++, k++, code++) {
			int r = vals[k] >> 4, s = vals[k] & 15, len = l + s;
			int adv = s ? r + 1 : r == 15 ? 16 : 64;
			int shift = MULTI_BITS - l;

			if (len > MULTI_BITS)
				continue;
			for (int x = 0; x < 1 << shift; x++)
				one[code << shift | x] = (uint16_t)(len | adv << 4);
		}
		code <<= 1;
	}
	for (int i = 0; i < 1 << MULTI_BITS; i++) {
		int used = 0, adv = 0, eob = 0;

		while (used < MULTI_BITS) {
			unsigned e = one[(i << used) & ((1 << MULTI_BITS) - 1)];
			int len = (int)(e & 15), a = (int)(e >> 4);

			if (!e || used + len > MULTI_BITS)
				break;
			if (a == 64) {
				used += len;
				eob = 64;
				break;
			}
			if (adv + a > 63)
				break;
			adv += a;
			used += len;
		}
		m[i] = (uint16_t)(used ? used | (eob | adv) << 4 : 0);
	}
}

/* t's multi table, from this thread's cache or built into its least
 * recently used slot. A scan's tables (three at most) are used last, so
 * one resolved for it is not taken back while it resolves the others. */
static const uint16_t *multi_table(const struct huff *t)
{
	struct multi_slot *victim = &multi_cache[0];

	for (int i = 0; i < MULTI_SLOTS; i++) {
		struct multi_slot *sl = &multi_cache[i];

		if (sl->stamp && !memcmp(sl->counts, t->counts, sizeof(sl->counts)) &&
		    !memcmp(sl->val, t->val, (size_t)t->total)) {
			sl->stamp = ++multi_clock;
			return sl->multi;
		}
		if (sl->stamp < victim->stamp)
			victim = sl;
	}
	multi_build(victim->multi, t->counts, t->val);
	memcpy(victim->counts, t->counts, sizeof(victim->counts));
	memcpy(victim->val, t->val, (size_t)t->total);
	victim->stamp = ++multi_clock;
	return victim->multi;
}

/* A DHT's table (libjpeg's jpeg_make_d_derived_tbl() checks: at most 256
 * symbols, codes that fit their lengths, a DC table's symbols 0..15).
 * @return TAKEN, or LEAVE. */
static int huff_build(struct huff *t, const uint8_t counts[16], const uint8_t *vals, int dc)
{
	int total = 0, k = 0;
	int32_t code = 0;

	for (int l = 0; l < 16; l++)
		total += counts[l];
	if (total > 256)
		return LEAVE;
	memset(t, 0, sizeof(*t));
	memcpy(t->val, vals, (size_t)total);
	for (int i = 0; dc && i < total; i++)
		if (vals[i] > 15)
			return LEAVE;
	for (int l = 1; l <= 16; l++) {
		int n = counts[l - 1];

		t->offset[l] = k - code;
		t->maxcode[l] = n ? code + n - 1 : -1;
		for (int i = 0; i < n; i++, k++, code++)
			if (code >= (int32_t)1 << l) {
				return LEAVE;  /* libjpeg refuses it below */
			} else if (l <= LOOKAHEAD) {
				int shift = LOOKAHEAD - l;
				int r = vals[k] >> 4, s = vals[k] & 15;
				uint16_t skip = (uint16_t)(s ? (r + 1) << 8 | (l + s) :
							   r == 15 ? 16 << 8 | l : SKIP_EOB | l);

				if (dc) {
					s = vals[k];
					r = 0;
				}
				for (int x = 0; x < 1 << shift; x++) {
					int at = code << shift | x;

					t->fast[at] = (uint16_t)(l << 8 | vals[k]);
					t->skip[at] = skip;
					if (!s && !dc)
						t->value[at] = r == 15 ? 16 << 8 | l : VALUE_EOB | l;
					else if (!s)
						t->value[at] = l;
					else if (l + s <= LOOKAHEAD)
						t->value[at] = (int32_t)((uint32_t)extend(
							(unsigned)(x >> (shift - s)) & ((1u << s) - 1), s) << 16) |
							(r + 1) << 8 | (l + s);
				}
			}
		if (code >= (int32_t)1 << l)
			return LEAVE;
		code <<= 1;
	}
	t->maxcode[17] = INT32_MAX;
	memcpy(t->counts, counts, sizeof(t->counts));
	t->total = total;
	t->defined = 1;
	return TAKEN;
}

/* The hot functions below are inlined into read_scan(), whose struct
 * bits then lives in registers; fill_bytes() takes and gives it back by
 * value for the same reason. */
#define HOT static inline __attribute__((always_inline))

/* Fills buf to more than 56 bits a byte at a time, as libjpeg's
 * jpeg_fill_bit_buffer() reads: 0xFF then any 0xFF fill then 0x00 is a
 * data byte 0xFF; 0xFF then anything else is a marker, which stops the
 * data (the end of the buffer too: libjpeg's memory source then warns,
 * so marker -1). */
static __attribute__((noinline)) struct bits fill_bytes(struct bits bs)
{
	struct bits *b = &bs;

	while (b->n <= 56) {
		unsigned c = 0;

		if (!b->marker) {
			const uint8_t *p = b->p;

			if (p >= b->end) {
				b->marker = -1;
			} else if ((c = *p++) == 0xFF) {
				while (p < b->end && *p == 0xFF)
					p++;
				if (p >= b->end)
					b->marker = -1;
				else if (*p == 0)
					p++;
				else
					b->marker = *p;  /* p stays on the marker's code */
			}
			b->p = p;
		}
		if (b->marker) {
			c = 0;
			b->pad += 8;
		}
		b->buf |= (uint64_t)c << (56 - b->n);
		b->n += 8;
	}
	return bs;
}

/* Fills buf to more than 56 bits: the next bytes at once when none of
 * them is 0xFF, else fill_bytes(). */
HOT void fill(struct bits *b)
{
	if (!b->marker && b->n <= 55 && b->end - b->p >= 8) {
		int k = (63 - b->n) >> 3;    /* 1..7 bytes: n stays under 64 */
		uint64_t v, x, keep = ~(uint64_t)0 << (64 - 8 * k);

		memcpy(&v, b->p, 8);
		v = __builtin_bswap64(v);
		x = ~v | ~keep;              /* an 0xFF byte taken is a zero byte here */
		if (!((x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull)) {
			b->buf |= (v & keep) >> b->n;
			b->n += 8 * k;
			b->p += k;
			if (b->n > 56)
				return;
		}
	}
	*b = fill_bytes(*b);
}

HOT void drop(struct bits *b, int k)
{
	b->buf <<= k;
	b->n -= k;
}

/* The next k bits (1..16) as a number. */
HOT unsigned take(struct bits *b, int k)
{
	unsigned v;

	if (b->n < k)
		fill(b);
	v = (unsigned)(b->buf >> (64 - k));
	drop(b, k);
	return v;
}

/* The next Huffman symbol, or -1 for a code the table does not have. */
HOT int decode(struct bits *b, const struct huff *t)
{
	unsigned e;

	if (b->n < 16)
		fill(b);
	e = t->fast[b->buf >> (64 - LOOKAHEAD)];
	if (e) {
		drop(b, (int)(e >> 8));
		return (int)(e & 0xFF);
	}
	for (int l = LOOKAHEAD + 1; l <= 16; l++) {
		int32_t code = (int32_t)(b->buf >> (64 - l));

		if (code <= t->maxcode[l]) {
			drop(b, l);
			return t->val[(t->offset[l] + code) & 0xFF];
		}
	}
	return -1;
}

/* One pixel of libjpeg's 1x1 inverse DCT (jidctred.c, jpeg_idct_1x1). */
static inline uint8_t dc_pixel(int16_t dc, int16_t q)
{
	int i = ((dc * q + 4) >> 3) & 1023;
	int s = i < 512 ? i : i - 1024;

	return (uint8_t)(s < -128 ? 0 : s > 127 ? 255 : s + 128);
}

/* Reads a block's AC values past. @return 0, or -1 for a bad code. */
HOT int skip_ac(struct bits *b, const struct huff *t)
{
	for (int k = 1; k < 64;) {
		unsigned e;
		int sym, r, s;

		if (b->n < LOOKAHEAD + 16)
			fill(b);
		e = t->multi[b->buf >> (64 - MULTI_BITS)];
		if (e && k + (int)((e >> 4) & 63) < 64) {
			drop(b, (int)(e & 15));
			k += (int)(e >> 4);
			continue;
		}
		e = t->skip[b->buf >> (64 - LOOKAHEAD)];
		if (e) {   /* a code of up to LOOKAHEAD bits and its value at once */
			drop(b, (int)(e & 31));
			if (e & SKIP_EOB)
				break;
			k += (int)(e >> 8);
			continue;
		}
		if ((sym = decode(b, t)) < 0)
			return -1;
		r = sym >> 4;
		s = sym & 15;
		if (s) {
			k += r + 1;
			if (b->n < s)
				fill(b);
			drop(b, s);
		} else if (r != 15) {
			break;
		} else {
			k += 16;
		}
	}
	return 0;
}

/* The square of an AC value at zigzag index k added to acc (natural
 * order), as a float the way libjpeg's block would give it to the sums:
 * the short, squared in floats. Past index 63 libjpeg overwrites the last
 * value, where a sum would add: such a file goes to it. @return 0, or -1. */
HOT int add_square(float acc[64], int k, int v)
{
	float c = (float)(int16_t)v;

	if (k > 63)
		return -1;
	acc[natural[k]] += c * c;
	return 0;
}

/* A block's AC values, their squares added to acc (natural order).
 * @return 0, or -1 for a bad code or a value past the block. */
HOT int read_ac(struct bits *b, const struct huff *t, float acc[64])
{
	for (int k = 1; k < 64;) {
		int32_t e;
		int sym, r, s;

		if (b->n < LOOKAHEAD + 16)
			fill(b);
		e = t->value[b->buf >> (64 - LOOKAHEAD)];
		if (e) {   /* a zero run (ZRL) has value 0: nothing to add */
			drop(b, e & 31);
			if (e & VALUE_EOB)
				break;
			k += (e >> 8) & 31;
			if ((e >> 16) && add_square(acc, k - 1, e >> 16))
				return -1;
			continue;
		}
		if ((sym = decode(b, t)) < 0)
			return -1;
		r = sym >> 4;
		s = sym & 15;
		if (s) {
			k += r;
			if (add_square(acc, k, extend(take(b, s), s)))
				return -1;
			k++;
		} else if (r != 15) {
			break;
		} else {
			k += 16;
		}
	}
	return 0;
}

/* A block's DC difference. @return 0, or -1 for a bad code. */
HOT int read_dc(struct bits *b, const struct huff *t, int *diff)
{
	int32_t e;
	int s;

	if (b->n < LOOKAHEAD + 16)
		fill(b);
	e = t->value[b->buf >> (64 - LOOKAHEAD)];
	if (e) {
		drop(b, e & 31);
		*diff = e >> 16;
		return 0;
	}
	if ((s = decode(b, t)) < 0)
		return -1;
	*diff = s ? extend(take(b, s), s) : 0;
	return 0;
}

/* The frame, tables and scan header, up to the entropy-coded data.
 * @return TAKEN with *data at the first byte of it, or LEAVE. */
static int read_header(const uint8_t *buf, size_t len, struct frame *f, const uint8_t **data)
{
	const uint8_t *p = buf + 2, *end = buf + len;
	int sof = 0;

	if (len < 4 || buf[0] != 0xFF || buf[1] != 0xD8)
		return LEAVE;
	for (;;) {
		unsigned m, n;
		const uint8_t *s;

		/* no bytes before a marker (libjpeg warns), 0xFF fill allowed */
		if (p >= end || *p != 0xFF)
			return LEAVE;
		while (p < end && *p == 0xFF)
			p++;
		if (p + 3 > end)
			return LEAVE;
		m = *p++;
		n = be16(p);
		if (n < 2 || (size_t)(end - p) < n)
			return LEAVE;
		s = p + 2;
		n -= 2;
		p += n + 2;
		switch (m) {
		case 0xC0: case 0xC1:  /* baseline, extended sequential Huffman */
			if (sof++ || n < 6 || s[0] != 8)
				return LEAVE;
			f->height = be16(s + 1);
			f->width = be16(s + 3);
			f->ncomp = s[5];
			if ((f->ncomp != 1 && f->ncomp != 3) || n != 6 + 3 * (unsigned)f->ncomp ||
			    !f->width || !f->height)
				return LEAVE;
			for (int i = 0; i < f->ncomp; i++) {
				struct comp *c = &f->c[i];

				c->id = s[6 + 3 * i];
				c->h = s[7 + 3 * i] >> 4;
				c->v = s[7 + 3 * i] & 15;
				c->tq = s[8 + 3 * i];
				if (c->tq > 3)
					return LEAVE;
				for (int j = 0; j < i; j++)
					if (f->c[j].id == c->id)
						return LEAVE;
			}
			break;
		case 0xC4:  /* DHT */
			while (n) {
				unsigned tc, th, total = 0;

				if (n < 17)
					return LEAVE;
				tc = s[0] >> 4;
				th = s[0] & 15;
				for (int l = 0; l < 16; l++)
					total += s[1 + l];
				if (tc > 1 || th > 3 || n < 17 + total ||
				    huff_build(tc ? &f->ac[th] : &f->dc[th], s + 1, s + 17, !tc))
					return LEAVE;
				s += 17 + total;
				n -= 17 + total;
			}
			break;
		case 0xDB:  /* DQT */
			while (n) {
				unsigned pq, tq, size;

				if (n < 1)
					return LEAVE;
				pq = s[0] >> 4;
				tq = s[0] & 15;
				size = 1 + 64 * (pq + 1);
				if (pq > 1 || tq > 3 || n < size)
					return LEAVE;
				for (int i = 0; i < 64; i++)
					f->quant[tq][natural[i]] = (uint16_t)(pq ? be16(s + 1 + 2 * i) :
										   s[1 + i]);
				f->quant_defined[tq] = 1;
				s += size;
				n -= size;
			}
			break;
		case 0xDD:  /* DRI */
			if (n != 2)
				return LEAVE;
			f->restart = be16(s);
			break;
		case 0xE0:  /* APP0: libjpeg warns about a JFIF version other than 1 */
			if (n >= 14 && !memcmp(s, "JFIF", 5) && s[5] != 1)
				return LEAVE;
			break;
		case 0xEE:  /* APP14: Adobe's colour transform, libjpeg's to read */
			if (n >= 12 && !memcmp(s, "Adobe", 5))
				return LEAVE;
			break;
		case 0xDA:  /* SOS */
			if (!sof || n != 4 + 2 * (unsigned)f->ncomp || s[0] != f->ncomp)
				return LEAVE;
			for (int i = 0; i < f->ncomp; i++) {
				struct comp *c = &f->c[i];

				/* the frame's order, each table there */
				if (s[1 + 2 * i] != c->id)
					return LEAVE;
				c->td = s[2 + 2 * i] >> 4;
				c->ta = s[2 + 2 * i] & 15;
				if (c->td > 3 || c->ta > 3 || !f->dc[c->td].defined ||
				    !f->ac[c->ta].defined || !f->quant_defined[c->tq])
					return LEAVE;
			}
			/* Ss 0, Se 63, Ah Al 0: else libjpeg warns */
			if (s[1 + 2 * f->ncomp] != 0 || s[2 + 2 * f->ncomp] != 63 ||
			    s[3 + 2 * f->ncomp] != 0)
				return LEAVE;
			*data = p;
			return TAKEN;
		default:
			if ((m >= 0xE1 && m <= 0xEF) || m == 0xFE)  /* APPn, COM */
				break;
			return LEAVE;  /* another frame type, DAC, DNL, EOI, ... */
		}
	}
}

/* The sampling TurboJPEG names, from the frame: grey at 1x1, YCbCr with
 * chroma at 1x1 and luma at one of the usual factors; -1 another. */
static int frame_sampling(const struct frame *f)
{
	static const int factors[][3] = {
		{ 1, 1, TJSAMP_444 }, { 2, 1, TJSAMP_422 }, { 2, 2, TJSAMP_420 },
		{ 1, 2, TJSAMP_440 }, { 4, 1, TJSAMP_411 },
	};

	if (f->ncomp == 1)
		return f->c[0].h == 1 && f->c[0].v == 1 ? TJSAMP_GRAY : -1;
	if (f->c[1].h != 1 || f->c[1].v != 1 || f->c[2].h != 1 || f->c[2].v != 1)
		return -1;
	/* component ids R, G, B: libjpeg takes the file for RGB */
	if (f->c[0].id == 'R' && f->c[1].id == 'G' && f->c[2].id == 'B')
		return -1;
	for (size_t i = 0; i < sizeof(factors) / sizeof(factors[0]); i++)
		if (f->c[0].h == factors[i][0] && f->c[0].v == factors[i][1])
			return factors[i][2];
	return -1;
}

/* Whether the data ends cleanly where the decode stopped: fewer than 8
 * bits of it left (the last byte's padding), none of the zeros fed past
 * it read, and the marker that follows is `want`. libjpeg counts any
 * whole byte left before a marker as extraneous data and warns. */
HOT int ends_at(struct bits *b, int want)
{
	fill(b);
	return b->n >= b->pad && b->n - b->pad < 8 && b->marker == want;
}

/* The scan's MCUs into the planes. @return TAKEN, or LEAVE. */
HOT int read_scan(struct frame *f, struct bits *b, struct img planes[3], unsigned step,
		     float acc[64], jpeg_dc_block_fn fn, void *data)
{
	int interleaved = f->ncomp > 1;
	unsigned mcux = interleaved ? (f->width + 8u * f->hmax - 1) / (8u * f->hmax) : f->c[0].wb;
	unsigned mcuy = interleaved ? (f->height + 8u * f->vmax - 1) / (8u * f->vmax) : f->c[0].hb;
	unsigned left = f->restart, next_rst = 0;

	for (unsigned my = 0; my < mcuy; my++)
		for (unsigned mx = 0; mx < mcux; mx++) {
			if (f->restart && !left) {
				if (!ends_at(b, 0xD0 + (int)next_rst))
					return LEAVE;
				b->p += 1;  /* past the marker's code */
				b->buf = 0;
				b->n = b->pad = b->marker = 0;
				next_rst = (next_rst + 1) & 7;
				left = f->restart;
				for (int ci = 0; ci < f->ncomp; ci++)
					f->c[ci].last_dc = 0;
			}
			left--;
			for (int ci = 0; ci < f->ncomp; ci++) {
				struct comp *c = &f->c[ci];
				int bh = interleaved ? c->h : 1, bv = interleaved ? c->v : 1;

				for (int y = 0; y < bv; y++)
					for (int x = 0; x < bh; x++) {
						unsigned bx = mx * (unsigned)bh + (unsigned)x;
						unsigned by = my * (unsigned)bv + (unsigned)y;
						int inside = bx < c->wb && by < c->hb;
						int diff;

						if (read_dc(b, &f->dc[c->td], &diff))
							return LEAVE;
						c->last_dc = (int)((unsigned)c->last_dc + (unsigned)diff);
						if (inside)
							planes[ci].pixels[(size_t)by * planes[ci].stride + bx] =
								dc_pixel((int16_t)c->last_dc, c->q0);
						if (ci == 0 && inside && !(bx & (step - 1))) {
							if (read_ac(b, &f->ac[c->ta], acc))
								return LEAVE;
							fn(data);
						} else if (skip_ac(b, &f->ac[c->ta])) {
							return LEAVE;
						}
					}
			}
			/* past the data: libjpeg would have warned */
			if (b->n < b->pad)
				return LEAVE;
		}
	return ends_at(b, 0xD9) ? TAKEN : LEAVE;
}

int jpeg_dc_planes(const uint8_t *buf, size_t len, int w, int hh, struct img planes[3], int *ss,
		   float acc[64], jpeg_dc_block_fn fn, void *data, unsigned *step, uint16_t quant[64],
		   struct wn_err *err)
{
	struct frame f;
	struct bits b = { 0 };
	const uint8_t *at;
	int r;

	memset(planes, 0, 3 * sizeof(*planes));
	memset(&f, 0, sizeof(f));
	if (read_header(buf, len, &f, &at) || (*ss = frame_sampling(&f)) < 0 ||
	    (f.width + 7) / 8 != (unsigned)w || (f.height + 7) / 8 != (unsigned)hh)
		return LEAVE;
	f.hmax = f.c[0].h;
	f.vmax = f.c[0].v;
	for (int ci = 0; ci < f.ncomp; ci++) {
		struct comp *c = &f.c[ci];

		c->wb = (unsigned)(((uint64_t)f.width * (unsigned)c->h + 8u * f.hmax - 1) /
				   (8u * f.hmax));
		c->hb = (unsigned)(((uint64_t)f.height * (unsigned)c->v + 8u * f.vmax - 1) /
				   (8u * f.vmax));
		c->q0 = (int16_t)f.quant[c->tq][0];
	}
	if (jpeg_alloc_planes(w, hh, *ss, f.ncomp, planes, err))
		return -1;
	/* rows past the picture, padding to whole chroma samples: zeros */
	for (int ci = 0; ci < f.ncomp; ci++)
		memset(planes[ci].pixels, 0, planes[ci].stride * (size_t)tjPlaneHeight(ci, hh, *ss));
	for (int ci = 0; ci < f.ncomp; ci++)
		if (!f.ac[f.c[ci].ta].multi)
			f.ac[f.c[ci].ta].multi = multi_table(&f.ac[f.c[ci].ta]);
	*step = jpeg_sample_step(f.c[0].wb, f.c[0].hb);
	memcpy(quant, f.quant[f.c[0].tq], 64 * sizeof(*quant));
	b.p = at;
	b.end = buf + len;
	r = read_scan(&f, &b, planes, *step, acc, fn, data);
	if (r != TAKEN)
		for (int ci = 0; ci < 3; ci++)
			img_release(&planes[ci]);
	return r;
}
